-- +goose Up
-- Scale-bounded reads (see 00320), continued; sqlc cannot read this migration (see
-- db/migrations/sqlc_test.go), like 00110 whose view and function it replaces.
-- A survey round's summary: welfare.survey_summary joined hub.survey_figures(), a function
-- that aggregates the answers of every round there is before the join keeps the 8 of the
-- page, 142 → 251 buffers (1.6 → 13 ms). The figures are now a view, read with its owner's
-- rights as the function was (the answers stay unreadable; rounds under five respondents
-- stay suppressed), that aggregates each round's answers apart, by the unique key
-- (survey_id, respondent_key): the planner takes the page's rounds into it, and reads only
-- their answers (54 buffers for 8 rounds at scale 10), with no function call per round.
CREATE VIEW hub.survey_round_figures AS
SELECT s.id AS survey_id,
       CASE WHEN a.n >= 5 THEN a.n::int END AS respondents,
       CASE WHEN a.n >= 5 THEN round(a.overall, 2)::float8 END AS overall,
       CASE WHEN a.n >= 5 THEN round(a.belonging, 2)::float8 END AS belonging,
       CASE WHEN a.n >= 5 THEN round(a.workload, 2)::float8 END AS workload,
       a.n < 5 AS suppressed
FROM welfare.survey s
CROSS JOIN LATERAL (SELECT count(*) AS n, avg(r.overall) AS overall, avg(r.belonging) AS belonging, avg(r.workload) AS workload
                    FROM welfare.survey_response r WHERE r.survey_id = s.id) a;
GRANT SELECT ON hub.survey_round_figures TO civiclink_app;
CREATE OR REPLACE VIEW welfare.survey_summary WITH (security_invoker = true) AS
SELECT s.id AS survey_id, f.respondents, f.overall, f.belonging, f.workload, f.suppressed
FROM welfare.survey s
JOIN hub.survey_round_figures f ON f.survey_id = s.id;
DROP FUNCTION hub.survey_figures();

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION hub.survey_figures() RETURNS TABLE (survey_id bigint, respondents int, overall float8, belonging float8, workload float8, suppressed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT r.survey_id,
         CASE WHEN count(*) >= 5 THEN count(*)::int END,
         CASE WHEN count(*) >= 5 THEN round(avg(r.overall), 2)::float8 END,
         CASE WHEN count(*) >= 5 THEN round(avg(r.belonging), 2)::float8 END,
         CASE WHEN count(*) >= 5 THEN round(avg(r.workload), 2)::float8 END,
         count(*) < 5
  FROM welfare.survey_response r GROUP BY r.survey_id
$$;
-- +goose StatementEnd
CREATE OR REPLACE VIEW welfare.survey_summary WITH (security_invoker = true) AS
SELECT s.id AS survey_id, f.respondents, f.overall, f.belonging, f.workload, coalesce(f.suppressed, true) AS suppressed
FROM welfare.survey s
LEFT JOIN hub.survey_figures() f ON f.survey_id = s.id;
DROP VIEW hub.survey_round_figures;

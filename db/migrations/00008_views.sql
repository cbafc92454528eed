-- +goose Up
-- survey_summary is the only way survey responses are read: aggregates per round, with the
-- count and the scores suppressed when fewer than five people answered.
CREATE VIEW welfare.survey_summary AS
SELECT s.id AS survey_id,
       CASE WHEN count(r.id) >= 5 THEN count(r.id)::int END AS respondents,
       CASE WHEN count(r.id) >= 5 THEN round(avg(r.overall), 2)::float8 END AS overall,
       CASE WHEN count(r.id) >= 5 THEN round(avg(r.belonging), 2)::float8 END AS belonging,
       CASE WHEN count(r.id) >= 5 THEN round(avg(r.workload), 2)::float8 END AS workload,
       count(r.id) < 5 AS suppressed
FROM welfare.survey s
LEFT JOIN welfare.survey_response r ON r.survey_id = s.id
GROUP BY s.id;

-- +goose Down
DROP VIEW welfare.survey_summary;

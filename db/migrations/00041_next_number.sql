-- +goose Up
-- next_number hands out human-facing numbers (J2026-000124, T2026-00043, E2026-000008). It
-- runs as the owner so that the first number of a year starts after the highest existing
-- one even when the caller's row security hides some of them.
-- +goose StatementBegin
CREATE FUNCTION hub.next_number(kind text, yr int, digits int) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  v_name text := kind || yr;
  v_like text := kind || yr || '-%';
  v_from int := length(kind || yr) + 2;
  v_start bigint;
  v_next bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM hub.counter c WHERE c.name = v_name) THEN
    v_start := CASE kind
      WHEN 'J' THEN (SELECT max(substring(case_no FROM v_from)::bigint) FROM police."case" WHERE case_no LIKE v_like)
      WHEN 'T' THEN (SELECT max(substring(dispute_no FROM v_from)::bigint) FROM mediation.dispute WHERE dispute_no LIKE v_like)
      WHEN 'E' THEN (SELECT max(substring(event_no FROM v_from)::bigint) FROM street.grid_event WHERE event_no LIKE v_like)
    END;
    IF v_start IS NULL AND kind NOT IN ('J', 'T', 'E') THEN
      RAISE EXCEPTION 'unknown number kind %', kind;
    END IF;
    INSERT INTO hub.counter (name, value) VALUES (v_name, coalesce(v_start, 0)) ON CONFLICT (name) DO NOTHING;
  END IF;
  UPDATE hub.counter c SET value = c.value + 1 WHERE c.name = v_name RETURNING c.value INTO v_next;
  RETURN v_name || '-' || lpad(v_next::text, digits, '0');
END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION hub.next_number(text, int, int) TO civiclink_app;

-- row_exists tells a mutation whether a row exists at all, so that work on a row outside
-- the caller's scope is refused as FORBIDDEN rather than reported missing.
-- +goose StatementBegin
CREATE FUNCTION hub.row_exists(tbl regclass, row_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE found boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)', tbl) INTO found USING row_id;
  RETURN found;
END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION hub.row_exists(regclass, bigint) TO civiclink_app;

-- +goose Down
DROP FUNCTION hub.row_exists(regclass, bigint);
DROP FUNCTION hub.next_number(text, int, int);

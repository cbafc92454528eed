-- Statements of the dispute commands (db/mediation/commands.go).

-- name: CountPersons :one
-- How many of the given persons exist.
SELECT count(*) FROM street.person WHERE id = ANY(@ids::bigint[]);

-- name: InsertDispute :one
INSERT INTO mediation.dispute (dispute_no, committee_id, source, referred_case_id, grid_event_id,
    grid_id, estate_id, category, difficulty, amount, status, summary, received_at)
VALUES (@dispute_no, @committee_id, @source, @referred_case_id, @grid_event_id,
    @grid_id, @estate_id, @category, @difficulty, @amount, 'RECEIVED', @summary, @received_at)
RETURNING id;

-- name: InsertDisputeParties :exec
INSERT INTO mediation.dispute_party (dispute_id, person_id, side)
SELECT @dispute_id::bigint, (@persons::bigint[])[i], (@sides::text[])[i]
FROM generate_subscripts(@persons::bigint[], 1) AS i;

-- name: DisputeForAssignment :one
-- Locks the dispute a mediator is assigned to, with its committee and the mediator's (NULL:
-- no such mediator).
SELECT d.status, d.committee_id, m.committee_id AS mediator_committee_id
FROM mediation.dispute d LEFT JOIN mediation.mediator m ON m.id = @mediator_id
WHERE d.id = @dispute_id FOR UPDATE OF d;

-- name: InsertDisputeMediator :exec
INSERT INTO mediation.dispute_mediator (dispute_id, mediator_id, role) VALUES ($1, $2, $3);

-- name: DisputeTimeline :one
-- The dispute's status and when it was received: a session or agreement is not before it.
SELECT status, received_at FROM mediation.dispute WHERE id = $1;

-- name: LastSessionAt :many
-- When the dispute's last mediation session was held (no row before the first): its
-- agreement is not signed before it.
SELECT held_at FROM mediation.session WHERE dispute_id = $1 ORDER BY held_at DESC LIMIT 1;

-- name: DisputeWhere :one
-- Where a dispute sits and since when, read by a status change with the dispute locked: its
-- grid and estate (an escalation's risk item is raised there), the station its events go to
-- (of its referring case, kept on the dispute by triggers, 00210, as the caller may not see
-- the case; else of its committee), and when it was received (an agreement is not before).
SELECT d.grid_id, d.estate_id, coalesce(d.referred_station_id, m.station_id) AS station_id, d.received_at
FROM mediation.dispute d
JOIN mediation.committee m ON m.id = d.committee_id
WHERE d.id = $1;

-- Statements of street.AddPerson (db/street/person.go).

-- name: PersonByHMAC :many
-- The person of an identity number, by its HMAC (no row: none yet).
SELECT id FROM street.person WHERE id_number_hmac = $1;

-- name: InsertPerson :one
INSERT INTO street.person (name, id_number_hmac, id_number_cipher, gender, birth_date, phone, grid_id)
VALUES (@name, @id_number_hmac, @id_number_cipher, @gender, @birth_date, @phone, @grid_id)
RETURNING id;

-- name: PersonExists :one
SELECT EXISTS (SELECT 1 FROM street.person WHERE id = $1);

-- Statements of street.AddPerson (db/street/person.go).

-- name: InsertPerson :one
-- Adds the person of an identity number unless there is one (no row then; a concurrent add
-- of the number waits for the other transaction rather than failing on the unique key).
INSERT INTO street.person (name, id_number_hmac, id_number_cipher, gender, birth_date, phone)
VALUES (@name, @id_number_hmac, @id_number_cipher, @gender, @birth_date, @phone)
ON CONFLICT (id_number_hmac) DO NOTHING
RETURNING id;

-- name: PersonByHMAC :one
-- The person of an identity number, by its HMAC.
SELECT id FROM street.person WHERE id_number_hmac = $1;

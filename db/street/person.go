package street

import (
	"context"
	"errors"
	"fmt"
	"time"

	"civiclink/db/street/sqlcdb"
	"civiclink/internal/pii"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// NewPerson is a person named by identity number, for the master person index.
type NewPerson struct {
	IDNumber, Name, Gender string
	BirthDate              *time.Time
	Phone                  *string
}

// AddPerson returns the person of p's identity number in the master person index, matched
// by the number's HMAC, adding them (name, gender, the HMAC and the AES-GCM ciphertext of the
// number, never the number itself) when there is none. field names the input in errors
// ("person"). One statement adds or matches: of two transactions adding the same number at
// once, the second waits for the first and gets its person.
func AddPerson(ctx context.Context, db sqlcdb.DBTX, keys *pii.Keys, field string, p NewPerson) (int64, error) {
	var v validate.V
	v.Check(pii.ValidIDNumber(p.IDNumber), field+".idNumber", "is not a valid resident identity number")
	v.Text(field+".name", p.Name, 1, 100)
	v.Check(p.Phone == nil || phonePattern(*p.Phone), field+".phone", "must have 5 to 20 digits, + or -")
	v.Check(p.BirthDate == nil || p.BirthDate.After(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)), field+".birthDate", "must be after 1900-01-01")
	if err := v.Err(); err != nil {
		return 0, err
	}
	if keys == nil {
		return 0, fmt.Errorf("street: no identity-number keys to add %s", field)
	}
	q := sqlcdb.New(db)
	number := pii.NormaliseIDNumber(p.IDNumber)
	mac := keys.IDNumberHMAC(number)
	id, err := q.InsertPerson(ctx, sqlcdb.InsertPersonParams{Name: p.Name, IDNumberHmac: mac, IDNumberCipher: keys.Encrypt(number),
		Gender: p.Gender, BirthDate: p.BirthDate, Phone: p.Phone})
	if errors.Is(err, pgx.ErrNoRows) {
		// The number has its person already.
		id, err = q.PersonByHMAC(ctx, mac)
		if err != nil {
			return 0, fmt.Errorf("match %s: %w", field, err)
		}
		return id, nil
	}
	if err != nil {
		return 0, fmt.Errorf("add %s: %w", field, err)
	}
	return id, nil
}

// phonePattern mirrors street.person's check on phone: ^[0-9+-]{5,20}$.
func phonePattern(s string) bool {
	if len(s) < 5 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '+' && r != '-' {
			return false
		}
	}
	return true
}

package resolvers

import (
	"context"
	"fmt"

	"civiclink/db/street"
)

// idNumber decrypts a person's identity number; the @personal directive masks it unless the
// caller may see it.
func (r *personResolver) idNumber(_ context.Context, p *street.Person) (*string, error) {
	if p.IDNumberCipher == nil {
		return nil, nil
	}
	plain, err := r.Keys.Decrypt(p.IDNumberCipher)
	if err != nil {
		return nil, fmt.Errorf("identity number of person %d: %w", p.PK, err)
	}
	return &plain, nil
}

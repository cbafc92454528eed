package resolvers

import (
	"context"
	"fmt"

	"civiclink/db/street"
	"civiclink/internal/pii"
	"civiclink/internal/privacy"
)

// idNumber decrypts a person's identity number and masks it unless the caller may see it.
func (r *personResolver) idNumber(ctx context.Context, p *street.Person) (*string, error) {
	if p.IDNumberCipher == nil {
		return nil, nil
	}
	plain, err := r.Keys.Decrypt(p.IDNumberCipher)
	if err != nil {
		return nil, fmt.Errorf("identity number of person %d: %w", p.PK, err)
	}
	s := privacy.String(ctx, plain, pii.MaskIDNumber)
	return &s, nil
}

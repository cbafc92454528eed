package store

import (
	"time"

	"civiclink/internal/globalid"
)

// Filter turns the optional fields of a GraphQL filter input into conditions, collecting
// the first input error (a malformed ID) on the way.
type Filter struct {
	conds Conds
	err   error
}

// In adds "column is one of values" when values is non-nil. An empty list matches nothing.
func (f *Filter) In(col string, values []string) *Filter {
	if values != nil {
		f.conds = append(f.conds, In(col, values))
	}
	return f
}

// Eq adds "column equals value" when value is non-nil.
func (f *Filter) Eq(col string, value *string) *Filter {
	if value != nil {
		f.conds = append(f.conds, Eq(col, *value))
	}
	return f
}

// Ref adds "column references the row with global ID id" when id is non-nil; typeName is the
// GraphQL type the ID must name and field the input field, for the error.
func (f *Filter) Ref(field, col, typeName string, id *string) *Filter {
	if id == nil {
		return f
	}
	return f.RefWhere(field, typeName, id, "t."+col+" = ?")
}

// RefWhere adds the trusted condition sql, whose one '?' receives the primary key that the
// global ID id names, when id is non-nil; for references that go through another table.
func (f *Filter) RefWhere(field, typeName string, id *string, sql string) *Filter {
	if id == nil {
		return f
	}
	pk, err := globalid.DecodeAs(*id, typeName)
	if err != nil {
		if f.err == nil {
			f.err = &InputError{Field: field, Message: err.Error()}
		}
		return f
	}
	f.conds = append(f.conds, Raw(sql, pk))
	return f
}

// Estate adds the filters of rows that happen at an estate (alias t, column estate_id): the
// estate itself (field estateId) and the company managing it (field propertyCompanyId).
func (f *Filter) Estate(estateID, propertyCompanyID *string) *Filter {
	return f.Ref("estateId", "estate_id", "Estate", estateID).RefWhere("propertyCompanyId", "PropertyCompany", propertyCompanyID,
		"t.estate_id IN (SELECT e.id FROM street.estate e WHERE e.property_company_id = ?)")
}

// Range adds from <= column < to for whichever bounds are set.
func (f *Filter) Range(col string, from, to *time.Time) *Filter {
	if from != nil {
		f.conds = append(f.conds, AtLeast(col, *from))
	}
	if to != nil {
		f.conds = append(f.conds, Before(col, *to))
	}
	return f
}

// Cond adds a trusted condition when on is true.
func (f *Filter) Cond(on bool, c Cond) *Filter {
	if on {
		f.conds = append(f.conds, c)
	}
	return f
}

// Done returns the conditions or the first input error.
func (f *Filter) Done() (Conds, error) { return f.conds, f.err }

package analytics

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/street"
	"civiclink/db/welfare"
)

// Group is one cell of an aggregate: its keys (time bucket and group-by dimensions), the
// number of rows, and the measures of its spec. The one suppressed cell of an answer (all the
// cells about too few people, folded) has no keys and every figure null. The methods are the fields of the GraphQL <Type>StatsGroup types; each
// type exposes the keys and measures of its own spec.
type Group struct {
	// Bucket is the start of the time bucket, when the aggregate has one.
	Bucket *time.Time
	// BucketLabel names the time bucket: 2024-05-01, 2024-W18, 2024-05, 2024-Q2, 2024.
	BucketLabel *string
	// Suppressed is true for the one cell folding the cells about too few people to be
	// shown.
	Suppressed bool

	spec     *Spec
	people   int64 // people the cell is about; -1 when the spec is not about people
	count    *int
	keys     map[string]*string
	measures map[string]*float64
}

// Count is the number of rows of the group; null when suppressed.
func (g *Group) Count() *int { return g.count }

// Key returns the value of group-by dimension key (an enum value of the spec), nil when the
// aggregate is not grouped by it or the value is null.
func (g *Group) Key(key string) *string { return g.keys[key] }

// Measure returns measure name, nil when suppressed or undefined for the group.
func (g *Group) Measure(name string) *float64 { return g.measures[name] }

func (g *Group) intMeasure(name string) *int {
	v := g.measures[name]
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

func (g *Group) refKey(key string) (*int64, error) {
	v := g.keys[key]
	if v == nil {
		return nil, nil
	}
	id, err := strconv.ParseInt(*v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("analytics: %s key %q is not an id: %w", key, *v, err)
	}
	return &id, nil
}

// Grid is the GRID key.
func (g *Group) Grid(ctx context.Context) (*street.Grid, error) {
	id, err := g.refKey("GRID")
	if err != nil || id == nil {
		return nil, err
	}
	return street.GridByID.LoadOptional(ctx, id)
}

// Community is the COMMUNITY key.
func (g *Group) Community(ctx context.Context) (*street.Community, error) {
	id, err := g.refKey("COMMUNITY")
	if err != nil || id == nil {
		return nil, err
	}
	return street.CommunityByID.LoadOptional(ctx, id)
}

// Station is the STATION key.
func (g *Group) Station(ctx context.Context) (*police.Station, error) {
	id, err := g.refKey("STATION")
	if err != nil || id == nil {
		return nil, err
	}
	return police.StationByID.LoadOptional(ctx, id)
}

// Committee is the COMMITTEE key.
func (g *Group) Committee(ctx context.Context) (*mediation.Committee, error) {
	id, err := g.refKey("COMMITTEE")
	if err != nil || id == nil {
		return nil, err
	}
	return mediation.CommitteeByID.LoadOptional(ctx, id)
}

// Program is the PROGRAM key.
func (g *Group) Program(ctx context.Context) (*welfare.Program, error) {
	id, err := g.refKey("PROGRAM")
	if err != nil || id == nil {
		return nil, err
	}
	return welfare.ProgramByID.LoadOptional(ctx, id)
}

// Estate is the ESTATE key.
func (g *Group) Estate(ctx context.Context) (*street.Estate, error) {
	id, err := g.refKey("ESTATE")
	if err != nil || id == nil {
		return nil, err
	}
	return street.EstateByID.LoadOptional(ctx, id)
}

// PropertyCompany is the PROPERTY_COMPANY key.
func (g *Group) PropertyCompany(ctx context.Context) (*street.PropertyCompany, error) {
	id, err := g.refKey("PROPERTY_COMPANY")
	if err != nil || id == nil {
		return nil, err
	}
	return street.PropertyCompanyByID.LoadOptional(ctx, id)
}

// AllianceMember is the ALLIANCE_MEMBER key.
func (g *Group) AllianceMember() (*bool, error) {
	v := g.keys["ALLIANCE_MEMBER"]
	if v == nil {
		return nil, nil
	}
	b, err := strconv.ParseBool(*v)
	if err != nil {
		return nil, fmt.Errorf("analytics: ALLIANCE_MEMBER key %q: %w", *v, err)
	}
	return &b, nil
}

// Enum-valued keys.

// ManagementMode is the MANAGEMENT_MODE key.
func (g *Group) ManagementMode() *string { return g.keys["MANAGEMENT_MODE"] }

// Kind is the KIND key.
func (g *Group) Kind() *string { return g.keys["KIND"] }

// Category is the CATEGORY key.
func (g *Group) Category() *string { return g.keys["CATEGORY"] }

// Source is the SOURCE key.
func (g *Group) Source() *string { return g.keys["SOURCE"] }

// Status is the STATUS key.
func (g *Group) Status() *string { return g.keys["STATUS"] }

// Urgency is the URGENCY key.
func (g *Group) Urgency() *string { return g.keys["URGENCY"] }

// Difficulty is the DIFFICULTY key.
func (g *Group) Difficulty() *string { return g.keys["DIFFICULTY"] }

// MediatorKind is the MEDIATOR_KIND key.
func (g *Group) MediatorKind() *string { return g.keys["MEDIATOR_KIND"] }

// Level is the LEVEL key.
func (g *Group) Level() *string { return g.keys["LEVEL"] }

// Dimension is the DIMENSION key.
func (g *Group) Dimension() *string { return g.keys["DIMENSION"] }

// ProgramCategory is the PROGRAM_CATEGORY key.
func (g *Group) ProgramCategory() *string { return g.keys["PROGRAM_CATEGORY"] }

// SurveyPeriod is the SURVEY_PERIOD key.
func (g *Group) SurveyPeriod() *string { return g.keys["SURVEY_PERIOD"] }

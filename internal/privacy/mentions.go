package privacy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"civiclink/db/loaders"
	"civiclink/db/store"
	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/pii"
)

// Mention is one row whose personal values a free text may repeat: a party of the text's
// record (its name, identity number, phone and address) or the record's own address.
type Mention struct {
	// Entity is the row's global ID, for the access log.
	Entity string
	Class  Class
	Key    Key
	// Values are the row's personal values in clear, each with its mask.
	Values []Value
}

// Value is one personal value and how it is masked.
type Value struct {
	Clear string
	Mask  func(string) string
}

// Redact masks, inside text, every value of each mention the caller may not see in clear,
// keeping the text's shape (each value becomes its masked form, of the same length). Values
// the caller may see stay, and their rows are recorded in the ledger like any clear read.
func Redact(ctx context.Context, text string, mentions []Mention) string {
	var pairs []Value
	for _, m := range mentions {
		var found []Value
		for _, v := range m.Values {
			if utf8.RuneCountInString(v.Clear) >= 2 && strings.Contains(text, v.Clear) {
				found = append(found, v)
			}
		}
		if len(found) == 0 || Show(ctx, m.Entity, m.Class, m.Key, true) {
			continue
		}
		pairs = append(pairs, found...)
	}
	if len(pairs) == 0 {
		return text
	}
	// Longer values first, so a name inside an address is not masked before the address.
	slices.SortStableFunc(pairs, func(a, b Value) int { return len(b.Clear) - len(a.Clear) })
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.Clear, p.Mask(p.Clear))
	}
	return strings.NewReplacer(args...).Replace(text)
}

// mentionSQL lists, per kind of record, the persons a free text of the record may name: its
// parties, the persons behind the records it links (risk items) or came from (events); a
// case also mentions its own address. $1 holds the records' keys. Columns: record key, row
// type, row key, name, identity-number ciphertext, phone, address, minor.
// personColumns are the columns of a mentioned person (from street.person p), after the
// record key.
const personColumns = `'Person', p.id, p.name, p.id_number_cipher, p.phone, p.address, ` + minorSQL

var mentionSQL = map[string]string{
	"Dispute": `SELECT dp.dispute_id, ` + personColumns + `
		FROM mediation.dispute_party dp JOIN street.person p ON p.id = dp.person_id WHERE dp.dispute_id = ANY ($1)
		UNION ALL SELECT dm.dispute_id, ` + personColumns + `
		FROM mediation.dispute_mediator dm JOIN mediation.mediator m ON m.id = dm.mediator_id JOIN street.person p ON p.id = m.person_id
		WHERE dm.dispute_id = ANY ($1)`,
	"Case": `SELECT cp.case_id, ` + personColumns + `
		FROM police.case_party cp JOIN street.person p ON p.id = cp.person_id WHERE cp.case_id = ANY ($1)
		UNION ALL SELECT c.id, 'Case', c.id, NULL, NULL, NULL, c.address, false FROM police."case" c WHERE c.id = ANY ($1) AND c.address IS NOT NULL`,
	"RiskItem": `SELECT l.risk_item_id, ` + personColumns + `
		FROM risk.risk_link l JOIN mediation.dispute_party dp ON dp.dispute_id = l.dispute_id JOIN street.person p ON p.id = dp.person_id
		WHERE l.risk_item_id = ANY ($1)
		UNION ALL SELECT l.risk_item_id, ` + personColumns + `
		FROM risk.risk_link l JOIN police.case_party cp ON cp.case_id = l.case_id JOIN street.person p ON p.id = cp.person_id
		WHERE l.risk_item_id = ANY ($1)`,
	"GridEvent": `SELECT e.id, ` + personColumns + `
		FROM street.grid_event e JOIN street.grid_worker w ON w.id = e.reporter_id JOIN street.person p ON p.id = w.person_id
		WHERE e.id = ANY ($1)
		UNION ALL SELECT e.id, ` + personColumns + `
		FROM street.grid_event e JOIN mediation.dispute_party dp ON dp.dispute_id = e.converted_dispute_id JOIN street.person p ON p.id = dp.person_id
		WHERE e.id = ANY ($1)`,
}

// mentionsOf reads, for records, the rows their free texts may mention, as the hub itself:
// what a text must mask cannot depend on what the caller may see. The rows of a query level
// are read at once before their fields resolve (FetchMentions: one statement per kind of
// record and level, whatever the load, and no text waits on a batch window); a text whose
// record no level read (a single record, a list a dataloader serves, a session's record
// shown under a purpose) is batched with the others the request reads meanwhile.
var mentionsOf = loaders.Keyed(func(ctx context.Context, db store.Querier, recs []Key) (map[Key][]Mention, error) {
	var keys *pii.Keys
	if m, ok := ctx.Value(mentionsKey{}).(*mentions); ok {
		keys = m.keys
	}
	return loadMentions(auth.WithSystem(ctx), db, keys, recs)
})

// mentions marks an operation whose free texts are redacted (not withheld whole), with the
// keys that decrypt identity numbers for it.
type mentions struct {
	keys *pii.Keys
}

type mentionsKey struct{}

// withMentions lets the free texts of ctx's operation be redacted, keys decrypting the
// identity numbers they may repeat.
func withMentions(ctx context.Context, keys *pii.Keys) context.Context {
	return context.WithValue(ctx, mentionsKey{}, &mentions{keys: keys})
}

// FetchMentions reads what the free texts of rows (the rows of one query level) may
// mention, for every row at once, unless the request has read it already; rows of types
// without free texts are skipped. Without a mention store in ctx it does nothing (the texts
// are then withheld whole).
func FetchMentions(ctx context.Context, rows []any) error {
	if _, ok := ctx.Value(mentionsKey{}).(*mentions); !ok {
		return nil
	}
	recs := make([]Key, 0, len(rows))
	for _, r := range rows {
		if k := mentionKey(r); k != (Key{}) {
			if _, ok := mentionSQL[k.Type]; ok {
				recs = append(recs, k)
			}
		}
	}
	if len(recs) == 0 {
		return nil
	}
	_, err := mentionsOf.Fetch(ctx, recs)
	return err
}

func loadMentions(ctx context.Context, db store.Querier, keys *pii.Keys, recs []Key) (map[Key][]Mention, error) {
	byType := map[string][]int64{}
	for _, k := range recs {
		byType[k.Type] = append(byType[k.Type], k.PK)
	}
	out := make(map[Key][]Mention, len(recs))
	for typ, pks := range byType {
		sql, ok := mentionSQL[typ]
		if !ok {
			continue
		}
		rows, err := db.Query(ctx, sql, pks)
		if err != nil {
			return nil, fmt.Errorf("rows mentioned by %s texts: %w", typ, err)
		}
		for rows.Next() {
			var (
				rec, pk              int64
				rowType              string
				name, phone, address *string
				cipher               []byte
				minor                bool
			)
			if err := rows.Scan(&rec, &rowType, &pk, &name, &cipher, &phone, &address, &minor); err != nil {
				rows.Close()
				return nil, fmt.Errorf("rows mentioned by %s texts: %w", typ, err)
			}
			m := Mention{Entity: globalid.Encode(rowType, pk), Key: Key{rowType, pk}, Class: CaseAddress}
			if rowType == "Person" {
				m.Class = PersonData
				if minor {
					m.Class = MinorData
				}
			}
			add := func(v *string, mask func(string) string) {
				if v != nil {
					m.Values = append(m.Values, Value{*v, mask})
				}
			}
			add(name, pii.MaskName)
			add(phone, pii.MaskPhone)
			add(address, pii.MaskAddress)
			if cipher != nil && keys != nil {
				if id, err := keys.Decrypt(cipher); err == nil {
					add(&id, pii.MaskIDNumber)
				}
			}
			k := Key{typ, rec}
			out[k] = append(out[k], m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("rows mentioned by %s texts: %w", typ, err)
		}
	}
	return out, nil
}

// redactText redacts a free text of the record rec with the rows it may mention. A text of
// no known record (a status change's reason) is shown only to roles reading persons' data
// under an accepted purpose; without a mention loader in ctx (a wiring error) it is withheld
// whole: fail closed.
func redactText(ctx context.Context, text string, rec Key) (string, error) {
	_, ok := ctx.Value(mentionsKey{}).(*mentions)
	if !ok || (rec == Key{} && !MayShow(ctx, PersonData)) {
		return pii.MaskText(text), nil
	}
	if rec == (Key{}) {
		return text, nil
	}
	ms, err := mentionsOf.Load(ctx, rec)
	if err != nil {
		return "", fmt.Errorf("redact %s %d: %w", rec.Type, rec.PK, err)
	}
	return Redact(ctx, text, ms), nil
}

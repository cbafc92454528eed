// Package fastpath writes the parts of a GraphQL answer that need no decision straight to
// JSON, in place of gqlgen's generated executor.
//
// gqlgen executes every field of every object alike: a field context and a context value,
// closures, a boxed result, a field set and a @defer group per object, and a goroutine per
// list element. For an object whose selected fields are plain struct fields (or references a
// level load filled, store.Ref, also in place of a resolver that answers what its Ref
// holds), none of that decides anything. Marshaler is a field
// interceptor: when a field's value is a list of such objects (or one), it renders the
// whole subtree at once from a plan built per request and selection (gqlgen's CollectFields
// decides fragments, @skip and @include as it would) and hands gqlgen the finished JSON,
// which gqlgen writes as it is. Anything the plan does not cover exactly as gqlgen would
// write it (a resolver it has no known answer for, an argument, a directive, a null in a
// non-null position, an error) leaves the field to gqlgen, unchanged.
//
// Types holding personal data (@holdsPersonal) are written too, but only their public
// fields: a @personal field carries its masking directive, and a field neither @personal
// nor public is withheld by internal/privacy, so a selection of either leaves the field to
// gqlgen, where masking, redaction and withholding run as everywhere else.
package fastpath

import (
	"context"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"civiclink/internal/gqlscalar"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Loader is what a store.Ref offers readers that know its target type only at run time.
type Loader interface {
	// Loaded returns the target and true once a level load filled the reference; a nil
	// target means it does not exist or is not visible.
	Loaded() (any, bool)
}

var loaderType = reflect.TypeFor[Loader]()

// Known answers a field gqlgen calls a resolver for from what the request has already read,
// without I/O and without waiting: the value the resolver would return (a typed nil for
// null), or false when it cannot tell or the resolver would report an error (then the
// field is gqlgen's, and so its resolver's).
type Known func(ctx context.Context, obj any) (any, bool)

// Options are the hooks of a Marshaler.
type Options struct {
	// Known returns how to answer a resolver field of an object type from what the request
	// has read (nil: the resolver's to answer).
	Known func(typeName, field string) Known
	// Skip reports the requests whose fields are all gqlgen's, such as those of a role
	// that extensions before this one check field by field (nil: none).
	Skip func(ctx context.Context) bool
}

// holdsDirective is the directive declaring a type's public fields (schema/privacy.graphqls).
const holdsDirective = "holdsPersonal"

// Marshaler renders plain subtrees of answers of one schema; see the package comment.
type Marshaler struct {
	schema *ast.Schema
	// resolvers holds, per object type, the normalised names of the fields gqlgen calls a
	// resolver for, with the Go type the resolver returns.
	resolvers map[string]map[string]reflect.Type
	// satisfies holds, per object type, what fragments on it may name: itself, its
	// interfaces and its unions.
	satisfies map[string][]string
	// plannable holds the fields whose values a plan may write: without directives, of a
	// plain object type (or a list of one). Decided once, so that the fields of every other
	// type (those holding personal data, interfaces, connections of them) leave the
	// interceptor at once, without a look at the request's plans.
	plannable map[*ast.FieldDefinition]bool
	// public holds, per type holding personal data, the fields it declares public: the only
	// ones a plan writes of it.
	public map[string]map[string]bool
	opts   Options
}

// New returns the Marshaler of schema, whose resolvers are the methods of resolverRoot
// (the generated ResolverRoot interface type: a method per type, returning the interface
// of the type's field resolvers).
func New(schema *ast.Schema, resolverRoot reflect.Type, opts Options) *Marshaler {
	m := &Marshaler{schema: schema, resolvers: map[string]map[string]reflect.Type{}, opts: opts, public: publicFields(schema)}
	for i := range resolverRoot.NumMethod() {
		meth := resolverRoot.Method(i)
		if meth.Type.NumOut() != 1 {
			continue
		}
		iface := meth.Type.Out(0)
		names := map[string]reflect.Type{}
		for j := range iface.NumMethod() {
			rm := iface.Method(j)
			var out reflect.Type
			if rm.Type.NumOut() > 0 {
				out = rm.Type.Out(0)
			}
			names[strings.ToLower(rm.Name)] = out
		}
		m.resolvers[meth.Name] = names
	}
	m.satisfies = Satisfies(schema)
	m.plannable = map[*ast.FieldDefinition]bool{}
	b := builder{m: m}
	for _, def := range schema.Types {
		if def.Kind != ast.Object && def.Kind != ast.Interface {
			continue
		}
		for _, fd := range def.Fields {
			if t := schema.Types[fd.Type.Name()]; len(fd.Directives) == 0 && t != nil && t.Kind == ast.Object && b.plainType(t) {
				m.plannable[fd] = true
			}
		}
	}
	return m
}

// publicFields reads, per type holding personal data, the fields its @holdsPersonal
// directive declares public.
func publicFields(schema *ast.Schema) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for name, def := range schema.Types {
		d := def.Directives.ForName(holdsDirective)
		if d == nil {
			continue
		}
		set := map[string]bool{}
		if a := d.Arguments.ForName("public"); a != nil && a.Value != nil {
			for _, ch := range a.Value.Children {
				if ch.Value != nil && ch.Value.Kind == ast.StringValue {
					set[ch.Value.Raw] = true
				}
			}
		}
		out[name] = set
	}
	return out
}

// Satisfies returns, per object type of schema, what fragments on it may name (the
// satisfies argument of graphql.CollectFields): itself, then the interfaces and unions
// it belongs to, as the schema validator recorded them (ast.Schema.GetImplements).
func Satisfies(schema *ast.Schema) map[string][]string {
	sets := map[string][]string{}
	for name, def := range schema.Types {
		if def.Kind != ast.Object {
			continue
		}
		set := []string{name}
		for _, d := range schema.GetImplements(def) {
			set = append(set, d.Name)
		}
		sets[name] = set
	}
	return sets
}

// ExtensionName implements graphql.HandlerExtension.
func (*Marshaler) ExtensionName() string { return "PlainSubtrees" }

// Validate implements graphql.HandlerExtension.
func (*Marshaler) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField implements graphql.FieldInterceptor: it resolves the field as gqlgen
// would, then renders its value when the plan for the field's selection covers it.
func (m *Marshaler) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil || res == nil {
		return res, err
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || len(fc.Field.Selections) == 0 || !m.plannable[fc.Field.Definition] {
		return res, err
	}
	c, _ := ctx.Value(cacheKey{}).(*cache)
	if c == nil || (m.opts.Skip != nil && m.opts.Skip(ctx)) {
		return res, err
	}
	v := reflect.ValueOf(res)
	p := c.plan(ctx, m, fc, v.Type())
	if p == nil {
		return res, err
	}
	b := make([]byte, 0, p.size.Load())
	b, ok := p.root.write(ctx, b, v)
	if !ok {
		return res, err
	}
	p.size.Store(int64(len(b)))
	return &rendered{b}, nil
}

// rendered is finished JSON that gqlgen writes as it is.
type rendered struct{ b []byte }

func (r *rendered) MarshalGQL(w io.Writer) { _, _ = w.Write(r.b) }

type cacheKey struct{}

// WithCache returns ctx with a fresh cache of plans: one per request, since a plan depends
// on the request's variables (@skip and @include).
func WithCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheKey{}, &cache{plans: map[planKey]*plan{}})
}

type planKey struct {
	field *ast.Field
	typ   reflect.Type
}

type cache struct {
	mu    sync.Mutex
	plans map[planKey]*plan
}

// plan returns the plan for the current field with values of Go type t (nil: gqlgen's).
func (c *cache) plan(ctx context.Context, m *Marshaler, fc *graphql.FieldContext, t reflect.Type) *plan {
	k := planKey{fc.Field.Field, t}
	c.mu.Lock()
	p, ok := c.plans[k]
	c.mu.Unlock()
	if ok {
		return p
	}
	b := builder{m: m, oc: graphql.GetOperationContext(ctx)}
	if n := b.value(fc.Field.Definition.Type, t, fc.Field.Selections); n != nil && n.kind >= kindObject {
		p = &plan{root: n}
	}
	c.mu.Lock()
	c.plans[k] = p
	c.mu.Unlock()
	return p
}

// plan writes values of one Go type for one field selection.
type plan struct {
	root *node
	// size is the length of the last answer written, the next one's initial capacity
	// (lists under the rows of one level tend to be alike).
	size atomic.Int64
}

type kind int

const (
	kindString kind = iota
	kindInt
	kindFloat
	kindBool
	kindDate
	kindDateTime
	kindObject
	kindList
)

// node writes one GraphQL value held in a Go value of a known type.
type node struct {
	kind    kind
	nonNull bool
	ptr     bool // the Go value is a pointer to what is written
	elem    *node
	fields  []field
}

type access int

const (
	accessTypename access = iota
	accessField
	accessRef
	accessMethod
	accessKnown
)

// field writes one selected field of an object.
type field struct {
	key      []byte // "alias":
	access   access
	typename string
	index    []int // accessField, accessRef: the struct field
	method   int   // accessMethod: the method of the pointer type
	errOut   bool  // accessMethod: the method also returns an error
	known    Known // accessKnown: answers the resolver's value
	goType   reflect.Type
	value    *node
}

// builder builds nodes for one operation.
type builder struct {
	m  *Marshaler
	oc *graphql.OperationContext
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	stringType = reflect.TypeFor[string]()
	errorType  = reflect.TypeFor[error]()
)

// value builds the node writing values of GraphQL type gt from Go type t, or nil.
func (b builder) value(gt *ast.Type, t reflect.Type, sel ast.SelectionSet) *node {
	n := &node{nonNull: gt.NonNull}
	if t.Kind() == reflect.Pointer {
		n.ptr = true
		t = t.Elem()
		if t.Kind() == reflect.Pointer {
			return nil
		}
	}
	if gt.Elem != nil {
		if n.ptr || t.Kind() != reflect.Slice {
			return nil
		}
		n.kind = kindList
		if n.elem = b.value(gt.Elem, t.Elem(), sel); n.elem == nil {
			return nil
		}
		return n
	}
	def := b.m.schema.Types[gt.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Scalar, ast.Enum:
		if len(sel) > 0 {
			return nil
		}
		k, ok := scalarKind(def, t)
		if !ok {
			return nil
		}
		n.kind = k
		return n
	case ast.Object:
		if t.Kind() != reflect.Struct || !b.plainType(def) {
			return nil
		}
		n.kind = kindObject
		for _, f := range graphql.CollectFields(b.oc, sel, b.m.satisfies[def.Name]) {
			if public, holds := b.m.public[def.Name]; holds && f.Name != "__typename" && !public[f.Name] {
				return nil // @personal (masked) or unclassified (withheld): gqlgen's
			}
			pf, ok := b.field(def, t, f)
			if !ok {
				return nil
			}
			n.fields = append(n.fields, pf)
		}
		return n
	}
	return nil
}

// plainType reports whether an object type's fields may be written without gqlgen: not a
// root type, and no directive on the type but @holdsPersonal (whose public fields only a
// plan writes: value refuses the others).
func (b builder) plainType(def *ast.Definition) bool {
	s := b.m.schema
	for _, root := range []*ast.Definition{s.Query, s.Mutation, s.Subscription} {
		if root != nil && root.Name == def.Name {
			return false
		}
	}
	for _, d := range def.Directives {
		if d.Name != holdsDirective {
			return false
		}
	}
	return true
}

// scalarKind says how gqlgen writes scalar or enum def held in Go type t, for the types
// this package writes itself.
func scalarKind(def *ast.Definition, t reflect.Type) (kind, bool) {
	if def.Kind == ast.Enum {
		// Enums are bound to plain strings (gqlgen.yml); a Go enum type has its own
		// marshaler, which is gqlgen's to call.
		return kindString, t == stringType
	}
	switch def.Name {
	case "String", "ID":
		return kindString, t == stringType
	case "Int":
		switch t {
		case reflect.TypeFor[int](), reflect.TypeFor[int32](), reflect.TypeFor[int64]():
			return kindInt, true
		}
	case "Float":
		return kindFloat, t == reflect.TypeFor[float64]()
	case "Boolean":
		return kindBool, t == reflect.TypeFor[bool]()
	case "Date":
		return kindDate, t == timeType
	case "DateTime":
		return kindDateTime, t == timeType
	}
	return 0, false
}

// field plans one collected field of object def held in struct type t.
func (b builder) field(def *ast.Definition, t reflect.Type, f graphql.CollectedField) (field, bool) {
	pf := field{key: appendQuoted(nil, f.Alias)}
	pf.key = append(pf.key, ':')
	if len(f.Deferrables) > 0 {
		return pf, false
	}
	for _, d := range f.Directives {
		if d.Name != "skip" && d.Name != "include" {
			return pf, false
		}
	}
	if f.Name == "__typename" {
		pf.access = accessTypename
		pf.typename = def.Name
		return pf, true
	}
	fd := def.Fields.ForName(f.Name)
	if fd == nil || len(fd.Arguments) > 0 || len(fd.Directives) > 0 {
		return pf, false
	}
	var goType reflect.Type
	var ok bool
	if out, isResolver := b.m.resolvers[def.Name][normalise(f.Name)]; isResolver {
		goType, ok = bindResolverRef(&pf, t, f.Name, out)
		if !ok && out != nil && b.m.opts.Known != nil {
			if known := b.m.opts.Known(def.Name, f.Name); known != nil {
				pf.access, pf.known, pf.goType = accessKnown, known, out
				goType, ok = out, true
			}
		}
	} else {
		goType, ok = bind(&pf, t, f.Name)
	}
	if !ok {
		return pf, false
	}
	if pf.value = b.value(fd.Type, goType, f.Selections); pf.value == nil {
		return pf, false
	}
	return pf, true
}

// normalise is a field name as gqlgen compares it with Go names.
func normalise(name string) string { return strings.ToLower(strings.ReplaceAll(name, "_", "")) }

// bind finds what gqlgen binds GraphQL field name of struct type t to, by its rules (a
// method of the type, then a field of the struct, then what embedded structs promote),
// and returns the Go type of the value. A method is bound only when it takes no argument
// and returns a value (and maybe an error); a method returning an error whose struct also
// has a store.Ref named after it (Program and ProgramRef) reads the Ref.
func bind(pf *field, t reflect.Type, name string) (reflect.Type, bool) {
	want := normalise(name)
	pt := reflect.PointerTo(t)
	method, hasMethod := -1, false
	for i := range pt.NumMethod() {
		if strings.EqualFold(pt.Method(i).Name, want) {
			if hasMethod {
				return nil, false // gqlgen refuses ambiguous bindings
			}
			method, hasMethod = i, true
		}
	}
	declaredField := -1
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.IsExported() && !sf.Anonymous && normalise(sf.Name) == want {
			if declaredField >= 0 {
				return nil, false
			}
			declaredField = i
		}
	}
	if hasMethod && (declaredField < 0 || !promoted(t, pt.Method(method).Name)) {
		return bindMethod(pf, t, pt.Method(method))
	}
	if declaredField >= 0 {
		pf.access = accessField
		pf.index = []int{declaredField}
		return t.Field(declaredField).Type, true
	}
	sf, ok := t.FieldByNameFunc(func(n string) bool { return normalise(n) == want })
	if !ok || !sf.IsExported() || len(sf.Index) < 2 {
		return nil, false
	}
	for i := 1; i < len(sf.Index); i++ {
		if t.FieldByIndex(sf.Index[:i]).Type.Kind() == reflect.Pointer {
			return nil, false // a nil embedded pointer is gqlgen's to report
		}
	}
	pf.access = accessField
	pf.index = sf.Index
	return sf.Type, true
}

// bindResolverRef binds a field gqlgen calls a resolver for, returning out, to the
// store.Ref of the struct named after it (Grid.community and CommunityRef), if there is one
// whose target is out: such a resolver decides nothing and answers what the level load
// put in the Ref, so the Ref is read in its place. When a level load did not fill it, the
// plan leaves the field to gqlgen, and so its resolver.
func bindResolverRef(pf *field, t reflect.Type, name string, out reflect.Type) (reflect.Type, bool) {
	want := normalise(name) + "ref"
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Anonymous || normalise(sf.Name) != want || !reflect.PointerTo(sf.Type).Implements(loaderType) {
			continue
		}
		get, ok := reflect.PointerTo(sf.Type).MethodByName("Get")
		if !ok || get.Type.NumOut() != 2 || get.Type.Out(0) != out {
			return nil, false
		}
		pf.access = accessRef
		pf.index = sf.Index
		return out, true
	}
	return nil, false
}

// promoted reports whether method name of *t comes from an embedded field.
func promoted(t reflect.Type, name string) bool {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.Anonymous {
			continue
		}
		et := sf.Type
		if et.Kind() != reflect.Pointer {
			et = reflect.PointerTo(et)
		}
		if _, ok := et.MethodByName(name); ok {
			return true
		}
	}
	return false
}

func bindMethod(pf *field, t reflect.Type, m reflect.Method) (reflect.Type, bool) {
	mt := m.Type // func(*T) (V[, error])
	if mt.NumIn() != 1 || mt.NumOut() < 1 || mt.NumOut() > 2 {
		return nil, false
	}
	if mt.NumOut() == 2 && mt.Out(1) != errorType {
		return nil, false
	}
	out := mt.Out(0)
	if mt.NumOut() == 2 && out.Kind() == reflect.Pointer {
		if sf, ok := t.FieldByName(m.Name + "Ref"); ok && reflect.PointerTo(sf.Type).Implements(loaderType) {
			if ref, ok := reflect.PointerTo(sf.Type).MethodByName("Get"); ok && ref.Type.NumOut() == 2 && ref.Type.Out(0) == out {
				pf.access = accessRef
				pf.index = sf.Index
				return out, true
			}
		}
	}
	pf.access = accessMethod
	pf.method = m.Index
	pf.errOut = mt.NumOut() == 2
	return out, true
}

// write appends the JSON of v; false when it is not gqlgen's answer to write (then the
// whole field goes to gqlgen).
func (n *node) write(ctx context.Context, b []byte, v reflect.Value) ([]byte, bool) {
	if n.ptr {
		if v.IsNil() {
			if n.nonNull {
				return b, false
			}
			return append(b, "null"...), true
		}
		v = v.Elem()
	}
	switch n.kind {
	case kindString:
		return appendQuoted(b, v.String()), true
	case kindInt:
		return strconv.AppendInt(b, v.Int(), 10), true
	case kindFloat:
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return b, false
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64), true // fmt's %g, as gqlgen writes it
	case kindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case kindDate, kindDateTime:
		t := timeOf(v)
		if n.kind == kindDateTime {
			if t.IsZero() {
				return b, false // gqlgen writes null, and an error when non-null
			}
			// As graphql.MarshalTime: strconv.Quote(t.Format(time.RFC3339Nano)), whose
			// digits, letters and signs need no escaping.
			b = append(b, '"')
			b = t.AppendFormat(b, time.RFC3339Nano)
			return append(b, '"'), true
		}
		// As gqlscalar.MarshalDate: strconv.Quote(t.Format(gqlscalar.DateLayout)).
		b = append(b, '"')
		b = t.AppendFormat(b, gqlscalar.DateLayout)
		return append(b, '"'), true
	case kindList:
		if v.IsNil() && !n.nonNull {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = n.elem.write(ctx, b, v.Index(i)); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case kindObject:
		return n.writeObject(ctx, b, v)
	}
	return b, false
}

func (n *node) writeObject(ctx context.Context, b []byte, v reflect.Value) ([]byte, bool) {
	if !v.CanAddr() {
		return b, false
	}
	b = append(b, '{')
	for i := range n.fields {
		f := &n.fields[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		var fv reflect.Value
		switch f.access {
		case accessTypename:
			b = appendQuoted(b, f.typename)
			continue
		case accessField:
			fv = v.FieldByIndex(f.index)
		case accessRef:
			target, loaded := v.FieldByIndex(f.index).Addr().Interface().(Loader).Loaded()
			if !loaded || target == nil {
				return b, false // gqlgen reports the error
			}
			fv = reflect.ValueOf(target)
		case accessMethod:
			out := v.Addr().Method(f.method).Call(nil)
			if f.errOut && !out[1].IsNil() {
				return b, false
			}
			fv = out[0]
		case accessKnown:
			answer, ok := f.known(ctx, v.Addr().Interface())
			if !ok {
				return b, false
			}
			if fv = reflect.ValueOf(answer); !fv.IsValid() {
				fv = reflect.Zero(f.goType)
			} else if fv.Type() != f.goType {
				return b, false
			}
		}
		var ok bool
		if b, ok = f.value.write(ctx, b, fv); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// timeOf reads a time.Time without copying it to the heap when it is addressable.
func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *v.Addr().Interface().(*time.Time)
	}
	return v.Interface().(time.Time)
}

const hex = "0123456789ABCDEF"

// appendQuoted quotes s exactly as gqlgen's MarshalString does (graphql.writeQuotedString).
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i, c := range s {
		if c < 0x20 || c == '\\' || c == '"' {
			b = append(b, s[start:i]...)
			switch c {
			case '\t':
				b = append(b, `\t`...)
			case '\r':
				b = append(b, `\r`...)
			case '\n':
				b = append(b, `\n`...)
			case '\\':
				b = append(b, `\\`...)
			case '"':
				b = append(b, `\"`...)
			default:
				b = append(b, `\u00`...)
				b = append(b, hex[c>>4], hex[c&0xf])
			}
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

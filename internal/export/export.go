// Package export serves GET|POST /export: it runs a saved playground example or a query text
// through the hub's own GraphQL endpoint, in process, and streams the list it returns as CSV
// or NDJSON, one row per list element or connection node, so that spreadsheets and BI tools
// can pull figures by URL. Because the operation goes through the same /graphql handler as
// any client's, authorization, masking, limits and access logging apply to exports exactly
// as they do to GraphQL; the request's headers (Authorization, X-Api-Key …) are passed on.
//
// Parameters (query string for GET; the same names in a JSON body or a form for POST):
//
//	example        name of a saved example (playground/examples/NAME.graphql), or
//	query          a GraphQL query text, or
//	sha256         the hash of a persisted query (registered with civiclink persisted add,
//	               or already known as an automatic persisted query)
//	vars           JSON object of variables (variables is accepted too); an example's saved
//	               variables are the defaults that vars overrides key by key
//	operationName  the operation to run when the text has several
//	format         csv (default) or ndjson
//	field          dotted path to the list to export (aliases count), e.g. grants or
//	               node.officers; needed when the operation selects several root fields
//	limit          row cap, at most MaxRows (the default)
//
// A root connection asked for with a first above pagesize.Max (which /graphql refuses) is
// exported page by page: the operation is rewritten so that the connection's first and after
// are variables and its pageInfo is selected under a reserved alias, and each page (at most
// pagesize.Max rows) runs through /graphql like any client's page and is written (and
// flushed) before the next is asked for, under one header; memory holds one page. The
// operation's own after is the first page's cursor. An export asking for more than MaxRows
// rows this way (first above MaxRows, and no lower limit) is refused with EXPORT_TOO_LARGE
// before anything runs; a page that fails after rows were sent breaks the transfer, so that
// a short file never looks whole. Exports with first up to pagesize.Max run as one operation.
//
// Columns follow the query's selection order; nested objects become dotted columns
// (grid.code), nested lists one JSON-text cell. A response with any GraphQL error is not
// exported: the errors come back as JSON with a 4xx or 5xx status.
package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"civiclink/playground"
)

// MaxRows is the most rows one export returns; more are cut and the response says so in
// the TruncatedHeader.
const MaxRows = 50000

// Response headers of an export.
const (
	// RowsHeader is the number of rows exported.
	RowsHeader = "X-Civiclink-Export-Rows"
	// TruncatedHeader is "true" when the row cap cut the list.
	TruncatedHeader = "X-Civiclink-Export-Truncated"
)

// maxBody caps a POST body and the inner GraphQL response read into memory.
const maxBody = 1 << 20

// request is what an export asks for.
type request struct {
	Example       string          `json:"example"`
	Query         string          `json:"query"`
	Sha256        string          `json:"sha256"`
	Variables     json.RawMessage `json:"variables"`
	Vars          json.RawMessage `json:"vars"`
	OperationName string          `json:"operationName"`
	Format        string          `json:"format"`
	Field         string          `json:"field"`
	Limit         int             `json:"limit"`
	// BOM asks for a CSV for spreadsheets: a UTF-8 byte-order mark first (so Excel reads
	// Chinese text as UTF-8) and text that looks like a date or number (2021-11, 042513)
	// written as ="…" so that it stays text.
	BOM bool `json:"bom"`
}

// Handler returns the /export handler. graphql serves the GraphQL endpoint at path
// endpoint: pass the server's mux, so that whatever wraps that route wraps exports too. The
// endpoint's gqlgen server must run Operations (AroundOperations): an export takes its
// columns from the operation, and fails without it.
func Handler(graphql http.Handler, endpoint string, logger *slog.Logger) http.Handler {
	examples, err := playground.Examples()
	if err != nil {
		logger.Error("export: loading saved examples", "err", err)
	}
	byName := make(map[string]playground.Example, len(examples))
	for _, e := range examples {
		byName[e.Name] = e
	}
	return &handler{graphql: graphql, endpoint: endpoint, examples: byName, logger: logger}
}

type handler struct {
	graphql  http.Handler
	endpoint string
	examples map[string]playground.Example
	logger   *slog.Logger
}

// badRequest is an input problem reported to the client as 400.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// codedError is an input problem reported to the client as 400 with its own code.
type codedError struct{ code, msg string }

func (e *codedError) Error() string { return e.msg }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET or POST")
		return
	}
	req, err := parseRequest(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BAD_USER_INPUT", err.Error())
		return
	}
	q, filename, err := h.operation(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BAD_USER_INPUT", err.Error())
		return
	}
	pg, err := pagerOf(q, req.Field, req.Limit)
	if err != nil {
		var ce *codedError
		if errors.As(err, &ce) {
			writeError(w, http.StatusBadRequest, ce.code, ce.msg)
			return
		}
		writeError(w, http.StatusBadRequest, "BAD_USER_INPUT", err.Error())
		return
	}
	var body []byte
	if pg != nil {
		body, err = pg.body(pg.after, 0)
	} else {
		body, err = q.body()
	}
	if err != nil {
		h.logger.ErrorContext(r.Context(), "export: build operation", "err", err)
		writeError(w, http.StatusInternalServerError, "INTERNAL", "the export failed")
		return
	}
	in, err := h.start(r, body)
	if err != nil {
		h.logger.ErrorContext(r.Context(), "export: run operation", "err", err)
		writeError(w, http.StatusInternalServerError, "INTERNAL", "the export failed")
		return
	}
	defer func() { in.stop() }()
	if in.status != http.StatusOK {
		h.refused(w, r, in)
		return
	}
	dec, errs, data, err := answerData(in)
	switch {
	case err != nil:
		h.logger.ErrorContext(r.Context(), "export: read the GraphQL answer", "err", err)
		writeError(w, http.StatusBadGateway, "INTERNAL", "the export failed")
	case len(errs) > 0:
		m := map[string]any{"errors": errs}
		if data != nil {
			m["data"] = data
		}
		raw, _ := json.Marshal(m)
		writeRaw(w, statusOf(errorCode(errs), in.status), raw)
	default:
		h.writeRows(w, r, req, &in, dec, filename, pg)
	}
}

// refused passes on an answer that is not a 200 GraphQL answer: its errors with the
// matching status, or, when it is not a GraphQL answer at all (refused before execution,
// e.g. by authentication), the answer as it came.
func (h *handler) refused(w http.ResponseWriter, r *http.Request, in *inner) {
	raw, err := io.ReadAll(io.LimitReader(in.body, maxBody))
	if err != nil {
		h.logger.ErrorContext(r.Context(), "export: read refusal", "err", err)
		writeError(w, http.StatusInternalServerError, "INTERNAL", "the export failed")
		return
	}
	var resp struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(raw, &resp) == nil && len(resp.Errors) > 0 {
		writeRaw(w, statusOf(errorCode(resp.Errors), in.status), raw)
		return
	}
	if ct := in.header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(in.status)
	_, _ = w.Write(raw)
}

// errorCode is the code an export reports for a GraphQL answer's errors: the first one
// other than INTERNAL.
func errorCode(errs []json.RawMessage) string {
	code := ""
	for _, raw := range errs {
		var e struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		}
		_ = json.Unmarshal(raw, &e)
		if code == "" || code == "INTERNAL" {
			code = e.Extensions.Code
		}
	}
	return code
}

// answerData reads a 200 GraphQL answer up to its data value and returns the decoder there.
// The answer's errors come first (gqlgen writes them before data), so an answer with errors
// is returned as its errors (and its data, when it has some) before any row is read.
func answerData(in *inner) (dec *json.Decoder, errs []json.RawMessage, data json.RawMessage, err error) {
	dec = json.NewDecoder(in.body)
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, nil, fmt.Errorf("the GraphQL answer is not a JSON object: %v", err)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("read the GraphQL answer: %w", err)
		}
		switch {
		case key == "errors":
			if err := dec.Decode(&errs); err != nil {
				return nil, nil, nil, fmt.Errorf("read the GraphQL errors: %w", err)
			}
		case key == "data" && len(errs) == 0:
			return dec, nil, nil, nil
		case key == "data":
			if err := dec.Decode(&data); err != nil {
				return nil, nil, nil, fmt.Errorf("read the GraphQL answer: %w", err)
			}
			return nil, errs, data, nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, nil, fmt.Errorf("read the GraphQL answer: %w", err)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs, nil, nil
	}
	return nil, nil, nil, errors.New("the GraphQL answer has no data")
}

// nextPage runs the page of pg after cursor, the export's rows so far being done, and
// returns the decoder at its data. A page that fails once rows were sent cannot be reported
// in the response any more: the error says why, and the caller ends the response unfinished.
func (h *handler) nextPage(r *http.Request, in **inner, pg *pager, cursor *string, done int) (*json.Decoder, error) {
	body, err := pg.body(cursor, done)
	if err != nil {
		return nil, err
	}
	(*in).stop()
	next, err := h.start(r, body)
	if err != nil {
		*in = &inner{stop: func() {}}
		return nil, err
	}
	*in = next
	if next.status != http.StatusOK {
		return nil, fmt.Errorf("page after %d rows: status %d", done, next.status)
	}
	dec, errs, _, err := answerData(next)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("page after %d rows: %s", done, errs[0])
	}
	return dec, nil
}

// writeRows writes the export of the data value that dec is at.
func (h *handler) writeRows(w http.ResponseWriter, r *http.Request, req *request, in **inner, dec *json.Decoder, filename string, pg *pager) {
	if (*in).sink.op == nil {
		// Every operation the hub's /graphql executes passes through Operations, so a data
		// answer without one means the endpoint is not wired as Handler requires.
		h.logger.ErrorContext(r.Context(), "export: the GraphQL endpoint answered data without showing the export its operation (is export.Operations installed on it?)")
		writeError(w, http.StatusInternalServerError, "INTERNAL", "the export failed")
		return
	}
	p, err := planOf((*in).sink.op, req.Field)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BAD_USER_INPUT", err.Error())
		return
	}
	limit := MaxRows
	if req.Limit > 0 && req.Limit < MaxRows {
		limit = req.Limit
	}
	pageKey := ""
	if pg != nil {
		if p.unwrap != asEdges && p.unwrap != asNodes {
			h.logger.ErrorContext(r.Context(), "export: a paged export's field is not read as a connection", "field", req.Field)
			writeError(w, http.StatusInternalServerError, "INTERNAL", "the export failed")
			return
		}
		pageKey, limit = pageInfoKey, pg.want
	}
	hd := w.Header()
	hd.Set("Trailer", RowsHeader+", "+TruncatedHeader)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	var out rowWriter
	if req.Format == "ndjson" {
		hd.Set("Content-Type", "application/x-ndjson; charset=utf-8")
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename + ".ndjson"}))
		out = &ndjsonRows{w: w}
	} else {
		hd.Set("Content-Type", "text/csv; charset=utf-8")
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename + ".csv"}))
		c, err := newCSVRows(w, req.BOM)
		if err != nil {
			h.logger.WarnContext(r.Context(), "export: write", "err", err)
			return
		}
		out = c
	}
	s := &rowSink{out: out, columns: p.columns, limit: limit}
	aborted := false
	err = func() error {
		if s.columns != nil {
			if err := s.begin(); err != nil {
				return err
			}
		}
		info, err := streamRows(dec, p, s, pageKey)
		// A paged export asks each page for the rows still wanted, and sends each page on
		// (flushed) before it asks for the next, so memory holds one page at a time.
		for err == nil && pg != nil && info.HasNextPage && info.EndCursor != nil && s.rows < pg.want {
			if err = out.flush(); err != nil {
				return err
			}
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			if dec, err = h.nextPage(r, in, pg, info.EndCursor, s.rows); err != nil {
				h.logger.ErrorContext(r.Context(), "export: a page of a paged export failed; the response ends unfinished", "err", err, "rows", s.rows)
				aborted = true
				return err
			}
			info, err = streamRows(dec, p, s, pageKey)
		}
		if pg != nil && pg.limited && info.HasNextPage && s.rows == pg.want {
			s.truncated = true
		}
		return err
	}()
	if aborted {
		// Rows were sent: a short file that looks whole would mislead, so the client sees
		// the transfer break instead.
		panic(http.ErrAbortHandler)
	}
	if ferr := out.flush(); err == nil {
		err = ferr
	}
	hd.Set(RowsHeader, strconv.Itoa(s.rows))
	hd.Set(TruncatedHeader, strconv.FormatBool(s.truncated))
	if err != nil {
		h.logger.WarnContext(r.Context(), "export: write", "err", err, "rows", s.rows)
	}
	h.logger.InfoContext(r.Context(), "export", "example", req.Example, "operation", req.OperationName,
		"format", req.Format, "field", req.Field, "rows", s.rows, "truncated", s.truncated)
}

// parseRequest reads the parameters of a GET query string, or of a JSON or form POST body.
func parseRequest(r *http.Request) (*request, error) {
	req := &request{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Method == http.MethodPost && ct == "application/json" {
		dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
		if err := dec.Decode(req); err != nil {
			return nil, fmt.Errorf("the body is not a JSON export request: %v", err)
		}
	} else {
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return nil, fmt.Errorf("cannot read the parameters: %v", err)
		}
		f := r.Form
		req.Example, req.Query, req.OperationName = f.Get("example"), f.Get("query"), f.Get("operationName")
		req.Sha256 = f.Get("sha256")
		req.Format, req.Field = f.Get("format"), f.Get("field")
		if v := f.Get("vars"); v != "" {
			req.Vars = json.RawMessage(v)
		} else if v := f.Get("variables"); v != "" {
			req.Vars = json.RawMessage(v)
		}
		switch f.Get("bom") {
		case "", "0", "false":
		case "1", "true":
			req.BOM = true
		default:
			return nil, fmt.Errorf("bom must be 1 or 0")
		}
		if l := f.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("limit must be a positive number")
			}
			req.Limit = n
		}
	}
	if len(req.Vars) == 0 {
		req.Vars = req.Variables
	}
	switch req.Format {
	case "":
		req.Format = "csv"
	case "csv", "ndjson":
	default:
		return nil, fmt.Errorf("format must be csv or ndjson")
	}
	if req.Limit < 0 {
		return nil, fmt.Errorf("limit must be a positive number")
	}
	given := 0
	for _, s := range []string{req.Example, req.Query, req.Sha256} {
		if s != "" {
			given++
		}
	}
	if given != 1 {
		return nil, fmt.Errorf("give one of example (a saved example's name), query (a GraphQL text) or sha256 (a persisted query's hash)")
	}
	if req.Sha256 != "" && !sha256Hex.MatchString(req.Sha256) {
		return nil, fmt.Errorf("sha256 must be 64 hexadecimal digits")
	}
	return req, nil
}

var (
	safeName  = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
	sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

// gqlRequest is the GraphQL request an export runs.
type gqlRequest struct {
	query         string
	vars          map[string]json.RawMessage
	operationName string
	sha256        string
}

// body is the request's JSON body for /graphql.
func (q *gqlRequest) body() ([]byte, error) {
	op := map[string]any{"query": q.query, "variables": q.vars, "operationName": q.operationName}
	if q.sha256 != "" {
		op["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": q.sha256}}
	}
	body, err := json.Marshal(op)
	if err != nil {
		return nil, fmt.Errorf("encode operation: %w", err)
	}
	return body, nil
}

// operation builds the GraphQL request and a file name for the export.
func (h *handler) operation(req *request) (*gqlRequest, string, error) {
	query, filename := req.Query, "export"
	vars := map[string]json.RawMessage{}
	if req.Example != "" {
		ex, ok := h.examples[req.Example]
		if !ok {
			return nil, "", &badRequest{fmt.Sprintf("no saved example %q", req.Example)}
		}
		query, filename = ex.Query, ex.Name
		if ex.Variables != "" {
			if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
				return nil, "", fmt.Errorf("saved variables of %s: %w", ex.Name, err)
			}
		}
	}
	if len(req.Vars) > 0 && string(req.Vars) != "null" {
		var given map[string]json.RawMessage
		if err := json.Unmarshal(req.Vars, &given); err != nil {
			return nil, "", &badRequest{"vars must be a JSON object"}
		}
		for k, v := range given {
			vars[k] = v
		}
	}
	if req.Field != "" {
		filename += "-" + req.Field
	}
	q := &gqlRequest{query: query, vars: vars, operationName: req.OperationName, sha256: req.Sha256}
	if req.Sha256 != "" {
		filename = "persisted-" + req.Sha256[:12]
	}
	return q, strings.Trim(safeName.ReplaceAllString(filename, "_"), "_"), nil
}

// statusOf maps a GraphQL error code to the export's HTTP status.
func statusOf(code string, inner int) int {
	switch code {
	case "UNAUTHENTICATED":
		return http.StatusUnauthorized
	case "FORBIDDEN":
		return http.StatusForbidden
	case "NOT_FOUND":
		return http.StatusNotFound
	case "RATE_LIMITED":
		return http.StatusTooManyRequests
	case "INTERNAL", "":
		if inner >= 400 {
			return inner
		}
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func writeRaw(w http.ResponseWriter, status int, raw []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]string{"code": code}}}})
	writeRaw(w, status, b)
}

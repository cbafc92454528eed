package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// inner is the in-process GraphQL request of an export, running in its own goroutine and
// writing its answer into a pipe that the export reads as it comes.
type inner struct {
	status int
	header http.Header
	body   *bufio.Reader
	sink   *sink
	stop   func()
}

// pipeWriter is the inner request's http.ResponseWriter: the body goes into the pipe.
type pipeWriter struct {
	header http.Header
	status int
	pw     *io.PipeWriter
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.pw.Write(b)
}

// errStopped ends the inner request's writes once the export has read what it needs.
var errStopped = errors.New("export: the export stopped reading")

// start runs the operation body through the GraphQL endpoint in process, with the export
// request's context and headers, and returns once the answer's first byte (or its end) is
// there, with its status and headers. The caller must call stop.
func (h *handler) start(r *http.Request, body []byte) (*inner, error) {
	s := &sink{}
	req, err := http.NewRequestWithContext(context.WithValue(r.Context(), sinkKey{}, s), http.MethodPost, h.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build GraphQL request: %w", err)
	}
	for k, v := range r.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Type", "Content-Length", "Accept-Encoding", "Accept":
			continue
		}
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.RemoteAddr = r.RemoteAddr
	req.Host = r.Host
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, pw: pw}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				h.logger.ErrorContext(r.Context(), "export: the GraphQL handler panicked", "panic", p)
				pw.CloseWithError(fmt.Errorf("export: the GraphQL handler panicked: %v", p))
				return
			}
			pw.Close()
		}()
		h.graphql.ServeHTTP(w, req)
	}()
	in := &inner{body: bufio.NewReaderSize(pr, 64<<10), sink: s, stop: func() {
		pr.CloseWithError(errStopped)
		<-done
	}}
	// The status and headers are set before the first byte is written, and the pipe orders
	// that write before this read.
	if _, err := in.body.Peek(1); err != nil && !errors.Is(err, io.EOF) {
		in.stop()
		return nil, fmt.Errorf("read the GraphQL answer: %w", err)
	}
	in.status, in.header = w.status, w.header
	if in.status == 0 {
		in.status = http.StatusOK
	}
	return in, nil
}

// rowWriter writes the rows of one export format.
type rowWriter interface {
	header(columns []string) error
	row(columns []string, r *object) error
	flush() error
}

type csvRows struct {
	cw          *csv.Writer
	spreadsheet bool
	rec         []string
}

func newCSVRows(w io.Writer, spreadsheet bool) (*csvRows, error) {
	if spreadsheet {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return nil, err
		}
	}
	return &csvRows{cw: csv.NewWriter(w), spreadsheet: spreadsheet}, nil
}

func (c *csvRows) header(columns []string) error { return c.cw.Write(columns) }

func (c *csvRows) row(columns []string, r *object) error {
	c.rec = c.rec[:0]
	for _, col := range columns {
		s, err := csvText(cell(r, col), c.spreadsheet)
		if err != nil {
			return err
		}
		c.rec = append(c.rec, s)
	}
	return c.cw.Write(c.rec)
}

func (c *csvRows) flush() error {
	c.cw.Flush()
	return c.cw.Error()
}

type ndjsonRows struct {
	w   io.Writer
	buf bytes.Buffer
}

func (n *ndjsonRows) header([]string) error { return nil }

func (n *ndjsonRows) row(columns []string, r *object) error {
	n.buf.Reset()
	flat := &object{keys: columns, vals: make(map[string]any, len(columns))}
	for _, c := range columns {
		flat.vals[c] = cell(r, c)
	}
	if err := encodeOrdered(&n.buf, flat); err != nil {
		return err
	}
	n.buf.WriteByte('\n')
	_, err := n.w.Write(n.buf.Bytes())
	return err
}

func (n *ndjsonRows) flush() error { return nil }

// rowSink takes the exported rows one by one, writing the header (the plan's columns) first.
type rowSink struct {
	out       rowWriter
	columns   []string
	headed    bool
	limit     int
	rows      int
	truncated bool
}

// add writes one row; it returns false once the limit is reached (and a further row seen).
func (s *rowSink) add(r *object) (bool, error) {
	if s.rows == s.limit {
		s.truncated = true
		return false, nil
	}
	// writeRows writes the header before any row when the plan has columns; a selection
	// whose fields are all left out (@skip) has none, and its header comes with its first row.
	if err := s.begin(); err != nil {
		return false, err
	}
	s.rows++
	return true, s.out.row(s.columns, r)
}

// begin writes the header row once.
func (s *rowSink) begin() error {
	if s.headed {
		return nil
	}
	s.headed = true
	return s.out.header(s.columns)
}

// streamRows reads the data value of a GraphQL answer from dec, down the plan's path, and
// gives each row of the exported list to s as it is decoded; nothing else of the answer is
// kept. A null on the way is an empty list. When pageKey is set (a paged export), the
// connection's pageInfo under that response key is read too, and returned.
func streamRows(dec *json.Decoder, p *plan, s *rowSink, pageKey string) (pageInfo, error) {
	var info pageInfo
	for _, seg := range p.path {
		found, err := enterKey(dec, seg)
		if err != nil || !found {
			return info, err
		}
	}
	switch p.unwrap {
	case asObject:
		v, err := decodeValue(dec)
		if err != nil {
			return info, err
		}
		if o, ok := v.(*object); ok {
			_, err = s.add(o)
		}
		return info, err
	case asEdges, asNodes:
		key := "edges"
		if p.unwrap == asNodes {
			key = "nodes"
		}
		if pageKey == "" {
			found, err := enterKey(dec, key)
			if err != nil || !found {
				return info, err
			}
			return info, streamList(dec, s, p.unwrap == asEdges)
		}
		return streamConnection(dec, s, key, pageKey, p.unwrap == asEdges)
	default:
		return info, streamList(dec, s, false)
	}
}

// streamConnection reads a connection object (or null) from dec: its list under key as rows,
// its pageInfo under pageKey, and skips the rest.
func streamConnection(dec *json.Decoder, s *rowSink, key, pageKey string, edges bool) (pageInfo, error) {
	var info pageInfo
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return info, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return info, fmt.Errorf("export: %q: want an object, got %v", key, tok)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return info, err
		}
		switch kt {
		case key:
			if err := streamList(dec, s, edges); err != nil || s.truncated {
				return info, err
			}
		case pageKey:
			if err := dec.Decode(&info); err != nil {
				return info, fmt.Errorf("export: read the page's pageInfo: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return info, err
			}
		}
	}
	return info, nil
}

// enterKey reads an object from dec up to the value of key, skipping the values before it;
// found is false when the value is null or the object has no such key.
func enterKey(dec *json.Decoder, key string) (found bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	if tok == nil {
		return false, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return false, fmt.Errorf("export: %q: want an object, got %v", key, tok)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return false, err
		}
		if kt == key {
			return true, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false, err
		}
	}
	return false, nil
}

// streamList reads a list (or null) from dec and adds its elements as rows: objects as they
// are, edges by their node, scalars as a "value" column; nulls are skipped.
func streamList(dec *json.Decoder, s *rowSink, edges bool) error {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New("the exported field is a single value, not a list or an object")
	}
	for dec.More() {
		v, err := decodeValue(dec)
		if err != nil {
			return err
		}
		if edges {
			e, ok := v.(*object)
			if !ok {
				continue
			}
			v = e.vals["node"]
		}
		var row *object
		switch t := v.(type) {
		case nil:
			continue
		case *object:
			row = t
		default:
			row = &object{keys: []string{"value"}, vals: map[string]any{"value": t}}
		}
		more, err := s.add(row)
		if err != nil || !more {
			return err
		}
	}
	_, err = dec.Token() // the list's end, so that a connection's pageInfo can follow
	return err
}

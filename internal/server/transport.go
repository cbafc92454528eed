package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"civiclink/internal/apierr"
	"civiclink/internal/gqlhttp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

const (
	mediaJSON         = gqlhttp.MediaJSON
	mediaGraphQLResp  = gqlhttp.MediaGraphQLResponse
	contentTypeSuffix = "; charset=utf-8"
)

// httpTransport serves GET and POST exactly as the GraphQL-over-HTTP specification
// (https://graphql.github.io/graphql-over-http/draft/) says: POST bodies must be
// application/json; GET carries the parameters in the query string and may only run
// queries; the response is application/graphql-response+json or application/json as the
// Accept header asks (application/json when it is absent); with the former, requests that
// fail before execution (malformed, unparsable, invalid, bad variables, over a limit) get
// 400 and no data entry; with the latter they get 200, as legacy clients expect.
type httpTransport struct {
	maxBodyBytes int64
}

var _ graphql.Transport = httpTransport{}

// Supports implements graphql.Transport: every request that is not a WebSocket upgrade;
// earlier transports (WebSocket, SSE, OPTIONS) take theirs first, and this one answers the
// rest, with 405 for methods other than GET and POST.
func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == ""
}

// Do implements graphql.Transport.
func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	info := infoFrom(ctx)
	media, ok := gqlhttp.Negotiate(r.Header.Get("Accept"))
	if !ok {
		info.setOutcome(outcomeBadRequest)
		writeRequestError(w, mediaJSON, http.StatusNotAcceptable,
			"none of the media types in Accept can be served; use application/graphql-response+json or application/json")
		return
	}
	var (
		params *graphql.RawParams
		status int
		err    error
	)
	switch r.Method {
	case http.MethodPost:
		params, status, err = t.readPost(w, r)
	case http.MethodGet:
		params, err = gqlhttp.DecodeQueryString(r.URL.RawQuery)
		status = http.StatusBadRequest
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		info.setOutcome(outcomeBadRequest)
		writeRequestError(w, media, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed; use GET or POST")
		return
	}
	if err != nil {
		info.setOutcome(outcomeBadRequest)
		writeRequestError(w, media, status, err.Error())
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.GetStartTime(ctx), End: graphql.Now()}
	info.setOperation(params.OperationName)

	rc, opErrs := exec.CreateOperationContext(ctx, params)
	switch {
	case rc == nil:
	case rc.Operation != nil:
		info.setOperation(rc.Operation.Name)
	case params.OperationName == "" && params.Query != "":
		// A document that failed validation still names its operation in logs and metrics.
		if doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, 15000); err == nil && len(doc.Operations) == 1 {
			info.setOperation(doc.Operations[0].Name)
		}
	}
	if opErrs == nil && rc.Operation != nil {
		switch {
		case r.Method == http.MethodGet && rc.Operation.Operation != ast.Query:
			w.Header().Set("Allow", "POST")
			info.setOutcome(outcomeBadRequest)
			writeRequestError(w, media, http.StatusMethodNotAllowed, string(rc.Operation.Operation)+" operations must be sent with POST")
			return
		case rc.Operation.Operation == ast.Subscription:
			opErrs = gqlerror.List{{
				Message:    "subscriptions are served over WebSocket (graphql-transport-ws) or server-sent events (Accept: text/event-stream)",
				Extensions: map[string]any{"code": apierr.BadRequest},
			}}
		}
	}
	if opErrs != nil {
		info.setOutcome(outcomeFor(opErrs))
		status := http.StatusOK
		if media == mediaGraphQLResp {
			status = http.StatusBadRequest
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErrs)
		writeResponse(w, media, status, resp)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// gqlgen produces no response once the context has ended: the request deadline
		// passed before execution, or the client went away.
		info.setOutcome(outcomeTimeout)
		writeCodedError(w, media, http.StatusOK, &gqlerror.Error{
			Message: "the request took too long", Extensions: map[string]any{"code": apierr.Timeout},
		})
		return
	}
	if len(resp.Errors) > 0 {
		info.setOutcome(outcomeFor(resp.Errors))
	} else {
		info.setOutcome(outcomeOK)
	}
	writeResponse(w, media, http.StatusOK, resp)
}

// readPost checks the content type and decodes the body; the status says what to answer
// when it fails.
func (t httpTransport) readPost(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, int, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, http.StatusUnsupportedMediaType, errors.New("a POST needs Content-Type: application/json")
	}
	mediaType, mparams, err := mime.ParseMediaType(ct)
	if err != nil || mediaType != mediaJSON {
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("unsupported Content-Type %q; use application/json", ct)
	}
	if cs, ok := mparams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("unsupported charset %q; use utf-8", cs)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the request body is larger than the limit of %d bytes", tooLarge.Limit)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("read the request body: %w", err)
	}
	params, err := gqlhttp.DecodeBody(body)
	return params, http.StatusBadRequest, err
}

func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	w.Header().Set("Content-Type", media+contentTypeSuffix)
	w.WriteHeader(status)
	b, err := encodeResponse(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	_, _ = w.Write(b)
}

// encodeResponse writes what json.Marshal writes for response, without re-reading data
// through encoding/json's scanner (for a 400 KB answer, a few milliseconds of CPU): the
// data gqlgen produced is compact JSON already, so all that Marshal changes in it is the
// HTML escaping of <, >, & and U+2028/U+2029, which appendHTMLEscaped does alone.
func encodeResponse(resp *graphql.Response) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(resp.Data) + 256)
	buf.WriteByte('{')
	if len(resp.Errors) > 0 {
		e, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, err
		}
		buf.WriteString(`"errors":`)
		buf.Write(e)
	}
	if len(resp.Data) > 0 {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"data":`)
		buf.Write(appendHTMLEscaped(buf.AvailableBuffer(), resp.Data))
	}
	if len(resp.Extensions) > 0 {
		x, err := json.Marshal(resp.Extensions)
		if err != nil {
			return nil, err
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"extensions":`)
		buf.Write(x)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// writeRequestError answers a request that is not a well-formed GraphQL request.
func writeRequestError(w http.ResponseWriter, media string, status int, msg string) {
	writeCodedError(w, media, status, &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": apierr.BadRequest}})
}

func writeCodedError(w http.ResponseWriter, media string, status int, e *gqlerror.Error) {
	writeResponse(w, media, status, &graphql.Response{Errors: gqlerror.List{e}})
}

// outcomeFor classifies the errors of a response for metrics and logs.
func outcomeFor(list gqlerror.List) string {
	for _, e := range list {
		switch code, _ := e.Extensions["code"].(string); code {
		case apierr.QueryTooComplex:
			return outcomeTooComplex
		case apierr.RateLimited:
			return outcomeRateLimited
		case apierr.PersistedQueryNotFound, apierr.PersistedQueryNotAllowed:
			return outcomePersisted
		case apierr.Unavailable:
			return outcomeUnavailable
		case apierr.Timeout:
			return outcomeTimeout
		case apierr.Internal:
			return outcomeInternal
		}
	}
	return outcomeError
}

// requestContextKey carries the requestInfo of a /graphql request.
type requestContextKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if i, ok := ctx.Value(requestContextKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{}
}

// appendHTMLEscaped appends src to dst as json.HTMLEscape writes it (<, >, & as \u003c,
// \u003e, \u0026, and U+2028, U+2029 as \u2028, \u2029), finding each byte to escape with
// bytes.IndexByte rather than looking at every byte in turn: an answer rarely holds one,
// and json.HTMLEscape's loop was about a millisecond of CPU for a 400 KB answer.
func appendHTMLEscaped(dst, src []byte) []byte {
	const specials = "<>&\xe2"
	var next [len(specials)]int // the next index of each special byte at or after i; -1: none
	for k := range specials {
		next[k] = indexFrom(src, specials[k], 0)
	}
	i := 0
	for {
		at, k := -1, 0
		for j, n := range next {
			if n >= 0 && (at < 0 || n < at) {
				at, k = n, j
			}
		}
		if at < 0 {
			return append(dst, src[i:]...)
		}
		dst = append(dst, src[i:at]...)
		c := src[at]
		switch {
		case c != 0xe2:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i = at + 1
		case at+2 < len(src) && src[at+1] == 0x80 && src[at+2]&^1 == 0xa8:
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[at+2]&0xf])
			i = at + 3
		default:
			dst = append(dst, c)
			i = at + 1
		}
		next[k] = indexFrom(src, specials[k], at+1)
		for j, n := range next {
			if n >= 0 && n < i {
				next[j] = indexFrom(src, specials[j], i)
			}
		}
	}
}

const hexDigits = "0123456789abcdef"

// indexFrom is the index of the first c in s at or after from, or -1.
func indexFrom(s []byte, c byte, from int) int {
	if from >= len(s) {
		return -1
	}
	if n := bytes.IndexByte(s[from:], c); n >= 0 {
		return from + n
	}
	return -1
}

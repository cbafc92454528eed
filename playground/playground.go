package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed assets examples
var files embed.FS

// AssetsPrefix is the URL path under which [Handler] serves the page's
// assets. The page refers to them by absolute path, so the handler must be
// mounted at the server's root.
const AssetsPrefix = "/playground/assets/"

const (
	pageCacheControl  = "no-cache"
	assetCacheControl = "public, max-age=86400"
	variablesSuffix   = ".variables.json"
	querySuffix       = ".graphql"
)

// Example is a saved query shown in the playground.
type Example struct {
	Name      string `json:"name"`
	Query     string `json:"query"`
	Variables string `json:"variables"` // JSON or ""
}

// Examples returns the built-in examples loaded from the embedded examples
// folder (*.graphql files; an optional sibling NAME.variables.json gives
// default variables). Sorted by name.
//
// It fails if a variables file is not valid JSON or has no query beside it.
func Examples() ([]Example, error) {
	return loadExamples(files, "examples")
}

func loadExamples(fsys fs.FS, dir string) ([]Example, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("playground: reading examples: %w", err)
	}
	queries := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), querySuffix) {
			queries[strings.TrimSuffix(e.Name(), querySuffix)] = true
		}
	}
	var out []Example
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		if base, ok := strings.CutSuffix(name, variablesSuffix); ok {
			if !queries[base] {
				return nil, fmt.Errorf("playground: %s/%s has no %s%s beside it", dir, name, base, querySuffix)
			}
			continue
		}
		base, ok := strings.CutSuffix(name, querySuffix)
		if !ok {
			continue
		}
		q, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("playground: reading example %s: %w", name, err)
		}
		ex := Example{Name: base, Query: string(q)}
		v, err := fs.ReadFile(fsys, path.Join(dir, base+variablesSuffix))
		switch {
		case err == nil:
			v = bytes.TrimSpace(v)
			if !json.Valid(v) {
				return nil, fmt.Errorf("playground: %s/%s%s is not valid JSON", dir, base, variablesSuffix)
			}
			ex.Variables = string(v)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("playground: reading variables of example %s: %w", base, err)
		}
		out = append(out, ex)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// asset is one embedded file ready to serve.
type asset struct {
	data        []byte
	contentType string
	etag        string
}

// contentTypes maps the extensions found under assets/ to their media type.
// A fixed table keeps the answer independent of the host's MIME database.
var contentTypes = map[string]string{
	".js":      "text/javascript; charset=utf-8",
	".css":     "text/css; charset=utf-8",
	".json":    "application/json",
	".txt":     "text/plain; charset=utf-8",
	".md":      "text/plain; charset=utf-8",
	".LICENSE": "text/plain; charset=utf-8",
}

func contentTypeFor(name string) string {
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		return ct
	}
	return "application/octet-stream"
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// loadAssets reads every embedded file under assets/ keyed by its path
// relative to that folder (e.g. "graphiql.min.js", "LICENSES/react.LICENSE").
func loadAssets() map[string]asset {
	m := map[string]asset{}
	err := fs.WalkDir(files, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "assets/")
		m[rel] = asset{data: b, contentType: contentTypeFor(rel), etag: etagOf(b)}
		return nil
	})
	if err != nil {
		// The files are compiled in; failing to read them is a build defect.
		panic("playground: reading embedded assets: " + err.Error())
	}
	return m
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CivicLink playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.Prefix}}graphiql.min.css">
<link rel="stylesheet" href="{{.Prefix}}graphiql-plugin-explorer.css">
<link rel="stylesheet" href="{{.Prefix}}playground.css">
<link rel="stylesheet" href="{{.Prefix}}chart.css">
</head>
<body>
<div id="graphiql"><p class="civiclink-loading">Loading the CivicLink playground…</p></div>
<noscript><p class="civiclink-loading">The CivicLink playground needs JavaScript.</p></noscript>
<script type="application/json" id="civiclink-config">{{.Config}}</script>
<script type="application/json" id="civiclink-examples">{{.Examples}}</script>
<script src="{{.Prefix}}react.production.min.js"></script>
<script src="{{.Prefix}}react-dom.production.min.js"></script>
<script src="{{.Prefix}}graphiql.min.js"></script>
<script src="{{.Prefix}}graphiql-plugin-explorer.umd.js"></script>
<script src="{{.Prefix}}chart.js"></script>
<script src="{{.Prefix}}boot.js"></script>
</body>
</html>
`))

// pageConfig is what boot.js reads from the civiclink-config block.
type pageConfig struct {
	Endpoint string `json:"endpoint"`
}

// jsonForScript serialises v for a <script type="application/json"> block.
// encoding/json escapes <, > and & (and U+2028/U+2029), so the result cannot
// contain "</script" or "<!--" and cannot end the block early; template.JS
// tells html/template to insert it as is instead of quoting it again.
func jsonForScript(v any) (template.JS, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if bytes.ContainsAny(b, "<>&") { // cannot happen with json.Marshal's HTML escaping
		return "", fmt.Errorf("playground: unescaped markup in JSON")
	}
	return template.JS(b), nil
}

func renderPage(endpoint string, examples []Example) ([]byte, error) {
	if examples == nil {
		examples = []Example{}
	}
	cfg, err := jsonForScript(pageConfig{Endpoint: endpoint})
	if err != nil {
		return nil, err
	}
	ex, err := jsonForScript(examples)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = pageTemplate.Execute(&buf, struct {
		Prefix   string
		Config   template.JS
		Examples template.JS
	}{AssetsPrefix, cfg, ex})
	return buf.Bytes(), err
}

// validEndpoint reports whether endpoint is a same-origin absolute path: it
// starts with one "/" (not "//", which would be another host) and holds no
// backslash, control character or space.
func validEndpoint(endpoint string) bool {
	if !strings.HasPrefix(endpoint, "/") || strings.HasPrefix(endpoint, "//") {
		return false
	}
	for _, r := range endpoint {
		if r <= ' ' || r == '\\' || r == 0x7f {
			return false
		}
	}
	return true
}

// Handler serves the playground page at "/" and its assets under
// "/playground/assets/"; endpoint is the GraphQL URL path (e.g. "/graphql").
//
// The page posts queries as JSON to the page's origin + endpoint and uses
// ws:// or wss:// on the same host + endpoint for subscriptions
// (graphql-transport-ws). Every other path gets 404, and every method but
// GET and HEAD gets 405. Handler panics if endpoint is not a path starting
// with a single "/".
func Handler(endpoint string, examples []Example) http.Handler {
	if !validEndpoint(endpoint) {
		panic(fmt.Sprintf("playground: endpoint %q must be a URL path starting with a single \"/\"", endpoint))
	}
	page, err := renderPage(endpoint, examples)
	if err != nil {
		panic("playground: rendering page: " + err.Error())
	}
	return &handler{
		page:     page,
		pageETag: etagOf(page),
		assets:   loadAssets(),
	}
}

type handler struct {
	page     []byte
	pageETag string
	assets   map[string]asset
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var (
		body        []byte
		etag, ctype string
		isPage      bool
	)
	switch p := r.URL.Path; {
	case p == "/":
		body, etag, ctype, isPage = h.page, h.pageETag, "text/html; charset=utf-8", true
	case strings.HasPrefix(p, AssetsPrefix):
		a, ok := h.assets[strings.TrimPrefix(p, AssetsPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, etag, ctype = a.data, a.etag, a.contentType
	default:
		http.NotFound(w, r)
		return
	}

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}

	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("ETag", etag)
	hd.Set("X-Content-Type-Options", "nosniff")
	if isPage {
		hd.Set("Cache-Control", pageCacheControl)
		hd.Set("Content-Security-Policy", contentSecurityPolicy(r.Host))
		hd.Set("Referrer-Policy", "no-referrer")
	} else {
		hd.Set("Cache-Control", assetCacheControl)
	}
	// ServeContent answers HEAD, If-None-Match (304) and Range requests.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// contentSecurityPolicy is the policy for the page. Scripts and style sheets
// come only from this origin; the page has no inline script (boot.js reads
// its data from JSON blocks, which are not executed). GraphiQL sets inline
// styles and injects <style> elements at run time, so style-src also allows
// 'unsafe-inline'; its style sheet embeds its fonts and a few images as data:
// URLs. GraphiQL needs no eval. connect-src names ws:// and wss:// on the
// request's host explicitly because not every browser counts them as 'self'.
func contentSecurityPolicy(host string) string {
	connect := "'self'"
	if validHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'self'",
	}, "; ")
}

// validHost accepts host[:port] made of the characters a host name, an IPv4
// or a bracketed IPv6 address can hold, so a forged Host header cannot add
// sources or directives to the policy.
func validHost(host string) bool {
	if host == "" || len(host) > 255 {
		return false
	}
	for _, r := range host {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '.', r == '-', r == ':', r == '[', r == ']', r == '_':
		default:
			return false
		}
	}
	return true
}

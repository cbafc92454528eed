package playground_test

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/internal/auth"
	"civiclink/internal/browsertest"
	"civiclink/internal/hubtest"
	"civiclink/internal/server"

	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// TestPlaygroundInChromium opens the playground of a hub in the embedded default's setup
// (anonymous introspection on) in a real headless Chromium: the docs pane shows the schema
// before any token is entered, and after one entry in the "Headers for every tab" bar an
// example on the second tab runs with it (no per-tab headers), as does its own variables.
func TestPlaygroundInChromium(t *testing.T) {
	base := hubtest.New(t, hubtest.Options{SeedScale: 1})
	authn, err := auth.New(t.Context(), auth.Options{HMACSecret: hubtest.Secret, DB: base.Pool})
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Options{Pool: base.Pool, Keys: base.Keys, Auth: authn, Events: base.Events,
		Introspection: true, AnonymousIntrospection: true})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	b := browsertest.New(t)
	b.Do(t, "open the playground", chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`.graphiql-container`)))

	// The docs pane loads from an anonymous introspection.
	b.Do(t, "open the docs pane", chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`)), chromedp.WaitVisible(chromedp.CSS(`.graphiql-doc-explorer`)))
	waitText(t, b, ".graphiql-doc-explorer", "Query", "the docs pane to show the root types")

	// One header entry for every tab.
	b.Do(t, "enter the token once", chromedp.SendKeys(chromedp.CSS(`#civiclink-credential`), base.Token+"\r"))
	waitText(t, b, "#civiclink-headers-state", "Authorization", "the bar to say every tab sends the token")

	// The second tab runs its example with its own variables.
	tabs := browsertest.Value(t, b, "count the tabs", chromedp.Evaluate[int](`document.querySelectorAll('.graphiql-tab').length`))
	if tabs < 2 {
		t.Fatalf("expected a tab per example, got %d tabs", tabs)
	}
	b.Do(t, "open the second tab", chromedp.Click(chromedp.CSS(`.graphiql-tab:nth-of-type(2) .graphiql-tab-button`)))
	// Run only once the editor shows the second tab's query: GraphiQL switches the editor
	// after the click, and a run before that sends the first tab's operation name.
	second := browsertest.Value(t, b, "read the second tab's title", chromedp.Evaluate[string](`document.querySelectorAll('.graphiql-tab')[1].innerText.trim()`))
	waitText(t, b, ".graphiql-query-editor", second, "the editor to show the second tab's query")
	// Run at once: GraphiQL refreshes the editor's operation name 100 ms after the switch
	// (debounced), and a run before that named the first tab's operation ("operation
	// GridRisk not found"); the playground's fetcher sends the name the query defines.
	b.Do(t, "run it", chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)))
	result := waitText(t, b, ".result-window", `"`, "the second tab's example to answer")
	if strings.Contains(result, "not found") {
		t.Fatalf("a run right after the tab switch: expected the second tab's operation, got %.600s", result)
	}
	result = waitText(t, b, ".result-window", `"data"`, "the second tab's example to answer")
	if strings.Contains(result, `"errors"`) || strings.Contains(result, "UNAUTHENTICATED") {
		t.Errorf("expected the second tab's example to run without errors, got %.600s", result)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("expected no console errors, got %q", p)
	}
}

// waitText waits up to 30 s for the text of the element at sel to contain want, and returns it.
func waitText(t *testing.T, b *browsertest.Browser, sel, want, what string) string {
	t.Helper()
	var text string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		text = browsertest.Value(t, b, "read "+sel, chromedp.Evaluate[string](`(document.querySelector(`+"`"+sel+"`"+`) || {}).innerText || ""`))
		if strings.Contains(text, want) {
			return text
		}
	}
	t.Fatalf("expected %s (%q in %s), got %.600q (page problems: %q)", what, want, sel, text, b.Problems())
	return ""
}

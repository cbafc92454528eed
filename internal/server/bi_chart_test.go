package server_test

import (
	"encoding/base64"
	"encoding/json"
	"image/color"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/browsertest"
	"civiclink/internal/hubtest"

	"github.com/chromedp/chromedp"
)

// TestPlaygroundChartsStatsAnswer runs a saved BI example in the real playground, in a
// headless Chromium, as an analyst: the chart view draws one bar per shown cell of the
// answer (the suppressed cell is a gap), as a line too, and downloads the cells as CSV with
// a byte-order mark and the chart as a PNG, all from the binary (no other origin).
func TestPlaygroundChartsStatsAnswer(t *testing.T) {
	t.Parallel()
	analyst := hubtest.New(t, hubtest.Options{}).As(t, auth.Analyst, auth.ScopeClaims{})
	query, _ := savedExample(t, "stats-difficult-disputes-by-mediator-kind")
	cells := groups(t, analyst.Query(t, query, nil), "disputeStats")
	shown, suppressed := 0, 0
	for _, c := range cells {
		if fnum(c, "count") != nil {
			shown++
		} else {
			suppressed++
		}
	}
	if shown < 2 || suppressed != 1 {
		t.Fatalf("the example's answer has %d shown and %d suppressed cells, want several and one: %v", shown, suppressed, cells)
	}

	b := browsertest.New(t)
	b.Headers(t, map[string]string{"Authorization": "Bearer " + analyst.Token})
	q, err := json.Marshal(query)
	if err != nil {
		t.Fatal(err)
	}
	b.Do(t, "run the example in the playground",
		chromedp.Navigate(analyst.Server.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
		browsertest.Wait(`!!document.querySelector('.graphiql-query-editor .CodeMirror')`),
	)
	browsertest.Value(t, b, "type the query", chromedp.Evaluate[bool](
		`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(`+string(q)+`), true`))
	// GraphiQL names the tab after the operation once it has parsed the new text; running
	// before that would send the previous tab's operation name.
	b.Do(t, "run it",
		browsertest.Wait(`(document.querySelector('.graphiql-tab-active') || {textContent: ''}).textContent.includes('DifficultDisputesByMediatorKind')`),
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	b.Do(t, "open the chart",
		browsertest.Wait(`Number((document.getElementById('civiclink-chart-canvas') || {dataset: {}}).dataset.bars) > 0`),
		chromedp.Click(chromedp.ID("civiclink-chart-toggle")),
		chromedp.WaitVisible(chromedp.ID("civiclink-chart-canvas")),
	)
	type drawn struct{ Bars, Points, Gaps, Baseline string }
	read := func() drawn {
		return browsertest.Value(t, b, "read what the chart drew", chromedp.Evaluate[drawn](
			`(({bars, points, gaps, baseline}) => ({Bars: bars, Points: points, Gaps: gaps, Baseline: baseline}))(document.getElementById('civiclink-chart-canvas').dataset)`))
	}
	d := read()
	img := browsertest.DecodePNG(t, browsertest.Value(t, b, "screenshot the chart", chromedp.Screenshot(chromedp.ID("civiclink-chart-canvas"))))
	var baseline int
	if err := json.Unmarshal([]byte(d.Baseline), &baseline); err != nil || baseline <= 0 {
		t.Fatalf("chart baseline %q: %v", d.Baseline, err)
	}
	blue := browsertest.Near(color.RGBA{0x1f, 0x77, 0xb4, 0xff}, 8)
	if bars := browsertest.Runs(browsertest.Row(img, baseline-1), blue); bars != shown || d.Bars != itoa(shown) || d.Gaps != itoa(suppressed) {
		t.Errorf("the screenshot shows %d bars above the axis (the chart says %s bars, %s gaps), want %d bars and %d gap", bars, d.Bars, d.Gaps, shown, suppressed)
	}
	if n := browsertest.NonBlank(img); n < 2000 {
		t.Errorf("%s of the chart has %d drawn pixels, want a drawn chart", browsertest.String(img), n)
	}

	browsertest.Value(t, b, "switch to a line", chromedp.Evaluate[bool](`CivicLinkChart.setType('line'), true`))
	if d := read(); d.Points != itoa(shown) {
		t.Errorf("the line chart drew %s points, want %d", d.Points, shown)
	}
	line := browsertest.DecodePNG(t, browsertest.Value(t, b, "screenshot the line", chromedp.Screenshot(chromedp.ID("civiclink-chart-canvas"))))
	if n := browsertest.CountPixels(line, func(r, g, b, a uint8) bool { return blue(color.RGBA{r, g, b, a}) }); n < 20 {
		t.Errorf("the line chart has %d pixels of the series' colour, want a drawn line", n)
	}

	csv := browsertest.Value(t, b, "export CSV", chromedp.Evaluate[string](`CivicLinkChart.csv()`))
	lines := strings.Split(strings.TrimSuffix(csv, "\r\n"), "\r\n")
	if !strings.HasPrefix(csv, "\uFEFFmediatorKind,suppressed,count,") || len(lines) != len(cells)+1 {
		t.Errorf("CSV download %q: want a byte-order mark, the selection's columns and one line per cell (%d)", csv, len(cells))
	}
	dataURL := browsertest.Value(t, b, "export PNG", chromedp.Evaluate[string](`CivicLinkChart.png()`))
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(dataURL, "data:image/png;base64,"))
	if err != nil {
		t.Fatalf("PNG download is not a base64 data URL: %.60s", dataURL)
	}
	if n := browsertest.NonBlank(browsertest.DecodePNG(t, raw)); n < 20 {
		t.Errorf("PNG download has %d drawn pixels, want the chart", n)
	}

	foreign := browsertest.Value(t, b, "list scripts and styles from elsewhere", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href).filter(u => !u.startsWith(location.origin) && !u.startsWith('data:'))`))
	if len(foreign) > 0 {
		t.Errorf("the playground loads %q from another origin, want everything from the binary", foreign)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %q", p)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

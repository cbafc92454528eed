package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshotCountsDrawnPixels loads a page that draws a 100x50 red box on white in a real
// headless Chromium and checks the screenshot helpers see exactly that box, and that a console
// error is reported.
func TestScreenshotCountsDrawnPixels(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!DOCTYPE html><html><body style="margin:0;background:#fff">
<div id="area" style="width:300px;height:200px;position:relative">
<div style="position:absolute;left:10px;top:10px;width:100px;height:50px;background:#f00"></div></div>
<script>console.error("expected problem")</script></body></html>`))
	}))
	defer srv.Close()
	b := New(t)
	b.Do(t, "open the page", chromedp.Navigate(srv.URL))
	img := DecodePNG(t, Value(t, b, "screenshot the area", chromedp.Screenshot(chromedp.ID("area"))))
	red := CountPixels(img, func(r, g, b, a uint8) bool { return r > 200 && g < 50 && b < 50 })
	if red != 100*50 || NonBlank(img) != red {
		t.Errorf("%s: %d red and %d drawn pixels, want 5000 of each (the red box)", String(img), red, NonBlank(img))
	}
	title := Value(t, b, "set the title", chromedp.Evaluate[string](`document.title = "ok"`))
	// The console event travels apart from the answers; give it up to five seconds.
	for end := time.Now().Add(5 * time.Second); len(b.Problems()) == 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if p := b.Problems(); len(p) != 1 || title != "ok" {
		t.Errorf("problems %q and title %q, want the one console error and ok", p, title)
	}
}

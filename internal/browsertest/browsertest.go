// Package browsertest runs a real headless Chromium for tests: it finds Debian's chromium
// (installing the package with apt-get when it is missing and the test runs as root), starts
// it with a fresh profile and without background network traffic, and drives it with
// chromedp. It also reads screenshots, for checks such as "the chart area has drawn pixels".
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Timeout bounds everything one Browser does, so a hung page fails the test instead of the
// whole run.
const Timeout = 2 * time.Minute

// binaries are the names Debian's chromium package installs, in order of preference.
var binaries = []string{"chromium", "chromium-browser"}

var installMu sync.Mutex

// Path returns the Chromium binary, installing Debian's chromium package first when none is
// on PATH (only as root; otherwise the test fails saying what to install). Concurrent test
// processes install it once: they take a lock file in the temporary directory.
func Path(t testing.TB) string {
	t.Helper()
	if p, ok := lookPath(); ok {
		return p
	}
	installMu.Lock()
	defer installMu.Unlock()
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "civiclink-browsertest.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("browsertest: lock file: %v", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("browsertest: lock: %v", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if p, ok := lookPath(); ok {
		return p
	}
	if os.Geteuid() != 0 {
		t.Fatal("browsertest: no chromium on PATH; install Debian's chromium package (apt-get install chromium)")
	}
	for _, args := range [][]string{{"update", "-qq"}, {"install", "-y", "-qq", "--no-install-recommends", "chromium"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("browsertest: apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	p, ok := lookPath()
	if !ok {
		t.Fatal("browsertest: apt-get installed chromium, but no chromium binary is on PATH")
	}
	return p
}

func lookPath() (string, bool) {
	for _, name := range binaries {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// Browser is one headless Chromium with one tab, stopped when the test ends.
type Browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

// New starts a headless Chromium for t, with a fresh profile in t's temporary directory and
// the flags --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
// --disable-background-networking --disable-component-update --disable-sync, in a 1280x900
// window. Console errors and uncaught exceptions of its pages are kept (Problems).
func New(t testing.TB) *Browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// The browser lives as long as this context: the test's deadline stops it.
	ctx, cancel := context.WithTimeout(alloc, Timeout)
	tab, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(func() {
		cancelTab()
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("browsertest: start chromium: %v", err)
	}
	b := &Browser{ctx: tab}
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.problem(m.String())
			}
		}
	}()
	return b
}

func (b *Browser) problem(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, s)
}

// Do runs chromedp steps in the tab and fails t, naming what, when one fails.
func (b *Browser) Do(t testing.TB, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v (page problems so far: %q)", what, err, b.Problems())
	}
}

// Value runs one chromedp action with a result in b's tab (chromedp.Evaluate,
// chromedp.Screenshot …) and fails t, naming what, when it fails.
func Value[T any](t testing.TB, b *Browser, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		t.Fatalf("browser: %s: %v (page problems so far: %q)", what, err, b.Problems())
	}
	return v
}

// Problems returns the console errors and uncaught exceptions seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// DecodePNG decodes a screenshot.
func DecodePNG(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("browsertest: screenshot is not a PNG: %v", err)
	}
	return img
}

// CountPixels counts the pixels of img for which keep holds (8-bit channels, alpha
// premultiplied as image/color returns them, scaled down).
func CountPixels(img image.Image, keep func(r, g, b, a uint8) bool) int {
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			if keep(uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)) {
				n++
			}
		}
	}
	return n
}

// NonBlank counts the pixels of img that are neither transparent nor near white: what a
// page drew on a white background.
func NonBlank(img image.Image) int {
	return CountPixels(img, func(r, g, b, a uint8) bool { return a > 0 && (r < 240 || g < 240 || b < 240) })
}

// String describes an image's size, for failure messages.
func String(img image.Image) string {
	return fmt.Sprintf("%dx%d image", img.Bounds().Dx(), img.Bounds().Dy())
}

// Headers makes the tab send these HTTP headers with every request from now on
// (Network.setExtraHTTPHeaders), e.g. the bearer token of a page that calls the API.
func (b *Browser) Headers(t testing.TB, headers map[string]string) {
	t.Helper()
	h := network.Headers{}
	for k, v := range headers {
		h[k] = v
	}
	b.Do(t, "set extra headers", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h})
		return chromedp.Void{}, err
	})
}

// Row returns the colours of row y of img, left to right, for counting runs such as bars.
func Row(img image.Image, y int) []color.RGBA {
	bounds := img.Bounds()
	out := make([]color.RGBA, 0, bounds.Dx())
	for x := bounds.Min.X; x < bounds.Max.X; x++ {
		r, g, b, a := img.At(x, bounds.Min.Y+y).RGBA()
		out = append(out, color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)})
	}
	return out
}

// Runs counts the runs of consecutive pixels for which keep holds.
func Runs(row []color.RGBA, keep func(color.RGBA) bool) int {
	n := 0
	in := false
	for _, c := range row {
		k := keep(c)
		if k && !in {
			n++
		}
		in = k
	}
	return n
}

// Near returns a test for colours within tolerance of want on every channel.
func Near(want color.RGBA, tolerance int) func(color.RGBA) bool {
	near := func(a, b uint8) bool { d := int(a) - int(b); return d <= tolerance && d >= -tolerance }
	return func(c color.RGBA) bool { return near(c.R, want.R) && near(c.G, want.G) && near(c.B, want.B) }
}

// Wait is an action that evaluates expression in the page every 50 ms until it is true
// (chromedp.Poll, at most a minute), usable among the steps of Do.
func Wait(expression string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](expression, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, tg)
		return chromedp.Void{}, err
	}
}

// Package cdp is a small Chrome DevTools Protocol client for the browser tests: it starts a
// headless Chromium of its own (its own profile directory and process group), opens the
// page target and speaks the protocol's JSON messages over the page's websocket. It keeps
// every JavaScript error the page reports (uncaught exceptions, console.error, error log
// entries) so that a test can require none.
package cdp

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/websocket"
)

// Find returns the Chromium binary: $GOVCHAIN_CHROMIUM, or chromium, chromium-browser,
// google-chrome on the PATH.
func Find() (string, error) {
	if p := os.Getenv("GOVCHAIN_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found (chromium, chromium-browser or google-chrome on the PATH, or GOVCHAIN_CHROMIUM); on Debian: apt-get install -y chromium")
}

// Browser is one headless Chromium and its page.
type Browser struct {
	cmd    *exec.Cmd
	dir    string
	ws     *websocket.Conn
	width  int
	height int

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan message
	errs    []string // JavaScript errors
	netErrs []string // failed resource loads (4xx/5xx answers the page saw)
	stderr  []string // Chromium's last stderr lines
	closed  bool
	readErr error
}

type message struct {
	ID     int64           `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

var listening = regexp.MustCompile(`DevTools listening on (ws://[^\s]+)`)

// Start runs bin headless with a viewport of width × height and connects to its page.
func Start(ctx context.Context, bin string, width, height int) (*Browser, error) {
	dir, err := os.MkdirTemp("", "govchain-chromium-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
		"--disable-background-networking", "--disable-component-update", "--disable-default-apps",
		"--mute-audio", "--hide-scrollbars", "--password-store=basic",
		"--remote-debugging-port=0", "--remote-allow-origins=*",
		"--user-data-dir="+dir, fmt.Sprintf("--window-size=%d,%d", width, height), "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Close ends Chromium's helpers too
	stderr, err := cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	b := &Browser{cmd: cmd, dir: dir, width: width, height: height, pending: map[int64]chan message{}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
			b.mu.Lock()
			b.stderr = append(b.stderr, line)
			if len(b.stderr) > 50 {
				b.stderr = b.stderr[len(b.stderr)-50:]
			}
			b.mu.Unlock()
		}
	}()
	var browserURL string
	select {
	case browserURL = <-found:
	case <-time.After(30 * time.Second):
		b.Close()
		return nil, fmt.Errorf("chromium did not report its DevTools port in 30 s; stderr:\n%s", b.Stderr())
	case <-ctx.Done():
		b.Close()
		return nil, ctx.Err()
	}
	if err := b.connect(ctx, browserURL); err != nil {
		b.Close()
		return nil, err
	}
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable"} {
		if err := b.Call(ctx, m, nil, nil); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// connect finds the page target through /json/list and opens its websocket.
func (b *Browser) connect(ctx context.Context, browserURL string) error {
	host := strings.TrimPrefix(browserURL, "ws://")
	host = host[:strings.Index(host, "/")]
	var pageURL string
	for deadline := time.Now().Add(10 * time.Second); pageURL == "" && time.Now().Before(deadline); {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+host+"/json/list", nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			var targets []struct{ Type, WebSocketDebuggerURL string }
			err = json.NewDecoder(res.Body).Decode(&targets)
			res.Body.Close()
			for _, t := range targets {
				if t.Type == "page" && t.WebSocketDebuggerURL != "" {
					pageURL = t.WebSocketDebuggerURL
					break
				}
			}
		}
		if pageURL == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if pageURL == "" {
		return errors.New("chromium has no page target")
	}
	cfg, err := websocket.NewConfig(pageURL, "http://127.0.0.1/")
	if err != nil {
		return err
	}
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		return fmt.Errorf("devtools websocket: %w", err)
	}
	ws.MaxPayloadBytes = 256 << 20
	b.ws = ws
	go b.read()
	return nil
}

func (b *Browser) read() {
	for {
		var data []byte
		if err := websocket.Message.Receive(b.ws, &data); err != nil {
			b.mu.Lock()
			b.readErr = err
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m message
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.pending[m.ID]
			delete(b.pending, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		b.event(m)
	}
}

// event keeps what the page reports as an error.
func (b *Browser) event(m message) {
	var text string
	network := false
	switch m.Method {
	case "Runtime.exceptionThrown":
		var p struct {
			ExceptionDetails struct {
				Text      string `json:"text"`
				URL       string `json:"url"`
				Line      int    `json:"lineNumber"`
				Exception *struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		_ = json.Unmarshal(m.Params, &p)
		d := p.ExceptionDetails
		text = fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.Line+1, d.Text)
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		_ = json.Unmarshal(m.Params, &p)
		if p.Type != "error" && p.Type != "assert" {
			return
		}
		var parts []string
		for _, a := range p.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, fmt.Sprint(a.Value))
			}
		}
		text = "console." + p.Type + ": " + strings.Join(parts, " ")
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Source, Level, Text, URL string
			} `json:"entry"`
		}
		_ = json.Unmarshal(m.Params, &p)
		if p.Entry.Level != "error" {
			return
		}
		text = "log (" + p.Entry.Source + "): " + p.Entry.Text
		if p.Entry.URL != "" {
			text += " " + p.Entry.URL
		}
		network = p.Entry.Source == "network"
	default:
		return
	}
	b.mu.Lock()
	if network {
		b.netErrs = append(b.netErrs, text)
	} else {
		b.errs = append(b.errs, text)
	}
	b.mu.Unlock()
}

// Call sends one command and decodes its result into out (if not nil).
func (b *Browser) Call(ctx context.Context, method string, params, out any) error {
	if params == nil {
		params = struct{}{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	ch := make(chan message, 1)
	b.mu.Lock()
	if b.readErr != nil {
		err := b.readErr
		b.mu.Unlock()
		return fmt.Errorf("%s: devtools connection lost: %w", method, err)
	}
	b.nextID++
	id := b.nextID
	b.pending[id] = ch
	b.mu.Unlock()
	msg, _ := json.Marshal(message{ID: id, Method: method, Params: raw})
	if err := websocket.Message.Send(b.ws, string(msg)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: devtools connection lost", method)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Evaluate runs a JavaScript expression in the page (awaiting a promise) and decodes its
// value into out (if not nil). A thrown exception is an error.
func (b *Browser) Evaluate(ctx context.Context, expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception *struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := b.Call(ctx, "Runtime.evaluate", map[string]any{
		"expression": expr, "returnByValue": true, "awaitPromise": true,
	}, &r)
	if err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		msg := e.Text
		if e.Exception != nil {
			msg += " " + e.Exception.Description
		}
		return fmt.Errorf("evaluate %q: %s", clip(expr), msg)
	}
	if out != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, out)
	}
	return nil
}

// Navigate opens url and waits for the document to finish loading.
func (b *Browser) Navigate(ctx context.Context, url string) error {
	var r struct {
		ErrorText string `json:"errorText"`
	}
	if err := b.Call(ctx, "Page.navigate", map[string]any{"url": url}, &r); err != nil {
		return err
	}
	if r.ErrorText != "" {
		return fmt.Errorf("navigate %s: %s", url, r.ErrorText)
	}
	return b.WaitFor(ctx, `document.readyState === "complete" && location.href !== "about:blank"`, 30*time.Second)
}

// WaitFor polls a JavaScript condition until it is true, up to timeout.
func (b *Browser) WaitFor(ctx context.Context, cond string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		var ok bool
		if last = b.Evaluate(ctx, "!!("+cond+")", &ok); last == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			if last != nil {
				return fmt.Errorf("waited %s for %s: %w", timeout, clip(cond), last)
			}
			return fmt.Errorf("waited %s for %s: still false", timeout, clip(cond))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Screenshot writes a PNG of the whole page (not only the viewport) to path.
func (b *Browser) Screenshot(ctx context.Context, path string) error {
	var height int
	if err := b.Evaluate(ctx, `Math.ceil(Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0))`, &height); err != nil {
		return err
	}
	height = max(height, b.height)
	if err := b.Call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": b.width, "height": height, "deviceScaleFactor": 1, "mobile": false,
	}, nil); err != nil {
		return err
	}
	defer b.Call(ctx, "Emulation.clearDeviceMetricsOverride", nil, nil)
	var r struct {
		Data string `json:"data"`
	}
	if err := b.Call(ctx, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &r); err != nil {
		return err
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// Errors are the JavaScript errors the page reported so far.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// NetworkErrors are the failed loads (HTTP 4xx/5xx answers) the page reported so far.
func (b *Browser) NetworkErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.netErrs...)
}

// Stderr is the last lines Chromium wrote to its stderr.
func (b *Browser) Stderr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.stderr, "\n")
}

// Close ends Chromium and every process it started, and deletes its profile.
func (b *Browser) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.mu.Unlock()
	if b.ws != nil {
		b.ws.Close()
	}
	if b.cmd != nil && b.cmd.Process != nil {
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		_ = b.cmd.Wait()
	}
	os.RemoveAll(b.dir)
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// browser drives a headless Chromium over the DevTools protocol: the
// pages' tests click and type in a real browser and read back its DOM.
type browser struct {
	t    *testing.T
	cmd  *exec.Cmd
	ws   *websocket.Conn
	next int
}

// newBrowser starts Chromium with a fresh profile and nothing that
// reaches the network. It skips the test when no Chromium is installed.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("no headless browser: install Debian's chromium (apt-get install -y chromium; .ci/run does) to run the page tests")
	}
	profile := t.TempDir()
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir="+profile, "--remote-debugging-port=0", "--remote-allow-origins=*",
		"--window-size=1400,1500", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	b := &browser{t: t, cmd: cmd}
	t.Cleanup(b.close)
	// Chromium writes the port it chose into the profile.
	var port int
	for deadline := time.Now().Add(30 * time.Second); port == 0; {
		if data, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			port, _ = strconv.Atoi(strings.SplitN(string(data), "\n", 2)[0])
		}
		if port == 0 && time.Now().After(deadline) {
			t.Fatal("chromium did not open its DevTools port within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/json/list", port))
	if err != nil {
		t.Fatal(err)
	}
	var targets []struct {
		Type, WebSocketDebuggerURL string
	}
	err = json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if tg.Type == "page" {
			if b.ws, err = websocket.Dial(tg.WebSocketDebuggerURL, "", "http://127.0.0.1/"); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if b.ws == nil {
		t.Fatal("chromium has no page to drive")
	}
	return b
}

func (b *browser) close() {
	if b.ws != nil {
		b.ws.Close()
	}
	// The browser's helpers are in its process group.
	syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	b.cmd.Wait()
}

// call sends one DevTools command and waits for its answer, skipping the
// events that arrive meanwhile.
func (b *browser) call(method string, params any) json.RawMessage {
	b.t.Helper()
	b.next++
	id := b.next
	if err := websocket.JSON.Send(b.ws, map[string]any{"id": id, "method": method, "params": params}); err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	b.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var msg struct {
			ID     int
			Result json.RawMessage
			Error  *struct{ Message string }
		}
		if err := websocket.JSON.Receive(b.ws, &msg); err != nil {
			b.t.Fatalf("%s: %v", method, err)
		}
		if msg.ID != id {
			continue
		}
		if msg.Error != nil {
			b.t.Fatalf("%s: %s", method, msg.Error.Message)
		}
		return msg.Result
	}
}

// open loads a page and waits until it has run its scripts.
func (b *browser) open(url string) {
	b.t.Helper()
	b.call("Page.navigate", map[string]any{"url": url})
	b.waitFor(`document.readyState === "complete"`)
}

// eval runs JavaScript in the page and returns its value as JSON
// decodes it.
func (b *browser) eval(expr string) any {
	b.t.Helper()
	var r struct {
		Result struct {
			Value any
		}
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	raw := b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err := json.Unmarshal(raw, &r); err != nil {
		b.t.Fatal(err)
	}
	if r.ExceptionDetails != nil {
		b.t.Fatalf("%s: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	return r.Result.Value
}

func (b *browser) text(selector string) string {
	b.t.Helper()
	v, _ := b.eval(fmt.Sprintf(`(function(){ var e = document.querySelector(%q); return e ? e.textContent : "<missing>"; })()`, selector)).(string)
	return v
}

// waitFor polls a JavaScript condition for up to ten seconds.
func (b *browser) waitFor(cond string) {
	b.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ok, _ := b.eval("!!(" + cond + ")").(bool); ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waited 10s for %s", cond)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// click presses and releases the mouse on the middle of the first
// element a selector matches, as a user would.
func (b *browser) click(selector string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center"})`, selector))
	pos, ok := b.eval(fmt.Sprintf(`(function(){ var e = document.querySelector(%q); if (!e) return null;
		var r = e.getBoundingClientRect(); return [r.left + r.width/2, r.top + r.height/2]; })()`, selector)).([]any)
	if !ok || len(pos) != 2 {
		b.t.Fatalf("nothing to click: %s", selector)
	}
	for _, typ := range []string{"mousePressed", "mouseReleased"} {
		b.call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": pos[0], "y": pos[1], "button": "left", "clickCount": 1})
	}
}

// key presses and releases a key ("ArrowRight", "ArrowLeft", "Home",
// "End").
func (b *browser) key(name string) {
	b.t.Helper()
	code := map[string]int{"ArrowLeft": 37, "ArrowRight": 39, "Home": 36, "End": 35}[name]
	for _, typ := range []string{"rawKeyDown", "keyUp"} {
		b.call("Input.dispatchKeyEvent", map[string]any{"type": typ, "key": name, "code": name, "windowsVirtualKeyCode": code})
	}
}

// screenshot saves the whole page as PNG.
func (b *browser) screenshot(path string) {
	b.t.Helper()
	var r struct{ Data string }
	if err := json.Unmarshal(b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}), &r); err != nil {
		b.t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// artifactDir is where the page tests keep their screenshots: a
// directory that git ignores, kept after the test for a person to look
// at.
func artifactDir(t *testing.T) string {
	dir := filepath.Join(os.TempDir(), "tcpmc-screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/graphviz/htmlview"
	"github.com/tcpmc/tcpmc/model"
)

func explorerServer(t *testing.T, variant string, set func(*model.Config)) *httptest.Server {
	t.Helper()
	v, ok := model.Builtin(variant)
	if !ok {
		t.Fatalf("no variant %s", variant)
	}
	cfg := v.Config
	set(&cfg)
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(htmlview.NewExplorer(sys))
	t.Cleanup(srv.Close)
	return srv
}

// chooseStep clicks the enabled step whose label contains want, and
// waits for the path to grow by it.
func chooseStep(t *testing.T, b *browser, kind, want string) {
	t.Helper()
	before, _ := strconv.Atoi(b.eval(`document.body.getAttribute("data-path")`).(string))
	i := b.eval(`(function(){ var bs = document.querySelectorAll("#choices button");
		for (var k = 0; k < bs.length; k++) if (bs[k].getAttribute("data-kind") === ` + strconv.Quote(kind) +
		` && bs[k].textContent.indexOf(` + strconv.Quote(want) + `) >= 0) return k;
		return -1; })()`)
	if i == -1.0 {
		t.Fatalf("no enabled %s step %q among:\n%s", kind, want, b.text("#choices"))
	}
	b.click("#choices li:nth-child(" + strconv.Itoa(int(i.(float64))+1) + ") button")
	b.waitFor(`document.body.getAttribute("data-path") === "` + strconv.Itoa(before+1) + `"`)
}

// A user does the three-way handshake by clicking, closes, loses the
// final ACK and watches TIME-WAIT answer the retransmitted FIN.
func TestExplorerInBrowser(t *testing.T) {
	srv := explorerServer(t, "rfc9293", func(c *model.Config) {
		c.Close, c.Data, c.Incarnations, c.Dup, c.Reorder = model.CloseClient, [2]int{0, 0}, 1, 0, 0
	})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.waitFor(`document.body.getAttribute("data-path") === "0"`)
	if got := b.text("#path .tcbs tr:nth-child(2) td:nth-child(3)"); got != "LISTEN" {
		t.Errorf("server starts in %q", got)
	}
	chooseStep(t, b, "user call", "client's application calls OPEN active [closed.open-active]")
	chooseStep(t, b, "deliver", "server receives SYN=1, seq=x [listen.rcv-syn]")
	chooseStep(t, b, "deliver", "client receives SYN=1, ACK=1, seq=y, ack=x+1")
	chooseStep(t, b, "deliver", "server receives ACK=1, seq=x+1, ack=y+1")
	for side, want := range []string{"ESTABLISHED", "ESTABLISHED"} {
		if got := b.text("#path .tcbs tr:nth-child(2) td:nth-child(" + strconv.Itoa(side+2) + ")"); got != want {
			t.Errorf("after the handshake side %d is %q", side, got)
		}
	}
	chooseStep(t, b, "user call", "client's application calls CLOSE")
	chooseStep(t, b, "deliver", "server receives FIN=1, ACK=1, seq=u")
	chooseStep(t, b, "deliver", "client receives ACK=1, seq=v, ack=u+1")
	chooseStep(t, b, "user call", "server's application calls CLOSE")
	chooseStep(t, b, "deliver", "client receives FIN=1, ACK=1, seq=w, ack=u+1")
	if got := b.text("#path .tcbs tr:nth-child(2) td:nth-child(2)"); got != "TIME-WAIT" {
		t.Errorf("after the server's FIN the client is in %q", got)
	}
	chooseStep(t, b, "lose", "the network loses ACK=1, seq=u+1, ack=w+1 from client")
	// Undo and redo: back takes the last step off the path.
	b.click("#back")
	b.waitFor(`document.body.getAttribute("data-path") === "9"`)
	chooseStep(t, b, "lose", "the network loses ACK=1, seq=u+1, ack=w+1 from client")
	chooseStep(t, b, "timer", "server: retransmission timeout")
	chooseStep(t, b, "deliver", "client receives FIN=1, ACK=1, seq=w, ack=u+1")
	for sel, want := range map[string]string{
		".what":                                 "Step 12: client receives FIN=1, ACK=1, seq=w, ack=u+1.",
		".tcbs tr:nth-child(2) td:nth-child(2)": "TIME-WAIT",
		".tcbs tr:nth-child(2) td:nth-child(3)": "LAST-ACK",
		// The retransmitted FIN is old (SEG.SEQ < RCV.NXT): the
		// acceptability test answers it with an ACK (RFC 9293 3.10.7.4).
		".rule-name": "any.rcv-unacceptable",
		".flight-0":  "ACK=1, seq=u+1, ack=w+1 (connection 1)",
		".net .sent": "this step sent: ACK=1, seq=u+1, ack=w+1",
	} {
		if !strings.HasPrefix(sel, "#") {
			sel = "#path " + sel
		}
		if got := b.text(sel); got != want {
			t.Errorf("%s shows %q, want %q", sel, got, want)
		}
	}
	b.screenshot(filepath.Join(artifactDir(t), "explore-time-wait.png"))
	chooseStep(t, b, "deliver", "server receives ACK=1, seq=u+1, ack=w+1")
	if got := b.text("#path .tcbs tr:nth-child(2) td:nth-child(3)"); got != "CLOSED" {
		t.Errorf("the retransmitted final ACK leaves the server in %q", got)
	}

	// The exported path is the chart of those 13 steps.
	resp, err := http.Get(srv.URL + "/api/export?format=text")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(text), "13  ") || !strings.Contains(string(text), "TIME-WAIT     <-- FIN=1, ACK=1, seq=w, ack=u+1 ...                [any.rcv-unacceptable]") {
		t.Errorf("exported chart:\n%s", text)
	}
	// And as a packetdrill script for the client, the page's link: the
	// retransmitted FIN reaches it in TIME-WAIT, which answers with an ACK.
	if href := b.eval(`document.getElementById("export-packetdrill-client").getAttribute("href")`); href != "/api/export?format=packetdrill&side=client" {
		t.Errorf("the page's packetdrill link for the client is %v", href)
	}
	resp, err = http.Get(srv.URL + "/api/export?format=packetdrill&side=client")
	if err != nil {
		t.Fatal(err)
	}
	text, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var lines []string
	for _, l := range strings.Split(string(text), "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	if !strings.Contains(strings.Join(lines, "\n"), "+.01 < F. 1:1(0) ack 2 win 65535\n+0 > . 2:2(0) ack 2\n+.01 < F. 1:1(0) ack 2 win 65535\n+0 > . 2:2(0) ack 2") {
		t.Errorf("exported script:\n%s", text)
	}
}

// Jumping to a counterexample loads the checker's shortest one.
func TestExplorerJumpInBrowser(t *testing.T) {
	srv := explorerServer(t, "no-time-wait", func(*model.Config) {})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.waitFor(`document.body.getAttribute("data-path") === "0"`)
	b.eval(`document.getElementById("property").value = "orderly-release"`)
	b.click("#jump")
	b.waitFor(`document.body.getAttribute("data-path") === "13"`)
	if got := b.text("#status"); got != "orderly-release is violated: the path is its shortest counterexample, 13 steps" {
		t.Errorf("status %q", got)
	}
	if got := b.text("#path .rule-name"); got != "closing.rcv-rst" {
		t.Errorf("last rule %q", got)
	}
	b.eval(`document.getElementById("property").value = "time-wait-absorbs-fin"`)
	b.click("#jump")
	b.waitFor(`document.getElementById("status").textContent.indexOf("holds") >= 0`)
}

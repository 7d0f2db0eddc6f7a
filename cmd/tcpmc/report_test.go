package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The HTML report of no-time-wait, stepped through in a real browser with
// the keyboard and the mouse: at each step both TCBs, the network and the
// rule that fired are what the model says.
func TestHTMLReportInBrowser(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "r.html")
	if code, _, errOut := runTool("check", "--variant", "no-time-wait", "--html", page); code != exitViolated {
		t.Fatalf("exit %d, want %d: %s", code, exitViolated, errOut)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, external := range []string{"http://", "https://", "src=", "@import", "url("} {
		if strings.Contains(strings.ReplaceAll(string(html), "http://www.w3.org/2000/svg", "") /* the SVG namespace names, fetches nothing */, external) {
			t.Errorf("the page refers to something outside it (%q): it must be self-contained", external)
		}
	}
	b := newBrowser(t)
	b.open("file://" + page)
	checkReportPage(t, b)
	// Where the client, already CLOSED, answers the retransmitted FIN
	// with a RST.
	b.click("#trace-0 rect.step-11")
	expectStep(t, b, "11", nil)
	b.screenshot(filepath.Join(artifactDir(t), "report-no-time-wait.png"))
}

// The same page rebuilt from a saved --json by tcpmc report.
func TestReportFromJSONInBrowser(t *testing.T) {
	page := reportFromJSON(t, exitViolated, "--variant", "no-time-wait")
	b := newBrowser(t)
	b.open("file://" + page)
	checkReportPage(t, b)
}

func checkReportPage(t *testing.T, b *browser) {
	t.Helper()
	verdict := b.text(`#verdicts tr[data-property="orderly-release"] .verdict-violated`)
	if verdict != "violated" {
		t.Errorf("verdict of orderly-release shown as %q", verdict)
	}
	if got := b.text(`#verdicts tr[data-property="time-wait-absorbs-fin"] td:nth-child(4)`); got != "holds" {
		t.Errorf("expected verdict shown as %q", got)
	}
	if n := b.eval(`document.querySelectorAll("#verdicts tr.surprise").length`); n != 0.0 {
		t.Errorf("%v rows marked not as expected, want none", n)
	}
	b.waitFor(`document.querySelector("#trace-0[data-step]")`)
	if got := b.text("#trace-0 .pos"); got != "step 0 of 13" {
		t.Errorf("position %q", got)
	}
	// Three steps with the keyboard: the client receives the SYN,ACK.
	for i := 0; i < 3; i++ {
		b.key("ArrowRight")
	}
	expectStep(t, b, "3", map[string]string{
		".what":                                 "Step 3: client receives SYN=1, ACK=1, seq=y, ack=x+1.",
		".tcbs tr:nth-child(2) td:nth-child(2)": "ESTABLISHED",
		".tcbs tr:nth-child(2) td:nth-child(3)": "SYN-RECEIVED",
		".rule-name":                            "syn-sent.rcv-syn-ack",
		".flight-0":                             "ACK=1, seq=x+1, ack=y+1 (connection 1)",
		".flight-1":                             "nothing",
	})
	if !strings.HasPrefix(b.text(".rule-section"), "RFC 9293 §3.10.7.3") {
		t.Errorf("rule section %q", b.text(".rule-section"))
	}
	// The IRS the client learnt is the server's ISS.
	if irs, iss := b.text(".tcbs tr:nth-child(4) td:nth-child(2)"), b.text(".tcbs tr:nth-child(3) td:nth-child(3)"); irs != iss || irs == "–" {
		t.Errorf("client IRS %q, server ISS %q", irs, iss)
	}
	if n := b.eval(`document.querySelectorAll("#trace-0 .diagram .e-SYN-SENT_ESTABLISHED.lit").length`); n == 0.0 {
		t.Error("the SYN-SENT to ESTABLISHED transition is not lit in the state diagram")
	}
	// The mouse: the row of step 12, where the final ACK is lost.
	b.click("#trace-0 rect.step-12")
	expectStep(t, b, "12", map[string]string{
		".what":                                 "Step 12: the network loses ACK=1, seq=u+1, ack=w+1 from client.",
		".norule":                               "A fault: no rule fires.",
		".flight-0":                             "RST=1, seq=u+1 (connection 1)",
		".tcbs tr:nth-child(2) td:nth-child(3)": "LAST-ACK",
	})
	b.key("ArrowLeft")
	expectStep(t, b, "11", map[string]string{".rule-name": "closed.rcv-ack"})
	b.key("End")
	expectStep(t, b, "13", map[string]string{".tcbs tr:nth-child(2) td:nth-child(3)": "CLOSED", ".rule-name": "closing.rcv-rst"})
	b.click("#trace-0 button.first")
	expectStep(t, b, "0", map[string]string{".what": "Initial state."})
}

func expectStep(t *testing.T, b *browser, step string, want map[string]string) {
	t.Helper()
	b.waitFor(`document.querySelector("#trace-0").getAttribute("data-step") === "` + step + `"`)
	for sel, w := range want {
		if got := b.text("#trace-0 " + sel); got != w {
			t.Errorf("step %s: %s shows %q, want %q", step, sel, got, w)
		}
	}
}

// tcpmc report rebuilds a report with user properties from its JSON: a
// reachable property's witness is on the page, as check --html puts it.
func TestReportFromJSONWithWitness(t *testing.T) {
	page := reportFromJSON(t, exitHolds, "--property", "handshake-sync",
		"--reachable", "both-closing: client.STATE == CLOSING && server.STATE == CLOSING")
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "both-closing holds: shortest witness") {
		t.Errorf("the page does not show the witness of both-closing")
	}
}

// reportFromJSON saves what check --json prints for these arguments
// (which must exit with code) and rebuilds the page with tcpmc report.
func reportFromJSON(t *testing.T, code int, checkArgs ...string) (page string) {
	t.Helper()
	dir := t.TempDir()
	got, out, errOut := runTool(append([]string{"check", "--json"}, checkArgs...)...)
	if got != code {
		t.Fatalf("check: exit %d, want %d: %s", got, code, errOut)
	}
	result, page := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	if err := os.WriteFile(result, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _, errOut := runTool("report", result, "-o", page); got != exitHolds {
		t.Fatalf("report: exit %d: %s", got, errOut)
	}
	return page
}

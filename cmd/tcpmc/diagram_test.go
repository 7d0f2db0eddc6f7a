package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// small is a configuration whose state graph has a few dozen states.
var small = []string{"--loss", "0", "--dup", "0", "--reorder", "0", "--data", "0", "--incarnations", "1", "--retries", "0"}

func TestDiagramWritesDOTToStdout(t *testing.T) {
	code, out, errOut := runTool("diagram")
	if code != exitHolds || !strings.HasPrefix(out, "digraph") {
		t.Fatalf("exit %d, stderr %q, stdout starts %.40q", code, errOut, out)
	}
	for _, want := range []string{"SYN-RECEIVED", "rcv SYN / snd SYN,ACK", "timeout=2MSL / delete TCB"} {
		if !strings.Contains(out, want) {
			t.Errorf("the DOT lacks %q", want)
		}
	}
}

func isSVG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(b, &root); err != nil || root.XMLName.Local != "svg" {
		t.Errorf("%s is not SVG: %v, root %q", path, err, root.XMLName.Local)
	}
}

func TestDiagramWritesImages(t *testing.T) {
	dir := t.TempDir()
	svg, pngFile, graph := filepath.Join(dir, "rfc.svg"), filepath.Join(dir, "rfc.png"), filepath.Join(dir, "graph.dot")
	for _, args := range [][]string{
		{"diagram", "--renderer", "builtin", "-o", svg},
		{"diagram", "--variant", "no-time-wait", "--errors", "--renderer", "builtin", "-o", pngFile},
		append([]string{"diagram", "--graph", "-o", graph}, small...),
	} {
		if code, out, errOut := runTool(args...); code != exitHolds || out != "" {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	isSVG(t, svg)
	b, err := os.ReadFile(pngFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("the PNG does not decode: %v", err)
	}
	dot, err := os.ReadFile(graph)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dot), "CLOSED | LISTEN") || !strings.Contains(string(dot), "server rcv SYN") {
		t.Errorf("the state graph lacks its initial state or a step:\n%.400s", dot)
	}
	// The summary goes to stderr, so that DOT on stdout can be piped.
	_, out, errOut := runTool(append([]string{"diagram", "--graph", "--collapse"}, small...)...)
	if !strings.HasPrefix(out, "digraph") || !strings.HasPrefix(errOut, "state graph: ") {
		t.Errorf("stdout %.30q, stderr %q", out, errOut)
	}
}

func TestDiagramBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diagram", "--format", "gif"}, "unknown image format"},
		{[]string{"diagram", "-o", filepath.Join(dir, "x.gif")}, "cannot tell the format"},
		{[]string{"diagram", "--loss", "1"}, "add --graph"},
		{[]string{"diagram", "--collapse"}, "add --graph"},
		{[]string{"diagram", "--graph", "--errors"}, "endpoint diagram"},
		{[]string{"diagram", "--graph"}, "more than 300 states"},
		{[]string{"diagram", "--graph", "--collapse", "--max-nodes", "3"}, "pairs of endpoint states"},
		{[]string{"diagram", "--graph", "--max-nodes", "0"}, "at least 1"},
		{[]string{"diagram", "--renderer", "inkscape"}, "unknown renderer"},
		{[]string{"diagram", "--variant", "rfc0000"}, "unknown variant"},
		{[]string{"diagram", "--graph", "--property", "nonsense"}, "nonsense"},
		{[]string{"diagram", "-o", filepath.Join(dir, "no", "such", "dir", "x.svg")}, "no such file"},
		{[]string{"diagram", "stray"}, "unexpected argument"},
		{[]string{"diagram", "-o", filepath.Join(dir, "x.svg"), "--format", "png"}, "the name says svg"},
		{[]string{"check", "--out-format", "png"}, "give -out DIR too"},
		{[]string{"simulate", "--out-format", "png"}, "give -out DIR too"},
		{[]string{"check", "--attack-segments", "rst"}, "there is no attacker to describe"},
		{[]string{"check", "--attack", "0", "--attacker", "on-path"}, "there is no attacker to describe"},
	} {
		code, out, errOut := runTool(c.args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitUsage || len(lines) != 1 || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %.40q, stderr %q; want exit 2 and one line saying %q", c.args, code, out, errOut, c.want)
		}
	}
}

func TestCheckOutWritesCharts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	code, out, errOut := runTool("check", "--variant", "no-time-wait", "--property", "orderly-release,eventually-closed", "--out", dir)
	if code != exitViolated {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Fatalf("wrote %v, want the DOT and SVG of the one violation", files)
	}
	isSVG(t, filepath.Join(dir, "no-time-wait-orderly-release.svg"))
	dot, err := os.ReadFile(filepath.Join(dir, "no-time-wait-orderly-release.dot"))
	if err != nil || !strings.HasPrefix(string(dot), "digraph") {
		t.Errorf("DOT: %v %.20q", err, dot)
	}
	if !strings.Contains(errOut, "wrote ") || strings.Contains(out, "wrote ") {
		t.Errorf("the files written are listed on stderr, not stdout: stderr %q", errOut)
	}
}

// TestCheckOutWritesWitnesses: a reachable property that holds has a
// shortest witness, drawn under --out like a counterexample, with a title
// saying it holds; a witness's last step is no violation.
func TestCheckOutWritesWitnesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	code, out, errOut := runTool("check", "--property", "handshake-sync", "--out", dir, "--out-format", "dot",
		"--reachable", "both-closing: client.STATE == CLOSING && server.STATE == CLOSING")
	if code != exitHolds {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Fatalf("wrote %v, want the DOT of the one witness", files)
	}
	dot, err := os.ReadFile(filepath.Join(dir, "rfc9293-both-closing.dot"))
	if err != nil {
		t.Fatal(err)
	}
	var steps int
	if i := strings.Index(out, "shortest witness, "); i < 0 {
		t.Fatalf("no witness in the report:\n%s", out)
	} else {
		fmt.Sscanf(out[i:], "shortest witness, %d steps", &steps)
	}
	title := fmt.Sprintf("both-closing holds (shortest witness, %d steps)", steps)
	if steps == 0 || !strings.Contains(string(dot), title) || strings.Contains(string(dot), "violat") {
		t.Errorf("the witness chart's title does not say %q:\n%s", title, dot)
	}
}

func TestCheckOutFormats(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runTool("check", "--variant", "no-time-wait", "--property", "orderly-release", "--out", dir, "--out-format", "png")
	if code != exitViolated {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "no-time-wait-orderly-release.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("the PNG chart does not decode: %v", err)
	}
	if code, _, errOut := runTool("check", "--out", dir, "--out-format", "gif"); code != exitUsage || !strings.Contains(errOut, "-out-format") {
		t.Errorf("a bad format: exit %d, %q", code, errOut)
	}
}

func TestCheckOutWritesStreamView(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runTool("check", "--variant", "../../testdata/variants/examples/deliver-out-of-order.yaml", "--property", "stream-integrity", "--out", dir)
	if code != exitViolated {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "deliver-out-of-order-stream-integrity-stream.html"))
	if err != nil || !strings.Contains(string(b), "<html") {
		t.Errorf("no porcupine view of the broken stream: %v", err)
	}
}

func TestPacketdrillCommand(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/packetdrill/*.pkt")
	code, out, errOut := runTool(append([]string{"packetdrill"}, files...)...)
	if code != exitHolds || !strings.Contains(out, fmt.Sprintf("%d scripts: %d agree, 0 disagree, 0 not applicable", len(files), len(files))) {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	code, out, _ = runTool("packetdrill", "--variant", "rfc1337", "--json", "../../testdata/packetdrill/time-wait-rst.pkt")
	var res []struct {
		File    string `json:"file"`
		Verdict string `json:"verdict"`
		Line    int    `json:"line"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitViolated || len(res) != 1 || res[0].Verdict != "disagrees" || res[0].Line == 0 {
		t.Errorf("rfc1337: exit %d, %v: %s", code, err, out)
	}
	dir := t.TempDir()
	bad := "../../testdata/packetdrill/reader/unreadable.pkt"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"packetdrill", filepath.Join(dir, "none.pkt")}, "no such file"},
		{[]string{"packetdrill"}, "give one or more"},
		{[]string{"packetdrill", "--variant", "nope", bad}, "unknown variant"},
	} {
		code, out, errOut := runTool(c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
	}
}

// A script that cannot be read is reported as such, the others still run,
// and the exit status says that one could not be read.
func TestPacketdrillUnreadableScriptDoesNotStopTheOthers(t *testing.T) {
	bad := "../../testdata/packetdrill/reader/unreadable.pkt"
	good := "../../testdata/packetdrill/active-open-close.pkt"
	code, out, errOut := runTool("packetdrill", bad, good)
	if code != exitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "unreadable.pkt:5: ") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"unreadable.pkt  unreadable (line 5): \"0:x(0)\" is not start:end(length)", "active-open-close.pkt  agrees", "2 scripts: 1 agree, 0 disagree, 0 not applicable, 1 unreadable"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	code, out, _ = runTool("packetdrill", "--json", good, bad)
	var res []struct{ Verdict string }
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitUsage || len(res) != 2 || res[0].Verdict != "agrees" || res[1].Verdict != "unreadable" {
		t.Errorf("--json: exit %d, %v: %s", code, err, out)
	}
}

func TestConformCommand(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/captures/*.pcap")
	var linux []string
	for _, f := range files {
		if !strings.HasSuffix(f, "lost-data-fin-queued.pcap") {
			linux = append(linux, f)
		}
	}
	code, out, errOut := runTool(append([]string{"conform", "--at", "10.9.0.2"}, linux...)...)
	want := fmt.Sprintf("%d connections: %d accepted, 0 rejected, 0 not applicable", len(linux), len(linux))
	if code != exitHolds || !strings.Contains(out, want) || !strings.Contains(out, "TIME-WAIT     <-- FIN=1, ACK=1, seq=w, ack=u+1") {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	code, out, _ = runTool("conform", "--json", "../../testdata/captures/lost-data-fin-queued.pcap")
	var res []struct {
		File        string `json:"file"`
		Connections []struct {
			Verdict  string   `json:"verdict"`
			Packet   int      `json:"packet"`
			Expected []string `json:"expected"`
		} `json:"connections"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitViolated || len(res) != 1 || len(res[0].Connections) != 1 ||
		res[0].Connections[0].Verdict != "rejected" || res[0].Connections[0].Packet != 8 || len(res[0].Connections[0].Expected) == 0 {
		t.Errorf("lost-data-fin-queued: exit %d, %v: %s", code, err, out)
	}
	dir := t.TempDir()
	data, _ := os.ReadFile("../../testdata/captures/open-close.pcap")
	cut := filepath.Join(dir, "cut.pcap")
	os.WriteFile(cut, data[:len(data)-10], 0o644)
	text := filepath.Join(dir, "notes.pcap")
	os.WriteFile(text, []byte("not a capture\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"conform", cut}, "cut.pcap: packet 9: "},
		{[]string{"conform", text}, "notes.pcap: not a pcap or pcapng file (this is text; for a packetdrill script use tcpmc packetdrill)"},
		{[]string{"conform", filepath.Join(dir, "none.pcap")}, "no such file"},
		{[]string{"conform"}, "give one or more"},
		{[]string{"conform", "--at", "server", cut}, `--at "server" is not an IP address`},
		{[]string{"conform", "--variant", "nope", cut}, "unknown variant"},
	} {
		code, out, errOut := runTool(c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
	}
}

func TestConformNamesBadFiles(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"conform", filepath.Join(dir, "none.pcap")}, "none.pcap: no such file"},
		{[]string{"conform", dir}, "is a directory"},
		{[]string{"conform", "--loss", "-1", dir}, "--loss, --dup and --reorder must be 0 to 255"},
	} {
		code, out, errOut := runTool(c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
	}
	// An --at that is neither end is said so.
	code, out, _ := runTool("conform", "--at", "10.9.0.9", "--brief", "../../testdata/captures/open-close.pcap")
	if code != exitHolds || !strings.Contains(out, "--at 10.9.0.9 is neither end") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// --out-format packetdrill writes each counterexample as a packetdrill
// script for each side, which the model's endpoint agrees with.
func TestCheckOutWritesPacketdrill(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runTool("check", "--variant", "no-time-wait", "--property", "orderly-release", "--out", dir, "--out-format", "packetdrill,packetdrill")
	if code != exitViolated || strings.Count(errOut, "wrote ") != 2 {
		t.Fatalf("exit %d, stderr %q (want each of the two scripts written once)", code, errOut)
	}
	for _, side := range []string{"client", "server"} {
		path := filepath.Join(dir, "no-time-wait-orderly-release-"+side+".pkt")
		if !strings.Contains(errOut, "wrote "+path) {
			t.Errorf("the file written is not listed: %q", errOut)
		}
		code, out, errOut := runTool("packetdrill", "--variant", "no-time-wait", path)
		if code != exitHolds || !strings.Contains(out, "1 agree") {
			t.Errorf("%s: exit %d, %s %s", side, code, out, errOut)
		}
	}
}

// --define may be given more than once: every name given counts.
func TestPacketdrillDefineRepeated(t *testing.T) {
	script := `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <...>
+.01 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
#ifdef ONE
+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
+0 close(4) = 0
#endif
#ifdef TWO
+0 > R 1:1(0)
#endif
`
	path := filepath.Join(t.TempDir(), "defines.pkt")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--define", "ONE,TWO"}, {"--define", "ONE", "--define", "TWO"}} {
		code, out, errOut := runTool(append(append([]string{"packetdrill"}, args...), path)...)
		if code != exitHolds || !strings.Contains(out, "1 agree") {
			t.Errorf("%v: exit %d, %s %s", args, code, out, errOut)
		}
	}
	if code, out, _ := runTool("packetdrill", "--define", "TWO", path); code != exitViolated || !strings.Contains(out, "1 disagree") {
		t.Errorf("TWO alone: exit %d, %s", code, out)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestApplicationFlagsBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--calls", "sometimes"},
		{"check", "--calls", ""},
		{"check", "--never-close", "nobody"},
		{"check", "--open", "listen-later"},
		{"check", "--open", "both-listen", "--close", "client"},
		{"check", "--crash", "host"},
		{"check", "--crash", "-2"},
		{"check", "--variant", "keepalive", "--crash", "client,server"},
		{"diagram", "--variant", "../../testdata/variants/examples/no-such.yaml"},
	} {
		code, out, errOut := runTool(args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], "tcpmc: ") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line on stderr", args, code, out, errOut)
		}
	}
}

func TestApplicationFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string // in the output
		code int
	}{
		{[]string{"--calls", "any", "--data", "0", "--incarnations", "1", "--loss", "0", "--dup", "0", "--reorder", "0", "--coverage"},
			[]string{"calls any", "listen.open-active", "listen.close", "syn-sent.close", "syn-received.close", "closing.close"}, exitHolds},
		{[]string{"--never-close", "server", "--close", "client", "--data", "0", "--incarnations", "1", "--property", "no-deadlock"},
			[]string{"server never closes", "no-deadlock            safety   violated", "FIN-WAIT-2"}, exitViolated},
		{[]string{"--open", "late-listen", "--data", "0", "--incarnations", "1", "--loss", "0", "--dup", "0", "--reorder", "0", "--coverage"},
			[]string{"open late-listen", "syn-sent.rcv-rst "}, exitHolds},
		{[]string{"--open", "both-listen", "--data", "0", "--incarnations", "1", "--loss", "0", "--dup", "0", "--reorder", "0", "--coverage"},
			[]string{"open both-listen", "listen.open-active "}, exitHolds},
		{[]string{"--crash", "server", "--data", "0", "--incarnations", "1", "--property", "no-half-open"},
			[]string{"crash 1 of the server", "crash: the host loses its TCB"}, exitViolated},
	} {
		code, out, errOut := runTool(append([]string{"check"}, c.args...)...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d: %s", c.args, code, c.code, errOut)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
	}
	code, out, _ := runTool("check", "--calls", "any", "--never-close", "client", "--crash", "client", "--data", "0", "--incarnations", "1", "--json")
	var rep struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code == exitUsage {
		t.Fatalf("--json: exit %d, %v", code, err)
	}
	for k, want := range map[string]string{"calls": "any", "never_close": "client", "crash_host": "client"} {
		if got, _ := rep.Config[k].(string); got != want {
			t.Errorf("JSON config %s = %v, want %s", k, rep.Config[k], want)
		}
	}
}

func TestTimerKnobsListed(t *testing.T) {
	code, out, _ := runTool("variants", "--knobs")
	for _, w := range []string{"keep-alive", "3.8.4", "user-timeout", "3.8.3", "fin-wait-2-timeout", "tcp_fin_timeout"} {
		if code != exitHolds || !strings.Contains(out, w) {
			t.Errorf("variants --knobs lacks %q", w)
		}
	}
	code, out, _ = runTool("variants")
	for _, w := range []string{"no-keepalive", "keepalive", "linux-fin-timeout"} {
		if code != exitHolds || !strings.Contains(out, w) {
			t.Errorf("variants lacks %s", w)
		}
	}
	code, out, errOut := runTool("diagram", "--variant", "linux-fin-timeout", "--errors")
	if code != exitHolds || !strings.Contains(out, "FIN-WAIT-2") || !strings.Contains(out, "timeout / delete TCB") {
		t.Errorf("diagram --errors of linux-fin-timeout: exit %d %s\n%s", code, errOut, out)
	}
}

func TestTimerKnobBadValue(t *testing.T) {
	for _, knob := range []string{"keep-alive: sometimes", "user-timeout: 30s", "fin-wait-2-timeout: bsd"} {
		path := filepath.Join(t.TempDir(), "v.yaml")
		if err := os.WriteFile(path, []byte("name: v\nbase: rfc9293\nknobs:\n  "+knob+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runTool("check", "--variant", path)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitUsage || len(lines) != 1 || out != "" || !strings.Contains(errOut, strings.SplitN(knob, ":", 2)[0]) {
			t.Errorf("%s: exit %d, stderr %q", knob, code, errOut)
		}
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

var attackFlags = []string{"--attack", "1", "--attack-segments", "rst", "--attack-states", "ESTABLISHED",
	"--data", "0", "--incarnations", "1", "--loss", "0", "--dup", "0", "--reorder", "0"}

func TestAttackCheckCounts(t *testing.T) {
	code, out, errOut := runTool("check", "--variant", "rfc793-rst", "--property", "reset-only-by-peer")
	if code != exitViolated {
		t.Fatalf("rfc793-rst: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"attack 1 (blind: rst segments against ESTABLISHED)",
		"attack: 4 of the 32 sequence numbers the blind attacker may give its forged segment (step 4) lead to this violation",
		"!!!                forged by the attacker"} {
		if !strings.Contains(out, want) {
			t.Errorf("rfc793-rst output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runTool(append([]string{"check", "--property", "reset-only-by-peer"}, attackFlags...)...)
	if code != exitViolated || !strings.Contains(out, "attack: 1 of the 32 sequence numbers") {
		t.Errorf("rfc9293: exit %d:\n%s", code, out)
	}
	flags := append([]string(nil), attackFlags...)
	flags[3] = "syn"
	code, out, _ = runTool(append([]string{"check", "--property", "reset-only-by-peer"}, flags...)...)
	if code != exitHolds {
		t.Errorf("rfc9293 against a forged SYN: exit %d:\n%s", code, out)
	}
}

func TestAttackCheckJSON(t *testing.T) {
	code, out, _ := runTool(append([]string{"check", "--json", "--property", "reset-only-by-peer"}, attackFlags...)...)
	if code != exitViolated {
		t.Fatalf("exit %d", code)
	}
	var rep struct {
		Properties []struct {
			Attack struct {
				Succeeded int `json:"succeeded"`
				OutOf     int `json:"out_of"`
			} `json:"attack"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if a := rep.Properties[0].Attack; a.Succeeded != 1 || a.OutOf != 32 {
		t.Errorf("attack %+v, want 1 of 32", a)
	}
}

func TestAttackBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--attack", "4"}, "-attack: attack 4: want 0 to 3 forged segments"},
		{[]string{"--attack", "x"}, "invalid value \"x\" for flag -attack"},
		{[]string{"--attack", "-1"}, "-attack: attack -1: want 0 to 3"},
		{[]string{"--attacker", "middle"}, "-attacker: attacker \"middle\": want blind or on-path"},
		{[]string{"--attack-segments", "rst,urg"}, "unknown segment kind \"urg\""},
		{[]string{"--attack-segments", ""}, "unknown segment kind \"\""},
		{[]string{"--attack-states", "ESTABLISHED,OPEN"}, "unknown state \"OPEN\""},
	} {
		for _, cmd := range []string{"check", "simulate"} {
			code, _, errOut := runTool(append([]string{cmd}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("%s %v: exit %d, stderr %q; want exit 2 and one line with %q", cmd, tc.args, code, errOut, tc.want)
			}
		}
	}
}

func TestAttackKnobsListed(t *testing.T) {
	_, out, _ := runTool("variants", "--knobs")
	for _, want := range []string{"rst: ", "syn: ", "rfc793     any RST in the window resets the connection", "rfc793     a SYN in the window is an error"} {
		if !strings.Contains(out, want) {
			t.Errorf("variants --knobs lacks %q", want)
		}
	}
	_, out, _ = runTool("variants")
	for _, want := range []string{"rfc793-rst", "rfc793-syn", "expected violated: reset-only-by-peer, no-half-open"} {
		if !strings.Contains(out, want) {
			t.Errorf("variants lacks %q", want)
		}
	}
	_, out, _ = runTool("diagram", "--variant", "rfc793-syn", "--errors")
	if !strings.Contains(out, "rcv SYN / snd RST, delete TCB") {
		t.Error("diagram --errors lacks RFC 793's reset on a SYN")
	}
}

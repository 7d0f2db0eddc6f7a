package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --expected names every property that is not as expected, those the
// variant states nothing about (which must hold) included, and fills the
// EXPECTED column with that default.
func TestExpectedNamesEverySurprise(t *testing.T) {
	file := filepath.Join(t.TempDir(), "one-retry.yaml")
	spec := "name: one-retry\ndescription: RFC 9293 giving up after one retransmission\nbase: rfc9293\n" +
		"config:\n  retries: 1\nexpect:\n  handshake-sync: holds\n"
	if err := os.WriteFile(file, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runTool("check", "--variant", file, "--expected", "--property", "handshake-sync,no-deadlock")
	if code != exitViolated {
		t.Fatalf("exit %d, want %d: %s", code, exitViolated, errOut)
	}
	for _, want := range []string{
		"PROPERTY               KIND     VERDICT   EXPECTED\n",
		"handshake-sync         safety   holds     holds\n",
		"no-deadlock            safety   violated  holds  <- not as expected\n",
		"not as expected: no-deadlock\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A user's property that is not as expected is named, but the hint that
// flags changed the configuration is for the variant's own expectations.
func TestUserPropertySurpriseBlamesNoFlags(t *testing.T) {
	code, out, _ := runTool("check", "--crash", "1", "--property", "q",
		"--invariant", "q: !(server.STATE == ESTABLISHED && client.STATE == CLOSED && NET.EMPTY)")
	if code != exitViolated || !strings.Contains(out, "not as expected: q\n") || strings.Contains(out, "flags changed it") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// A check of witness queries alone stops as soon as every witness is
// found: every verdict is known, so it exits 0, not 3.
func TestWitnessesFoundExitZero(t *testing.T) {
	code, out, _ := runTool("check", "--property", "q", "--reachable", "q: client.STATE == ESTABLISHED")
	if code != exitHolds || !strings.Contains(out, "q is reachable") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

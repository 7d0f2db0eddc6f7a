package main

import (
	"strings"
	"testing"
)

// mutate --only names the mutants to analyse; a filter that matches none
// is an error, never a perfect score over nothing.
func TestMutateOnly(t *testing.T) {
	for _, c := range []struct{ only, want string }{
		{"foo:time-wait.timeout", `unknown operator "foo" (want delete, no-send, stay, weaken-guard)`},
		{"delet:time-wait.timeout", `(did you mean delete?)`},
		{"time-wait.timout", `no rule "time-wait.timout" (did you mean time-wait.timeout?)`},
		{"no-send:time-wait.timeout", "no mutant matches"},
		{"NO-SEND:time-wait.timeout", "no mutant matches"},
	} {
		code, out, errOut := runTool("mutate", "--only", c.only)
		if code != exitUsage || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("--only %s: exit %d, stdout %q, stderr %q; want one line saying %q", c.only, code, out, errOut, c.want)
		}
	}
	// Without the 2 MSL timer TIME-WAIT never ends: the one mutant is
	// killed in a small configuration.
	code, out, errOut := runTool("mutate", "--only", "Delete:time-wait.timeout", "--data", "0", "--incarnations", "1", "--loss", "0", "--dup", "0", "--reorder", "0")
	if code != exitHolds || !strings.Contains(out, "time-wait.timeout  delete") || !strings.Contains(out, "1 mutant: 1 killed") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

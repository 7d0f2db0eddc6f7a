package main

import (
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/properties"
)

// Rough edges a new user hit, each pinned down.

func TestHelpListsRules(t *testing.T) {
	_, out, _ := runTool("help")
	if !strings.Contains(out, "tcpmc variants [--knobs | --rules] [NAME|FILE]") {
		t.Errorf("tcpmc help does not mention --rules:\n%s", out)
	}
	for _, cmd := range []string{"explore", "report"} {
		if !strings.Contains(out, "tcpmc "+cmd) {
			t.Errorf("tcpmc help does not list %s", cmd)
		}
	}
}

func TestHelpListsPropertiesAndExitStatuses(t *testing.T) {
	_, check, _ := runTool("check", "-h")
	_, simulate, _ := runTool("simulate", "-h")
	for _, p := range properties.Catalog() {
		if !strings.Contains(check, "  "+p.Name+" ") {
			t.Errorf("check -h does not list %s", p.Name)
		}
		if listed := strings.Contains(simulate, "  "+p.Name+" "); listed != (p.Kind == properties.Safety) {
			t.Errorf("simulate -h lists %s: %v (a %s property)", p.Name, listed, p.Kind)
		}
	}
	for name, out := range map[string]string{"check": check, "simulate": simulate} {
		if !strings.Contains(out, "exit status: 0 ") || !strings.Contains(out, "3 ") {
			t.Errorf("%s -h gives no exit statuses:\n%s", name, out)
		}
	}
}

func TestPacketdrillNamesAMissingFile(t *testing.T) {
	code, out, errOut := runTool("packetdrill", "no-such-script.pkt")
	if code != exitUsage || out != "" || errOut != "tcpmc: packetdrill: no-such-script.pkt: no such file or directory\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestPacketdrillOneScript(t *testing.T) {
	_, out, _ := runTool("packetdrill", "--variant", "rfc1337", "../../testdata/packetdrill/time-wait-rst.pkt")
	if !strings.Contains(out, "\n1 script: ") {
		t.Errorf("summary of one script:\n%s", out)
	}
}

func TestUnorderedNetworkRejectsReorder(t *testing.T) {
	code, _, errOut := runTool("check", "--network", "unordered", "--reorder", "2")
	if code != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "-reorder 2: an unordered network") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	// The default budget of one reordering is left aside quietly, as
	// before: only an explicit -reorder is a mistake.
	if code, _, errOut := runTool("check", "--network", "unordered", "--max-states", "100", "--property", "handshake-sync"); code == exitUsage {
		t.Errorf("-network unordered alone refused: %s", errOut)
	}
	if code, _, errOut := runTool("check", "--network", "unordered", "--reorder", "0", "--max-states", "100", "--property", "handshake-sync"); code == exitUsage {
		t.Errorf("-reorder 0 refused: %s", errOut)
	}
}

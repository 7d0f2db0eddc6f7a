package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal and returns its terminal side.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("naming the pseudo-terminal: %v", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}

func TestIsTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if isTerminal(null) {
		t.Error("/dev/null taken for a terminal")
	}
	if !isTerminal(openPTY(t)) {
		t.Error("a pseudo-terminal not taken for a terminal")
	}
}

// diagram refuses to write PNG to a terminal, and writes it to
// /dev/null.
func TestDiagramPNGNotToATerminal(t *testing.T) {
	tty := openPTY(t)
	var errOut strings.Builder
	if code := run([]string{"diagram", "--format", "png"}, tty, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "not writing PNG to a terminal") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if code := run([]string{"diagram", "--format", "png"}, null, &errOut); code != exitHolds {
		t.Errorf("PNG to /dev/null: exit %d, stderr %q", code, errOut.String())
	}
}

package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWritesReplaceOnlyRegularFiles: -o writes through a symlink (which
// stays a link), keeps an existing file's mode, writes through to
// /dev/null (which stays the device), and refuses a directory or a socket
// with one line naming -o.
func TestWritesReplaceOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.dot")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.dot")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runTool("diagram", "-o", link); code != exitHolds {
		t.Fatalf("-o through a symlink: exit %d, %s", code, errOut)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v, %v", st.Mode(), err)
	}
	data, _ := os.ReadFile(target)
	if !strings.HasPrefix(string(data), "digraph") {
		t.Errorf("the link's target does not hold the diagram: %.40q", data)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("a 0600 file became %v", st.Mode().Perm())
	}

	if code, out, errOut := runTool("diagram", "-o", os.DevNull, "--format", "dot"); code != exitHolds || out != "" {
		t.Fatalf("-o /dev/null: exit %d, %s", code, errOut)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v, %v", st.Mode(), err)
	}

	sock := filepath.Join(dir, "s.dot")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, path := range []string{dir, sock} {
		code, _, errOut := runTool("diagram", "-o", path)
		if code != exitUsage || !strings.HasPrefix(errOut, "tcpmc: -o "+path+": ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("-o %s: exit %d, %q", path, code, errOut)
		}
	}
	if st, err := os.Lstat(sock); err != nil || st.Mode()&os.ModeSocket == 0 {
		t.Errorf("the socket was replaced: %v, %v", st.Mode(), err)
	}
}

// TestOutFailureKeepsTheViolation: when --out cannot be written after a
// violation was found, the error names --out and the exit status stays 1;
// a --out that can never work is refused before the search.
func TestOutFailureKeepsTheViolation(t *testing.T) {
	dir := t.TempDir()
	// A directory where the chart's file should go makes its write fail.
	if err := os.Mkdir(filepath.Join(dir, "no-time-wait-orderly-release.dot"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runTool("check", "--variant", "no-time-wait", "--out", dir, "--out-format", "dot")
	if code != exitViolated || !strings.Contains(out, "orderly-release violated") ||
		!strings.Contains(errOut, "tcpmc: --out "+filepath.Join(dir, "no-time-wait-orderly-release.dot")+": is a directory") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}

	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runTool("check", "--variant", "no-time-wait", "--out", filepath.Join(file, "charts"))
	if code != exitUsage || out != "" || errOut != "tcpmc: --out "+filepath.Join(file, "charts")+": "+file+" is not a directory\n" {
		t.Fatalf("--out under a file: exit %d, stdout %q, stderr %q; want exit 2 before any search", code, out, errOut)
	}
}

// TestErrorLinesQuoteAnExcerpt: a bad token of a megabyte (here a knob
// value) is quoted by an excerpt; the error stays one short line.
func TestErrorLinesQuoteAnExcerpt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "v.yaml")
	if err := os.WriteFile(file, []byte("name: v\nknobs:\n  time-wait: "+strings.Repeat("x", 900_000)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runTool("variants", file)
	if code != exitUsage || len(errOut) > maxErrorLine+20 || strings.Count(errOut, "\n") != 1 ||
		!strings.Contains(errOut, "v.yaml:3: knob time-wait: unknown value \"xxxx") || !strings.Contains(errOut, "(900002 bytes)") {
		t.Fatalf("exit %d, %d bytes: %.300q", code, len(errOut), errOut)
	}
}

// --html is checked before the search as --out is: a page that cannot be
// written is refused at once, not after the run.
func TestHTMLOutRefusedBeforeTheSearch(t *testing.T) {
	dir := t.TempDir()
	for path, want := range map[string]string{
		filepath.Join(dir, "missing", "r.html"): "no such file or directory",
		dir:                                     "is a directory",
	} {
		code, out, errOut := runTool("check", "--html", path)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "--html "+path+": ") || !strings.Contains(errOut, want) {
			t.Errorf("--html %s: exit %d, stdout %.60q, stderr %q", path, code, out, errOut)
		}
	}
}

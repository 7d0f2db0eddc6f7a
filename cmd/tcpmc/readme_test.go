package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeExample is a command shown in README.md and the output shown
// after it.
type readmeExample struct {
	line    int
	args    []string
	output  []string
	hasShow bool
	session bool // shown with its prompt: it may be a failing command
}

// readmeExamples finds each fenced block holding one "go run ./cmd/tcpmc"
// command and the fenced block that follows it, when the text between
// them introduces it (is empty, or one paragraph ending with a colon).
func readmeExamples(t *testing.T, text string) []readmeExample {
	t.Helper()
	lines := strings.Split(text, "\n")
	type block struct {
		start, end int // the fences
		body       []string
	}
	var blocks []block
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```") {
			continue
		}
		b := block{start: i}
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			b.body = append(b.body, lines[i])
		}
		b.end = i
		blocks = append(blocks, b)
	}
	var out []readmeExample
	for k, b := range blocks {
		// A session: "$ go run ./cmd/tcpmc ..." and its output in one block.
		if len(b.body) > 1 && strings.HasPrefix(b.body[0], "$ go run ./cmd/tcpmc ") {
			out = append(out, readmeExample{line: b.start + 2, args: strings.Fields(strings.TrimPrefix(b.body[0], "$ go run ./cmd/tcpmc ")),
				output: b.body[1:], hasShow: true, session: true})
			continue
		}
		if len(b.body) != 1 || !strings.HasPrefix(b.body[0], "go run ./cmd/tcpmc ") {
			continue
		}
		ex := readmeExample{line: b.start + 2, args: strings.Fields(strings.TrimPrefix(b.body[0], "go run ./cmd/tcpmc "))}
		if k+1 < len(blocks) {
			next := blocks[k+1]
			gap := lines[b.end+1 : next.start]
			between := strings.TrimSpace(strings.Join(gap, " "))
			paragraphs := strings.Count(strings.TrimSpace(strings.Join(gap, "\n")), "\n\n") + 1
			isCommand := len(next.body) == 1 && strings.HasPrefix(next.body[0], "go ")
			if !isCommand && (between == "" || strings.HasSuffix(between, ":") && paragraphs == 1) {
				ex.output, ex.hasShow = next.body, true
			}
		}
		out = append(out, ex)
	}
	return out
}

// Figures that vary from run to run.
var readmeVarying = []*regexp.Regexp{
	regexp.MustCompile(`\d+(\.\d+)?s\b`),
	regexp.MustCompile(`\d+(\.\d+)? MiB`),
	regexp.MustCompile(`\d+(\.\d+)? bytes/state`),
	regexp.MustCompile(`chance \d+e[-+]\d+`),
}

func normalize(s string) string {
	s = strings.TrimRight(s, " ")
	for _, re := range readmeVarying {
		s = re.ReplaceAllString(s, "#")
	}
	return s
}

// TestREADMEExamples runs every tcpmc command the README shows and checks
// that the output shown is what the command prints: each line shown must
// appear, in order (the README may show an excerpt), timings and memory
// aside. Files the commands write go to a temporary directory.
func TestREADMEExamples(t *testing.T) {
	if raceEnabled {
		t.Skip("runs the README's commands: slow under the race detector, and single-threaded in what it checks")
	}
	if testing.Short() {
		t.Skip("runs every command of the README")
	}
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := readmeExamples(t, string(text))
	if len(examples) < 8 {
		t.Fatalf("found %d examples in README.md: the parser is broken", len(examples))
	}
	tmp := t.TempDir()
	t.Chdir("../..")
	for _, ex := range examples {
		var args []string
		for i, a := range ex.args {
			switch {
			case i > 0 && (ex.args[i-1] == "-o" || ex.args[i-1] == "--out" || ex.args[i-1] == "--html"):
				a = filepath.Join(tmp, a)
			case strings.Contains(a, "*"): // as the shell would
				files, _ := filepath.Glob(a)
				args = append(args, files...)
				continue
			}
			args = append(args, a)
		}
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code == exitUsage && !ex.session {
			t.Errorf("README.md:%d: %v fails: %s", ex.line, ex.args, stderr.String())
			continue
		}
		if !ex.hasShow {
			continue
		}
		got := strings.Split(stdout.String()+stderr.String(), "\n")
		k := 0
		for _, want := range ex.output {
			if strings.TrimSpace(want) == "" || strings.HasPrefix(want, "exit status") {
				continue
			}
			w := normalize(want)
			for k < len(got) && normalize(got[k]) != w {
				k++
			}
			if k == len(got) {
				t.Errorf("README.md:%d: %v no longer prints (in this order):\n%s\n--- it prints:\n%s", ex.line, ex.args, want, stdout.String()+stderr.String())
				break
			}
			k++
		}
	}
}

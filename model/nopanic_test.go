package model

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// chainRules writes `add` entries for rules in ESTABLISHED, one per
// processing step from..to, that continue and send what send says
// (nothing if empty).
func chainRules(from, to int, send string) string {
	var b strings.Builder
	b.WriteString("add:\n")
	for step := from; step <= to; step++ {
		fmt.Fprintf(&b, "  - name: chain%d\n    before: synchronized.rcv-text\n    in: ESTABLISHED\n    on: segment %d\n    if: \"true\"\n    then: continue\n", step, step)
		if send != "" {
			fmt.Fprintf(&b, "    send: %s\n", send)
		}
	}
	return b.String()
}

// exploreSome visits up to limit states of the system breadth-first, so
// that every rule the variant adds gets to fire, and returns the states
// seen and the most rules one step fired.
func exploreSome(m *System, limit int) (states, maxRules int) {
	seen := map[string]bool{}
	queue := m.Initial()
	for _, s := range queue {
		seen[string(s.Key(nil))] = true
	}
	for i := 0; i < len(queue) && len(seen) < limit; i++ {
		m.Successors(queue[i], func(st Step, t State) {
			maxRules = max(maxRules, int(st.NRules))
			if k := string(t.Key(nil)); !seen[k] {
				seen[k] = true
				queue = append(queue, t)
			}
		})
	}
	return len(seen), maxRules
}

// TestWellFormedVariantsDoNotPanic: four variant files that used to
// panic the model either load with a one-line error naming the file and
// line, or build a model that explores without panicking.
func TestWellFormedVariantsDoNotPanic(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		capacity   int
		wantErr    string // empty: the model must build and explore
		minRules   int    // the most rules one step fires, at least
	}{
		{"no passive open", "name: p\nremove: [closed.open-passive]\n", 0,
			"v.yaml:2: variant p: no rule for a passive OPEN in CLOSED", 0},
		// Seven rules that continue plus the table's own: a chain longer
		// than the six rules an outcome once held.
		{"long continue chain", "name: p\n" + chainRules(1, 7, ""), 0, "", 7},
		{"three segments for one event", "name: p\n" + chainRules(1, 3, "<SEQ=SND.NXT><CTL=RST>"), 0,
			"v.yaml:23: rule chain3, send: in ESTABLISHED one arriving segment can fire rules chain1, chain2, chain3", 0},
		// A reply of two segments (data, then the table's ACK) into a
		// network of capacity 4 overflowed a channel.
		{"two-segment reply, capacity 4", "name: p\n" + chainRules(1, 1, "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK><DATA>"), 4, "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := ParseVariant([]byte(tc.text), "v.yaml")
			if err != nil {
				t.Fatal(err)
			}
			v, err := spec.Resolve()
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got error %v, want one line starting %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cfg := v.Config
			if tc.capacity > 0 {
				cfg.Capacity = tc.capacity
			}
			m, err := NewSystem(v, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if n, rules := exploreSome(m, 50_000); n < 1000 || rules < tc.minRules {
				t.Fatalf("%d states, at most %d rules in a step; want 1000 states and %d rules", n, rules, tc.minRules)
			}
		})
	}
}

// TestHostileExpressionsAreRefused: guards nested or long enough to
// exhaust the stack or take minutes are refused with a column.
func TestHostileExpressionsAreRefused(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{strings.Repeat("!", 4000) + "true", "column 101: expression nested more than 100 deep"},
		{strings.Repeat("(", 200) + "true" + strings.Repeat(")", 200), "column 101: expression nested more than 100 deep"},
		{"SEG.LEN == " + strings.Repeat("-", 500) + "1", "column 112: expression nested more than 100 deep"},
		{strings.Repeat("true && ", 100_000) + "true", "column 1: expression of 800004 characters: at most 4096"},
	} {
		_, err := compileExpr(tc.src, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%.20s...: got %v, want %q", tc.src, err, tc.want)
		}
	}
	// What is allowed still compiles.
	if _, err := compileExpr(strings.Repeat("!", 100)+"true", nil); err != nil {
		t.Errorf("100 nested !: %v", err)
	}
}

// TestHugeVariantFilesAreRefused: a variant file is read through a bound,
// so /dev/zero or a huge file ends in a one-line error, not in exhausted
// memory.
func TestHugeVariantFilesAreRefused(t *testing.T) {
	big := t.TempDir() + "/big.yaml"
	if err := os.WriteFile(big, append([]byte("name: big\ndescription: "), bytes.Repeat([]byte("x"), 2<<20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/zero", big} {
		_, err := LoadVariantFile(path)
		if err == nil || err.Error() != path+": larger than 1024 KiB: a variant file is a short YAML text" {
			t.Errorf("%s: got %v", path, err)
		}
	}
}

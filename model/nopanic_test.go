package model

import (
	"fmt"
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

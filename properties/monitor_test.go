package properties

import (
	"slices"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

// The monitor must flag exactly the step at which the search found each
// safety violation, and nothing earlier on the path.
func TestMonitorAgreesWithSearch(t *testing.T) {
	for _, name := range []string{"no-time-wait", "two-way-handshake", "rfc793-time-wait-rst"} {
		rep := catalog(t)[name]
		sys := rep.System()
		mon, err := NewMonitor(sys, nil)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, r := range rep.Results {
			if r.Property.Kind != Safety || r.Verdict != Violated {
				continue
			}
			tr := r.Counterexample
			prev := tr.Start
			for i, ps := range tr.Steps {
				flagged := slices.Contains(mon.Step(prev, ps.Step, ps.State), r.Property.Name)
				n := 0
				sys.Successors(ps.State, func(st model.Step, _ model.State) {
					if !Environment(st) {
						n++
					}
				})
				flagged = flagged || slices.Contains(mon.State(ps.State, n), r.Property.Name)
				if last := i == len(tr.Steps)-1; flagged != last {
					t.Errorf("%s %s: step %d flagged=%v, want %v", name, r.Property.Name, i+1, flagged, last)
				}
				prev = ps.State
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("%s: no safety violation to compare with", name)
		}
	}
}

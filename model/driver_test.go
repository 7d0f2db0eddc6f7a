package model

import "testing"

// The Driver and the search make one transition the same way: from every
// state of a small search where the client acts or receives, a Driver put
// in that state and given the same event reaches the client endpoint and
// the channel from the client that the search reaches, ghost variables
// included. (The Driver leaves out only what the workload does after, a
// listener reopening, and the client never listens.)
func TestDriverMakesTheSearchsTransitions(t *testing.T) {
	for _, cfg := range []Config{DefaultConfig(), func() Config { c := DefaultConfig(); c.Crash, c.Abort = 1, [2]bool{true, true}; return c }()} {
		sys, err := NewSystem(RFC9293(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[State]bool{}
		queue := sys.Initial()
		compared := 0
		for len(queue) > 0 && len(seen) < 30000 {
			s := queue[0]
			queue = queue[1:]
			if seen[s] {
				continue
			}
			seen[s] = true
			sys.Successors(s, func(st Step, ns State) {
				queue = append(queue, ns)
				if st.Side != A || st.Kind == Lose || st.Kind == Duplicate || st.Kind == Crash {
					return
				}
				d := sys.NewDriver(A)
				d.State = s
				var got Step
				switch st.Kind {
				case Deliver:
					d.State.Remove(B, int(st.Pos))
					got = d.Arrive(st.Seg)
				case Call:
					if got, err = d.Call(st.Event); err != nil {
						t.Fatalf("%s from %v: %v", sys.Describe(st), s, err)
					}
				case Timeout:
					var ok bool
					if got, ok = d.Timeout(st.Event); !ok {
						t.Fatalf("%s from %v: the Driver's timer does not fire", sys.Describe(st), s)
					}
				}
				compared++
				if d.State.Ends[A] != ns.Ends[A] || d.State.Net[A] != ns.Net[A] || got.Rules != st.Rules || got.Out != st.Out || got.Deleted != st.Deleted {
					t.Fatalf("%s from\n%+v:\nsearch %+v\ndriver %+v", sys.Describe(st), s, ns.Ends[A], d.State.Ends[A])
				}
			})
		}
		if compared < 10000 {
			t.Fatalf("only %d transitions compared", compared)
		}
	}
}

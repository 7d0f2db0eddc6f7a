package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// userPropertyFlags are --invariant, --step, --reachable and --leads-to:
// properties written on the command line, each flag repeatable.
type userPropertyFlags struct {
	specs []model.PropertySpec
	count map[string]int
	err   error // the first bad one, reported after parsing
}

func (u *userPropertyFlags) register(fs *flag.FlagSet) {
	u.count = map[string]int{}
	for _, f := range []struct{ form, usage string }{
		{"invariant", "a property of every reachable state, `NAME: EXPR` (NAME optional), e.g. 'quiet: client.STATE == CLOSED => server.STATE != ESTABLISHED'; repeatable; see tcpmc variants --vocabulary"},
		{"step", "a property of every transition, `NAME: EXPR`, which may read the state after the step with a prime (client.STATE') and the rules fired (RULE == time-wait.timeout); repeatable"},
		{"reachable", "a witness query, `NAME: EXPR`: holds when some reachable state satisfies EXPR, and prints the shortest path to one; violated when none does; repeatable"},
		{"leads-to", "a liveness property, `NAME: FROM ~> TO`: under fairness every state satisfying FROM is followed by one satisfying TO; repeatable"},
	} {
		form := f.form
		fs.Func(form, f.usage, func(arg string) error {
			u.count[form]++
			spec, err := model.ParsePropertyFlag(form, arg, u.count[form])
			if err != nil {
				return err
			}
			u.specs = append(u.specs, spec)
			return nil
		})
	}
}

func hasReachable(rep *properties.Report) bool {
	for _, r := range rep.Results {
		if r.Property.Kind == properties.Reachable {
			return true
		}
	}
	return false
}

// printCoverage writes how often each rule fired, then the rules that
// never did.
func printCoverage(w io.Writer, c *properties.Coverage) {
	unfired := c.Unfired()
	fmt.Fprintf(w, "\ncoverage: %d of %d rules fired (%.0f%%)", len(c.Rules)-len(unfired), len(c.Rules), 100*c.Share())
	if !c.Complete {
		fmt.Fprint(w, " in the part of the state space explored")
	}
	fmt.Fprintln(w)
	width := 4
	for _, r := range c.Rules {
		width = max(width, len(r.Name))
	}
	fmt.Fprintf(w, "%-*s  %s\n", width, "RULE", "TRANSITIONS")
	for i, r := range c.Rules {
		if c.Fired[i] > 0 {
			fmt.Fprintf(w, "%-*s  %s\n", width, r.Name, commas(c.Fired[i]))
		}
	}
	if len(unfired) > 0 {
		fmt.Fprintf(w, "never fired (%d): %s\n", len(unfired), strings.Join(unfired, ", "))
	}
}

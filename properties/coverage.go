package properties

import (
	"sync/atomic"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// Coverage is how often each rule fired in the transitions of an explored
// state space: a rule that never fired was never exercised, and no verdict
// says anything about it.
type Coverage struct {
	Rules    []model.RuleInfo
	Fired    []uint64 // by rule, as Rules
	Complete bool     // the search covered the whole state space
}

// Unfired lists the names of the rules that never fired.
func (c *Coverage) Unfired() []string {
	var out []string
	for i, n := range c.Fired {
		if n == 0 {
			out = append(out, c.Rules[i].Name)
		}
	}
	return out
}

// Share is the fraction of the rules that fired.
func (c *Coverage) Share() float64 {
	if len(c.Rules) == 0 {
		return 0
	}
	return float64(len(c.Rules)-len(c.Unfired())) / float64(len(c.Rules))
}

// coverageCounter counts rule firings from the search's workers. Each
// state is expanded once, so each transition is counted once whatever the
// number of workers.
type coverageCounter struct {
	rules []model.RuleInfo
	fired []atomic.Uint64
}

func newCoverageCounter(sys *model.System) *coverageCounter {
	rules := sys.Table().Rules()
	return &coverageCounter{rules: rules, fired: make([]atomic.Uint64, len(rules))}
}

// action is a property of transitions that always holds and counts.
func (c *coverageCounter) action() explore.ActionProperty[state, step] {
	return explore.ActionProperty[state, step]{Name: "(coverage)", Holds: func(_ state, st step, _ state) bool {
		for i := uint8(0); i < st.NRules; i++ {
			c.fired[st.Rules[i]].Add(1)
		}
		return true
	}}
}

func (c *coverageCounter) result(complete bool) *Coverage {
	out := &Coverage{Rules: c.rules, Fired: make([]uint64, len(c.rules)), Complete: complete}
	for i := range c.fired {
		out.Fired[i] = c.fired[i].Load()
	}
	return out
}

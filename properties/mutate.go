package properties

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
	"github.com/zeebo/xxh3"
)

// Mutation analysis: systematic small changes to a variant's rule table,
// each checked against the suite. A mutant is killed when it violates a
// property the original holds in the same configuration; a check that
// kills no mutant of a rule says nothing about that rule.

// Mutation operators.
const (
	OpDelete = "delete"       // the rule is removed
	OpNoSend = "no-send"      // the rule sends nothing
	OpStay   = "stay"         // the rule leaves the state unchanged
	OpWeaken = "weaken-guard" // the guard keeps only its part before the first top-level &&
)

// Operators are the mutation operators, in the order mutants are made.
var Operators = []string{OpDelete, OpNoSend, OpStay, OpWeaken}

// Mutant is a variant with one rule changed by one operator.
type Mutant struct {
	Rule, Operator string
	Variant        *model.Variant
}

// Mutants derives every mutant of v: each rule deleted, and, where they
// change something, made to send nothing, to stay in its state, and its
// guard weakened.
func Mutants(v *model.Variant) []Mutant {
	var out []Mutant
	for i, r := range v.Rules {
		add := func(op string, change func(*model.Rule) bool) {
			rules := append([]model.Rule(nil), v.Rules...)
			if change == nil {
				rules = append(rules[:i:i], rules[i+1:]...)
			} else if !change(&rules[i]) {
				return
			}
			m := *v
			m.Name = fmt.Sprintf("%s~%s:%s", v.Name, op, r.Name)
			m.Rules = rules
			out = append(out, Mutant{Rule: r.Name, Operator: op, Variant: &m})
		}
		add(OpDelete, nil)
		add(OpNoSend, func(r *model.Rule) bool {
			if strings.TrimSpace(r.Send) == "" {
				return false
			}
			r.Send = ""
			var kept []string
			for _, stmt := range strings.Split(r.Do, ";") {
				if strings.TrimSpace(stmt) != "send" {
					kept = append(kept, stmt)
				}
			}
			r.Do = strings.Join(kept, ";")
			return true
		})
		add(OpStay, func(r *model.Rule) bool {
			if strings.TrimSpace(r.Next) == "" {
				return false
			}
			r.Next = ""
			return true
		})
		add(OpWeaken, func(r *model.Rule) bool {
			first, ok := firstConjunct(r.If)
			if !ok {
				return false
			}
			r.If = first
			return true
		})
	}
	return out
}

// firstConjunct is the part of a guard before its first && outside
// parentheses, if it has one.
func firstConjunct(guard string) (string, bool) {
	depth := 0
	for i := 0; i+1 < len(guard); i++ {
		switch guard[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '&':
			if depth == 0 && guard[i+1] == '&' {
				return strings.TrimSpace(guard[:i]), true
			}
		}
	}
	return "", false
}

// Mutation outcomes.
const (
	Killed     = "killed"
	Equivalent = "equivalent" // the same state space as the original in every configuration
	Harmless   = "harmless"   // reviewed: see HarmlessMutants
	Survived   = "survived"
)

// HarmlessKey names a mutant in HarmlessMutants: "operator:rule".
func HarmlessKey(operator, rule string) string { return operator + ":" + rule }

// HarmlessMutants are the reviewed mutants of rfc9293 that no check can
// kill because the change is harmless, each with the reason. It is empty:
// the deletions of the rules that answer a call with RFC 9293's error,
// once listed here, leave the call unanswered, which calls-answered
// reports.
var HarmlessMutants = map[string]string{}

// MutantResult is what the analysis found for one mutant.
type MutantResult struct {
	Rule, Operator string
	Outcome        string
	// Property and Config say what killed it: the property violated and
	// the suite configuration where the original holds it.
	Property, Config string
	Why              string // for a harmless mutant, the reviewed reason; for one the model rejects, the error
	Elapsed          time.Duration
}

// MutationReport is a variant's mutation analysis.
type MutationReport struct {
	Variant string
	Configs []string // the configurations, cheapest first
	Results []MutantResult
	Elapsed time.Duration
	// Complete is false when ctx stopped the analysis; mutants not yet
	// decided are then left out.
	Complete bool
}

// Count is the number of mutants with the outcome.
func (r *MutationReport) Count(outcome string) int {
	n := 0
	for _, m := range r.Results {
		if m.Outcome == outcome {
			n++
		}
	}
	return n
}

// Score is the share of the mutants that can be told from the original
// (neither equivalent nor reviewed harmless) that the checks killed.
func (r *MutationReport) Score() float64 {
	k, s := r.Count(Killed), r.Count(Survived)
	if k+s == 0 {
		return 1
	}
	return float64(k) / float64(k+s)
}

// MutateOptions bound a mutation analysis.
type MutateOptions struct {
	// Configs are the configurations (default: the suite's).
	Configs []SuiteConfig
	// Workers is how many mutants are checked at once (0: one per CPU);
	// each check uses one worker.
	Workers int
	// Only, when set, picks the mutants analysed (by HarmlessKey).
	Only func(operator, rule string) bool
	// Progress is called after each mutant.
	Progress func(done, total int)
}

// fingerprint summarises an explored state space independently of the
// order of exploration and of rule numbering: two spaces with equal
// fingerprints are, but for a hash collision, the same.
type fingerprint struct {
	states, transitions, stateSum, stepSum uint64
}

type fingerprinter struct {
	states, transitions, stateSum, stepSum atomic.Uint64
}

func (f *fingerprinter) checks() (explore.Invariant[state], explore.ActionProperty[state, step]) {
	inv := explore.Invariant[state]{Name: "(fingerprint)", Holds: func(s state) bool {
		f.states.Add(1)
		f.stateSum.Add(xxh3.Hash(s.Key(nil)))
		return true
	}}
	act := explore.ActionProperty[state, step]{Name: "(fingerprint)", Holds: func(from state, st step, to state) bool {
		var buf [160]byte
		b := from.Key(buf[:0])
		b = to.Key(b)
		b = append(b, byte(st.Kind), byte(st.Side), byte(st.Event), st.Pos, st.ISN, st.NOut, b2b(st.Reordered), b2b(st.Deleted), b2b(st.Relisten), b2b(st.Delivered))
		b = binary.LittleEndian.AppendUint32(b, uint32(st.Seg))
		for _, o := range st.Sent() {
			b = binary.LittleEndian.AppendUint32(b, uint32(o))
		}
		f.transitions.Add(1)
		f.stepSum.Add(xxh3.Hash(b))
		return true
	}}
	return inv, act
}

func (f *fingerprinter) value() fingerprint {
	return fingerprint{f.states.Load(), f.transitions.Load(), f.stateSum.Load(), f.stepSum.Load()}
}

func b2b(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// configRun is one check of a variant in one configuration, for the
// analysis: the verdicts and the state space's fingerprint.
type configRun struct {
	verdicts map[string]Verdict
	results  map[string]Result
	print    fingerprint
}

func runConfig(ctx context.Context, v *model.Variant, c SuiteConfig) (run configRun, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the model cannot run it: %v", p)
		}
	}()
	cfg, err := c.Config()
	if err != nil {
		return run, err
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		return run, err
	}
	props, err := Selected(sys, Options{})
	if err != nil {
		return run, err
	}
	chk := checksOf(sys, props)
	var fp fingerprinter
	inv, act := fp.checks()
	chk.invariants = append(chk.invariants, inv)
	chk.actions = append(chk.actions, act)
	rep := &Report{Variant: v.Name, Config: cfg, sys: sys, Complete: true}
	found := map[string]*Trace{}
	checkSafety(ctx, sys, chk, Options{Workers: 1}, rep, found)
	liveComplete := true
	if len(chk.live) > 0 && ctx.Err() == nil {
		liveComplete = checkLiveness(ctx, sys, chk.live, Options{Workers: 1}, rep, found)
	}
	if ctx.Err() != nil {
		return run, ctx.Err()
	}
	run = configRun{verdicts: map[string]Verdict{}, results: map[string]Result{}, print: fp.value()}
	for _, p := range props {
		done := rep.Complete
		if p.Kind == Liveness {
			done = liveComplete
		}
		r := resultOf(p, found[p.Name], done)
		run.verdicts[p.Name], run.results[p.Name] = r.Verdict, r
	}
	return run, nil
}

// Mutate runs the mutation analysis of v: the original in every
// configuration first, then each mutant, cheapest configuration first,
// until one kills it.
func Mutate(ctx context.Context, v *model.Variant, opts MutateOptions) (*MutationReport, error) {
	start := time.Now()
	configs := opts.Configs
	if len(configs) == 0 {
		configs = Suite
	}
	type base struct {
		c   SuiteConfig
		run configRun
	}
	var mutants []Mutant
	for _, m := range Mutants(v) {
		if opts.Only == nil || opts.Only(m.Operator, m.Rule) {
			mutants = append(mutants, m)
		}
	}
	if len(mutants) == 0 && opts.Only != nil {
		return nil, fmt.Errorf("no mutant matches (operators %s; a rule gets only the mutants that change it)", strings.Join(Operators, ", "))
	}
	var bases []base
	for _, c := range configs {
		run, err := runConfig(ctx, v, c)
		if err != nil {
			return nil, fmt.Errorf("variant %s, configuration %s: %w", v.Name, c.Name, err)
		}
		bases = append(bases, base{c, run})
	}
	sort.SliceStable(bases, func(i, j int) bool { return bases[i].run.print.states < bases[j].run.print.states })
	rep := &MutationReport{Variant: v.Name, Complete: true}
	for _, b := range bases {
		rep.Configs = append(rep.Configs, b.c.Name)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]*MutantResult, len(mutants))
	var next, done atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(mutants) || ctx.Err() != nil {
					return
				}
				m := mutants[i]
				t0 := time.Now()
				res := &MutantResult{Rule: m.Rule, Operator: m.Operator}
				same := true
				for _, b := range bases {
					run, err := runConfig(ctx, m.Variant, b.c)
					if ctx.Err() != nil {
						return
					}
					if err != nil {
						res.Outcome, res.Config, res.Why = Killed, b.c.Name, err.Error()
						break
					}
					if p := killedBy(b.run, run); p != "" {
						res.Outcome, res.Property, res.Config = Killed, p, b.c.Name
						break
					}
					same = same && run.print == b.run.print
				}
				if res.Outcome == "" {
					switch why, ok := HarmlessMutants[HarmlessKey(m.Operator, m.Rule)]; {
					case same:
						res.Outcome = Equivalent
					case ok && v.Name == "rfc9293":
						res.Outcome, res.Why = Harmless, why
					default:
						res.Outcome = Survived
					}
				}
				res.Elapsed = time.Since(t0)
				results[i] = res
				n := int(done.Add(1))
				if opts.Progress != nil {
					mu.Lock()
					opts.Progress(n, len(mutants))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r == nil {
			rep.Complete = false
			continue
		}
		rep.Results = append(rep.Results, *r)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// killedBy names the first property, in catalog order, that the mutant
// violates and the original holds; "" if none.
func killedBy(orig, mutant configRun) string {
	var names []string
	for name, v := range mutant.verdicts {
		if v == Violated && orig.verdicts[name] == Holds {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	order := map[string]int{}
	for i, p := range Catalog() {
		order[p.Name] = i
	}
	sort.Slice(names, func(i, j int) bool { return order[names[i]] < order[names[j]] })
	return names[0]
}

// MarshalJSON writes the report as `tcpmc mutate --json` does.
func (r *MutationReport) MarshalJSON() ([]byte, error) {
	type jsonMutant struct {
		Rule     string `json:"rule"`
		Operator string `json:"operator"`
		Outcome  string `json:"outcome"`
		Property string `json:"property,omitempty"`
		Config   string `json:"config,omitempty"`
		Why      string `json:"why,omitempty"`
	}
	out := struct {
		Variant        string       `json:"variant"`
		Configs        []string     `json:"configs"`
		Mutants        []jsonMutant `json:"mutants"`
		Killed         int          `json:"killed"`
		Equivalent     int          `json:"equivalent"`
		Harmless       int          `json:"harmless"`
		Survived       int          `json:"survived"`
		Score          float64      `json:"score"`
		ElapsedSeconds float64      `json:"elapsed_seconds"`
		Complete       bool         `json:"complete"`
	}{Variant: r.Variant, Configs: r.Configs, Mutants: []jsonMutant{}, Killed: r.Count(Killed), Equivalent: r.Count(Equivalent),
		Harmless: r.Count(Harmless), Survived: r.Count(Survived), Score: r.Score(), ElapsedSeconds: r.Elapsed.Seconds(), Complete: r.Complete}
	for _, m := range r.Results {
		out.Mutants = append(out.Mutants, jsonMutant{m.Rule, m.Operator, m.Outcome, m.Property, m.Config, m.Why})
	}
	return json.Marshal(out)
}

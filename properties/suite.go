package properties

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// SuiteConfig is one configuration of the standard suite: settings on top
// of rfc9293's default configuration, what the configuration is there to
// exercise, and the properties rfc9293 itself violates in it, each with
// the reason RFC 9293 allows it. Every other property of the catalog
// holds for rfc9293 there.
type SuiteConfig struct {
	Name     string
	Why      string
	Settings []model.Setting
	Violated map[string]string
}

// Config is the suite configuration's model configuration.
func (c SuiteConfig) Config() (model.Config, error) {
	cfg := model.DefaultConfig()
	for _, s := range c.Settings {
		if err := model.ApplySetting(&cfg, s.Name, s.Value); err != nil {
			return cfg, fmt.Errorf("suite configuration %s: %w", c.Name, err)
		}
	}
	return cfg, cfg.Validate()
}

// RFC9293Verdict is the verdict rfc9293 gets for a catalog property in the
// configuration, and why when it is violated.
func (c SuiteConfig) RFC9293Verdict(property string) (Verdict, string) {
	if why, ok := c.Violated[property]; ok {
		return Violated, why
	}
	return Holds, ""
}

func set(kv ...string) []model.Setting {
	var out []model.Setting
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, model.Setting{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// Reasons shared by several configurations.
const (
	whyLostRSTDeadlock = "a RST that aborts the connection is lost while the peer waits in FIN-WAIT-2, which has no timer in RFC 9293: the peer waits for ever (3.10.5 sends the RST once)"
	whyCrashDeadlock   = "a host crashes while its peer waits in FIN-WAIT-2 or holds an idle connection: RFC 9293 has no FIN-WAIT-2 timer and keep-alives are optional (3.8.4), so nothing reveals the half-open connection"
)

// crashViolations are what rfc9293 violates where a host may crash.
var crashViolations = map[string]string{
	"no-deadlock":        whyCrashDeadlock,
	"no-half-open":       "the crashed host has forgotten the connection and the survivor has nothing in flight (3.5.2)",
	"eventually-closed":  "the survivor in FIN-WAIT-2 waits for ever for a FIN from the crashed host",
	"no-half-open-stuck": "nothing reveals the half-open connection when the survivor has nothing to send",
}

// Suite is the standard suite: configurations that together fire every
// rule of rfc9293 that can fire at all (see SuiteUnreachable), each small
// enough that the whole suite, liveness included, runs well within a
// minute.
var Suite = []SuiteConfig{
	{Name: "default", Why: "the default check: client/server, either side closing first, a data octet each way, a second connection; one loss, duplicate and reordering"},
	{Name: "data-ahead", Why: "two octets from the client, so that one can arrive ahead of the other (in the window, beyond RCV.NXT), and the FIN behind missing data",
		Settings: set("data", "2,1", "incarnations", "1", "dup", "0")},
	{Name: "abort", Why: "either application may abort: RST in every synchronized state, and a RST that is lost; retransmission never gives up (R2 infinite, MUST-21), so a segment answered by RSTs that go unheeded is sent for ever",
		Settings: set("abort", "both", "data", "0", "incarnations", "1", "retries", "unlimited"),
		Violated: map[string]string{
			"no-deadlock":        whyLostRSTDeadlock,
			"no-half-open":       "the RST that aborts a connection is lost and the peer keeps it open with nothing in flight (a half-open connection, 3.5.2)",
			"eventually-closed":  "after the lost RST the peer waits in FIN-WAIT-2 for ever, although both applications have closed",
			"no-half-open-stuck": "after the lost RST nothing more happens: the peer stays synchronized opposite a CLOSED endpoint",
		}},
	{Name: "crash", Why: "a host may crash and reconnect: half-open connections, old segments meeting a new incarnation, RSTs from a host that forgot the connection",
		Settings: set("crash", "1", "data", "0"),
		Violated: crashViolations},
	{Name: "crash-retry", Why: "a host may crash while the client has data to send, and retransmission never gives up (R2 infinite, MUST-21): only the RST of the host that forgot the connection, or the challenge ACK and RST of a reconnecting one, ends the survivor's retransmission (3.5.2, Figure 10)",
		Settings: set("crash", "1", "data", "1,0", "incarnations", "1", "retries", "unlimited"),
		Violated: crashViolations},
	{Name: "simultaneous", Why: "both applications open actively: crossing SYNs (Figure 8), and a SYN reaching a host that has not opened yet and is refused",
		Settings: set("open", "simultaneous", "incarnations", "1")},
	{Name: "simultaneous-reconnect", Why: "simultaneous open with a second connection: a SYN,ACK that repeats the peer's SYN in SYN-RECEIVED, and old SYNs of the first connection",
		Settings: set("open", "simultaneous", "loss", "0", "dup", "0", "data", "0")},
	{Name: "any-calls", Why: "applications call OPEN, SEND, CLOSE and the client ABORT in every state where RFC 9293 3.10 defines the call: CLOSE in LISTEN, SYN-SENT and SYN-RECEIVED, a listener turning active, and the calls the RFC answers with an error; no faults, so that what happens is the calls' doing. Every property holds: a CLOSE in SYN-SENT deletes the TCB as ABORT does, and what the peer sends it is answered by a RST (3.10.7.1); a SYN reaching a closed listener is refused, and the client reports it (3.10.7.3); a CLOSE in SYN-RECEIVED sends its FIN at once and enters FIN-WAIT-1 before the handshake is complete, which the peer's ACK then completes (3.10.4); a call answered by an error changes nothing",
		Settings: set("calls", "any", "data", "1", "abort", "client", "incarnations", "1", "loss", "0", "dup", "0", "reorder", "0")},
	{Name: "no-retry", Why: "no faults and no retransmission (retries 0): every segment must do its job when it is first sent, so a SYN,ACK that is not sent at once is never made up and the connection fails. Every property holds: with nothing lost nothing needs sending twice",
		Settings: set("retries", "0", "incarnations", "1", "loss", "0", "dup", "0", "reorder", "0")},
	{Name: "no-retry-listeners", Why: "as no-retry, with two listeners either of which may turn active: the SYN of a listener turned active must go when it is called",
		Settings: set("open", "both-listen", "retries", "0", "incarnations", "1", "loss", "0", "dup", "0", "reorder", "0")},
	{Name: "never-close", Why: "applications that send and never close, and a segment may be lost: nothing after the data (no FIN, no later segment) carries the lost octet again, only its own retransmission does. Every property holds: the octet is retransmitted and acknowledged, and the idle connections that remain are the applications' choice",
		Settings: set("never-close", "both", "data", "1,1", "incarnations", "1", "dup", "0", "reorder", "0")},
	{Name: "fast-reuse", Why: "a fast connection's next ISN overlaps the old sequence numbers (RFC 1337's premise), the server closes first and reconnects, and the network delays old duplicates: old data, FINs and ACKs land inside the new window",
		Settings: set("network", "unordered", "isn", "overlap", "close", "server", "loss", "0", "data", "2,0", "capacity", "2"),
		Violated: map[string]string{
			"no-stale-connection": "RFC 9293 lets an acceptable RST close TIME-WAIT (no RFC 1337 fix): TIME-WAIT is assassinated, and an old RST then sends the new server connection back to LISTEN while the client establishes on the old SYN,ACK (hazard H3)",
			"segment-arithmetic":  "after the assassination an old segment whose ACK happens to acknowledge the new ISN completes the new handshake, and the server acknowledges sequence numbers the client never sent (hazard H2)",
			"stream-integrity":    "after the assassination the server takes the next connection over overlapping sequence numbers, and old data is delivered in it (hazard H1)",
			"orderly-release":     "the second copy of the RST that assassinated TIME-WAIT lands at the new connection's RCV.NXT and resets it (hazard H3)",
			"no-half-open":        "an old RST resets the new server connection while the client stays ESTABLISHED with nothing in flight",
			"no-deadlock":         "after that old RST the client waits ESTABLISHED with nothing to send, and so does the new listener",
			"eventually-closed":   "the desynchronized connection exchanges ACKs for ever (RFC 1337 Figure 3, hazard H2)",
			"no-half-open-stuck":  "after that old RST the client stays ESTABLISHED for ever opposite a server with no connection",
			"quiet-after-close":   "the desynchronized connection answers each ACK with an ACK for ever: the network never falls quiet (hazard H2)",
			"reliable-delivery":   "in the desynchronized connection the client's data is never acknowledged: each side answers the other's ACK as unacceptable, for ever (hazard H2)",
		}},
}

// SuiteUnreachable are the rules of rfc9293 that no configuration of the
// model can fire, with the reason; the suite fires every other rule.
var SuiteUnreachable = map[string]string{
	"listen.rcv-other": "every segment an endpoint sends carries SYN, ACK or RST, which the earlier steps in LISTEN take (RFC 9293 3.10.7.2: any other segment \"must have an ACK and thus would have been discarded by the ACK processing\")",
	"any.rcv-no-ack":   "likewise: a segment without ACK is a SYN or a RST, which the second and fourth steps take",
}

// SuiteRun is one configuration's check.
type SuiteRun struct {
	Config SuiteConfig
	Report *Report
}

// SuiteReport is a variant's check against the whole suite.
type SuiteReport struct {
	Variant *model.Variant
	Runs    []SuiteRun
	Elapsed time.Duration
}

// RunSuite checks the variant in every configuration of the suite, in
// order; opts bound each check and choose the properties. A cancelled ctx
// stops it with the runs done so far (the last one partial).
func RunSuite(ctx context.Context, v *model.Variant, opts Options) (*SuiteReport, error) {
	return RunSuiteWith(ctx, v, opts, nil)
}

// RunSuiteWith is RunSuite, calling starting (if not nil) before each
// configuration's check.
func RunSuiteWith(ctx context.Context, v *model.Variant, opts Options, starting func(SuiteConfig, int)) (*SuiteReport, error) {
	start := time.Now()
	out := &SuiteReport{Variant: v}
	for i, c := range Suite {
		if starting != nil {
			starting(c, i)
		}
		cfg, err := c.Config()
		if err != nil {
			return nil, err
		}
		sys, err := model.NewSystem(v, cfg)
		if err != nil {
			return nil, err
		}
		rep, err := Check(ctx, sys, opts)
		if err != nil {
			return nil, err
		}
		out.Runs = append(out.Runs, SuiteRun{Config: c, Report: rep})
		if ctx.Err() != nil {
			break
		}
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

// Judgement is how a verdict in a suite configuration compares with what
// the suite expects of the variant.
type Judgement string

const (
	// AsRFC9293: the verdict rfc9293 gets there.
	AsRFC9293 Judgement = "as rfc9293"
	// Intended: violated where rfc9293 holds, and the variant says it
	// expects the violation (its expect: lists it).
	Intended Judgement = "intended"
	// Regression: violated where rfc9293 holds, and not intended.
	Regression Judgement = "regression"
	// Stronger: holds where rfc9293 violates it; for rfc9293 itself this
	// means the suite's expectation is wrong.
	Stronger Judgement = "stronger"
	// Undecided: the check stopped before a verdict.
	Undecided Judgement = "unknown"
)

// Judge compares a result of a suite run with the suite's expectations.
// A property the catalog does not know (a user's) is expected to hold.
func (s *SuiteReport) Judge(run SuiteRun, r Result) Judgement {
	base := Holds
	if _, ok := Lookup(r.Property.Name); ok {
		base, _ = run.Config.RFC9293Verdict(r.Property.Name)
	}
	switch {
	case r.Verdict == Unknown:
		return Undecided
	case r.Verdict == base:
		return AsRFC9293
	case r.Verdict == Holds:
		return Stronger
	}
	if want, _, _ := Compare(s.Variant, r.Property.Name, r.Verdict); want == Violated && s.Variant.Name != "rfc9293" {
		return Intended
	}
	return Regression
}

// Passed reports whether the variant got what the suite expects: no
// regression, and for rfc9293 itself exactly the suite's verdicts.
func (s *SuiteReport) Passed() bool {
	for _, run := range s.Runs {
		for _, r := range run.Report.Results {
			switch s.Judge(run, r) {
			case Regression:
				return false
			case Stronger:
				if s.Variant.Name == "rfc9293" {
					return false
				}
			}
		}
	}
	return true
}

// Complete reports whether every check of the suite finished.
func (s *SuiteReport) Complete() bool {
	if len(s.Runs) < len(Suite) {
		return false
	}
	for _, run := range s.Runs {
		if !run.Report.Complete && run.Report.Stopped != explore.AllViolated {
			return false
		}
	}
	return true
}

// FirstViolation is the first configuration in which the variant
// violates the property, with its result; ok is false if it never does.
func (s *SuiteReport) FirstViolation(name string) (run SuiteRun, r Result, ok bool) {
	for _, run := range s.Runs {
		if res, found := run.Report.Result(name); found && res.Verdict == Violated {
			return run, res, true
		}
	}
	return SuiteRun{}, Result{}, false
}

// Coverage merges the runs' rule counts, when they were counted.
func (s *SuiteReport) Coverage() *Coverage {
	var out *Coverage
	for _, run := range s.Runs {
		c := run.Report.Coverage
		if c == nil {
			return nil
		}
		if out == nil {
			out = &Coverage{Rules: c.Rules, Fired: make([]uint64, len(c.Fired)), Complete: true}
		}
		for i, n := range c.Fired {
			out.Fired[i] += n
		}
		out.Complete = out.Complete && c.Complete
	}
	return out
}

// MarshalJSON writes the report as `tcpmc check --suite --json` does:
// each configuration with its report (as check --json writes it) and the
// judgement of every verdict, then per property the first configuration
// that violated it.
func (s *SuiteReport) MarshalJSON() ([]byte, error) {
	type jsonVerdict struct {
		Name      string    `json:"name"`
		Verdict   Verdict   `json:"verdict"`
		RFC9293   Verdict   `json:"rfc9293"`
		Judgement Judgement `json:"judgement"`
	}
	type jsonRun struct {
		Name     string        `json:"name"`
		Why      string        `json:"why"`
		Verdicts []jsonVerdict `json:"verdicts"`
		Report   *Report       `json:"report"`
	}
	type jsonFirst struct {
		Name          string `json:"name"`
		FirstViolated string `json:"first_violated,omitempty"`
	}
	out := struct {
		Variant        string        `json:"variant"`
		Passed         bool          `json:"passed"`
		Complete       bool          `json:"complete"`
		ElapsedSeconds float64       `json:"elapsed_seconds"`
		Configs        []jsonRun     `json:"configs"`
		Properties     []jsonFirst   `json:"properties"`
		Coverage       *jsonCoverage `json:"coverage,omitempty"`
	}{Variant: s.Variant.Name, Passed: s.Passed(), Complete: s.Complete(), ElapsedSeconds: s.Elapsed.Seconds(),
		Configs: []jsonRun{}, Properties: []jsonFirst{}, Coverage: coverageJSON(s.Coverage())}
	for _, run := range s.Runs {
		jr := jsonRun{Name: run.Config.Name, Why: run.Config.Why, Verdicts: []jsonVerdict{}, Report: run.Report}
		for _, r := range run.Report.Results {
			base := Holds
			if _, ok := Lookup(r.Property.Name); ok {
				base, _ = run.Config.RFC9293Verdict(r.Property.Name)
			}
			jr.Verdicts = append(jr.Verdicts, jsonVerdict{r.Property.Name, r.Verdict, base, s.Judge(run, r)})
		}
		out.Configs = append(out.Configs, jr)
	}
	if len(s.Runs) > 0 {
		for _, r := range s.Runs[0].Report.Results {
			first := jsonFirst{Name: r.Property.Name}
			if run, _, ok := s.FirstViolation(r.Property.Name); ok {
				first.FirstViolated = run.Config.Name
			}
			out.Properties = append(out.Properties, first)
		}
	}
	return json.Marshal(out)
}

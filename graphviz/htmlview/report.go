package htmlview

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"sort"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").ParseFS(assets, "assets/*.tmpl"))

func asset(name string) template.JS {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return template.JS(b)
}

func style() template.CSS {
	b, err := assets.ReadFile("assets/page.css")
	if err != nil {
		panic(err)
	}
	return template.CSS(b)
}

// KV is one line of a settings table.
type KV struct{ Key, Value string }

// Verdict is a row of the verdict table.
type Verdict struct {
	Name, Kind, Verdict, Description string
	// Expected is what the variant states, "holds" when it states
	// nothing; NotAsExpected marks a known verdict that differs.
	Expected      string
	Stated        bool
	NotAsExpected bool
	Trace         int // index into the page's traces, -1 for none
}

type reportPage struct {
	Title       string
	Variant     string
	Description string
	Config      []KV
	Searches    []string
	Verdicts    []Verdict
	Surprises   int
	Incomplete  string
	Diagram     template.HTML
	Data        reportData
	CSS         template.CSS
	Viewer      template.JS
}

type reportData struct {
	Traces []Trace         `json:"traces"`
	Rules  map[string]Rule `json:"rules"`
}

// WriteReport writes the report of a check as one HTML page.
func WriteReport(w io.Writer, rep *properties.Report) error {
	sys := rep.System()
	v := sys.Variant()
	diagram, err := Diagram(v)
	if err != nil {
		return err
	}
	p := reportPage{
		Title: "tcpmc check: " + rep.Variant, Variant: rep.Variant, Description: v.Description,
		Config: ConfigRows(rep.Config), Searches: searches(rep), Diagram: template.HTML(diagram),
		Data: reportData{Traces: []Trace{}, Rules: Rules(sys)}, CSS: style(), Viewer: asset("viewer.js"),
	}
	for _, r := range rep.Results {
		row := Verdict{Name: r.Property.Name, Kind: string(r.Property.Kind), Verdict: string(r.Verdict),
			Description: r.Property.Description, Expected: string(properties.Holds), Trace: -1}
		want, stated, as := properties.Compare(v, r.Property.Name, r.Verdict)
		row.Expected, row.Stated = string(want), stated
		row.NotAsExpected = r.Verdict != properties.Unknown && !as
		if row.NotAsExpected {
			p.Surprises++
		}
		if r.Counterexample != nil {
			row.Trace = len(p.Data.Traces)
			title := fmt.Sprintf("%s violated: shortest counterexample, %d steps", r.Property.Name, len(r.Counterexample.Steps))
			if r.Counterexample.Cycle || r.Counterexample.Stuck {
				title = fmt.Sprintf("%s violated: a lasso of %d steps", r.Property.Name, len(r.Counterexample.Steps))
			}
			if a := r.Attack; a != nil {
				title += fmt.Sprintf("; the blind attacker's forged segment (step %d) succeeds for %d of its %d possible values", a.Step+1, a.Succeeded, a.OutOf)
			}
			p.Data.Traces = append(p.Data.Traces, NewTrace(sys, r.Counterexample, title, r.Property.Name))
		}
		if r.Witness != nil {
			row.Trace = len(p.Data.Traces)
			title := fmt.Sprintf("%s holds: shortest witness, %d steps", r.Property.Name, len(r.Witness.Steps))
			p.Data.Traces = append(p.Data.Traces, NewTrace(sys, r.Witness, title, ""))
		}
		p.Verdicts = append(p.Verdicts, row)
	}
	used := map[string]Rule{}
	for _, n := range usedRules(p.Data.Rules, p.Data.Traces) {
		used[n] = p.Data.Rules[n]
	}
	p.Data.Rules = used
	if !rep.Complete && rep.Stopped != explore.AllViolated && rep.Stopped != explore.Finished {
		p.Incomplete = fmt.Sprintf("The search stopped (%s) before covering the state space: \"unknown\" means no violation was found in the part explored.", rep.Stopped)
	}
	return pages.ExecuteTemplate(w, "report.tmpl", p)
}

// ConfigRows lists a configuration as the command line names its flags.
func ConfigRows(c model.Config) []KV {
	network := "fifo"
	if c.Unordered {
		network = "unordered"
	}
	rows := []KV{
		{"open", c.Open.String()}, {"close", c.Close.String()},
		{"data", fmt.Sprintf("%d,%d", c.Data[0], c.Data[1])},
		{"abort", fmt.Sprintf("%s: %v, %s: %v", model.SideName(c.Open, model.A), c.Abort[0], model.SideName(c.Open, model.B), c.Abort[1])},
		{"incarnations", fmt.Sprint(c.Incarnations)},
		{"loss", fmt.Sprint(c.Loss)}, {"dup", fmt.Sprint(c.Dup)}, {"reorder", fmt.Sprint(c.Reorder)}, {"crash", fmt.Sprint(c.Crash)},
		{"network", network}, {"capacity", fmt.Sprint(c.Capacity)}, {"seq-space", fmt.Sprint(c.SeqSpace)},
		{"window", fmt.Sprint(c.Window)}, {"retries", model.RetriesString(c.RetryLimit)}, {"isn", c.ISN.String()},
	}
	if c.Unordered {
		rows = append(rows[:7], rows[8:]...) // reordering means nothing without an order
	}
	return rows
}

func searches(rep *properties.Report) []string {
	var out []string
	status := func(complete bool, stopped explore.StopReason) string {
		if complete {
			return "complete"
		}
		return "stopped: " + string(stopped)
	}
	if sf := rep.Safety; sf != nil {
		out = append(out, fmt.Sprintf("safety: %d states, %d transitions, depth %d, %.2fs (%s)",
			sf.States, sf.Transitions, sf.Depth, sf.Elapsed.Seconds(), status(sf.Complete, sf.Stopped)))
	}
	if l := rep.Liveness; l != nil {
		if l.Stopped == explore.DepthLimit && l.States == 0 {
			out = append(out, "liveness: not checked: a depth limit would leave the state graph incomplete")
		} else {
			out = append(out, fmt.Sprintf("liveness: state graph of %d states and %d edges, depth %d, %.2fs (%s)",
				l.States, l.Edges, l.Depth, l.Elapsed.Seconds(), status(l.Complete, l.Stopped)))
		}
	}
	return out
}

// usedRules are the rules the traces fire, in table order.
func usedRules(all map[string]Rule, traces []Trace) []string {
	seen := map[string]bool{}
	for _, t := range traces {
		for _, s := range t.Steps {
			for _, r := range s.Rules {
				seen[r] = true
			}
		}
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

package htmlview

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
	"github.com/tcpmc/tcpmc/properties/conform"
)

// Explorer serves a page to walk the model by hand: the path so far as a
// chart with both TCBs and the network at each step, every step enabled
// in the last state to choose from, going back, and jumping to the
// shortest counterexample of a property. One path, shared by whoever
// opens the page: it is meant for one person on 127.0.0.1.
type Explorer struct {
	sys *model.System
	// CheckLimit bounds the search behind a jump to a counterexample.
	CheckLimit time.Duration

	mu   sync.Mutex
	path properties.Trace
}

// NewExplorer starts at the model's initial state.
func NewExplorer(sys *model.System) *Explorer {
	x := &Explorer{sys: sys, CheckLimit: time.Minute}
	x.path.Start = sys.Initial()[0]
	return x
}

// Choice is a step enabled in the last state of the path.
type Choice struct {
	Kind  string   `json:"kind"` // user call, timer, deliver, reorder, lose, duplicate, crash, forge
	Side  string   `json:"side"`
	Label string   `json:"label"`
	Rules []string `json:"rules"`
}

type explorerState struct {
	Trace   Trace    `json:"trace"`
	Choices []Choice `json:"choices"`
	// End says why no step is possible, when none is.
	End     string `json:"end"`
	Message string `json:"message"`
}

func (x *Explorer) last() model.State {
	if n := len(x.path.Steps); n > 0 {
		return x.path.Steps[n-1].State
	}
	return x.path.Start
}

// successors lists the enabled steps in the model's order, which the
// choices' numbers refer to.
func (x *Explorer) successors() []model.PathStep {
	var out []model.PathStep
	x.sys.Successors(x.last(), func(st model.Step, next model.State) {
		out = append(out, model.PathStep{Step: st, State: next})
	})
	return out
}

func choiceKind(st model.Step) string {
	switch st.Kind {
	case model.Call:
		return "user call"
	case model.Timeout:
		return "timer"
	case model.Deliver:
		if st.Reordered {
			return "reorder"
		}
		return "deliver"
	}
	return st.Kind.String()
}

func (x *Explorer) state(msg string) explorerState {
	tr := x.path
	tr.Steps = append([]model.PathStep{}, x.path.Steps...)
	out := explorerState{Trace: NewTrace(x.sys, &tr, "", ""), Choices: []Choice{}, Message: msg}
	for _, ps := range x.successors() {
		ext := tr
		ext.Steps = append(append([]model.PathStep{}, tr.Steps...), ps)
		ext.Cycle, ext.Stuck = false, false
		steps := Steps(x.sys, &ext)
		s := steps[len(steps)-1]
		out.Choices = append(out.Choices, Choice{Kind: choiceKind(ps.Step), Side: s.Side, Label: StepLabel(s), Rules: s.Rules})
	}
	if len(out.Choices) == 0 {
		out.End = "no step is possible: a deadlock"
		if x.sys.Final(x.last()) {
			out.End = "no step is possible: both connections are over and nothing is in flight"
		}
	}
	return out
}

// ServeHTTP serves the page and its small API: GET /api/state, POST
// /api/step?i=N, /api/back, /api/reset, /api/jump?property=NAME, and GET
// /api/export?format=json|text.
func (x *Explorer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Only pages of this machine's loopback may drive it: a name that
	// resolves here from elsewhere (DNS rebinding) is refused.
	if host, _, err := net.SplitHostPort(r.Host); err != nil || host != "127.0.0.1" && host != "localhost" {
		http.Error(w, "tcpmc explore answers on 127.0.0.1 only", http.StatusForbidden)
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	post := func() bool {
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return false
		}
		return true
	}
	switch r.URL.Path {
	case "/":
		x.page(w)
	case "/api/state":
		x.reply(w, "")
	case "/api/step":
		if !post() {
			return
		}
		i, err := strconv.Atoi(r.URL.Query().Get("i"))
		succ := x.successors()
		if err != nil || i < 0 || i >= len(succ) {
			http.Error(w, fmt.Sprintf("no step %q: %d steps are enabled", r.URL.Query().Get("i"), len(succ)), http.StatusBadRequest)
			return
		}
		x.path.Steps = append(x.path.Steps, succ[i])
		x.path.Cycle, x.path.Stuck = false, false
		x.reply(w, "")
	case "/api/back":
		if !post() {
			return
		}
		if n := len(x.path.Steps); n > 0 {
			x.path.Steps = x.path.Steps[:n-1]
		}
		x.path.Cycle, x.path.Stuck = false, false
		x.reply(w, "")
	case "/api/reset":
		if !post() {
			return
		}
		x.path = properties.Trace{Start: x.sys.Initial()[0]}
		x.reply(w, "")
	case "/api/jump":
		if !post() {
			return
		}
		x.reply(w, x.jump(r.Context(), r.URL.Query().Get("property")))
	case "/api/export":
		x.export(w, r.URL.Query())
	default:
		http.NotFound(w, r)
	}
}

// jump replaces the path by the shortest counterexample of a property.
func (x *Explorer) jump(ctx context.Context, name string) string {
	p, ok := properties.Lookup(name)
	if !ok {
		return fmt.Sprintf("unknown property %q", name)
	}
	ctx, cancel := context.WithTimeout(ctx, x.CheckLimit)
	defer cancel()
	rep, err := properties.Check(ctx, x.sys, properties.Options{Properties: []string{p.Name}, Workers: 1})
	if err != nil {
		return err.Error()
	}
	res, _ := rep.Result(p.Name)
	switch {
	case res.Counterexample != nil:
		x.path = *res.Counterexample
		msg := fmt.Sprintf("%s is violated: the path is its shortest counterexample, %d steps", p.Name, len(x.path.Steps))
		if x.path.Cycle {
			msg += fmt.Sprintf("; steps %d to %d repeat for ever", x.path.Loop+1, len(x.path.Steps))
		}
		return msg
	case res.Verdict == properties.Holds:
		return fmt.Sprintf("%s holds in this configuration: no counterexample", p.Name)
	}
	return fmt.Sprintf("%s: the search stopped (%s) before finding a counterexample", p.Name, rep.Stopped)
}

func (x *Explorer) reply(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(x.state(msg))
}

// side reads a side by the name the configuration gives it.
func (x *Explorer) side(name string) (model.Side, bool) {
	for s := model.A; s <= model.B; s++ {
		if strings.EqualFold(name, x.sys.SideName(s)) {
			return s, true
		}
	}
	return 0, false
}

func (x *Explorer) export(w http.ResponseWriter, query url.Values) {
	format := query.Get("format")
	tr := x.path
	switch format {
	case "text", "":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if len(tr.Steps) == 0 {
			fmt.Fprintln(w, "(no step taken yet)")
			return
		}
		fmt.Fprint(w, properties.Chart(x.sys, &tr))
	case "packetdrill":
		side, ok := x.side(query.Get("side"))
		if !ok {
			http.Error(w, fmt.Sprintf("unknown side %q: want %s or %s", query.Get("side"), x.sys.SideName(model.A), x.sys.SideName(model.B)), http.StatusBadRequest)
			return
		}
		var b strings.Builder
		if err := conform.WriteScript(&b, x.sys, &tr, side); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, b.String())
	case "json":
		data, err := properties.MarshalTrace(x.sys, &tr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	default:
		http.Error(w, fmt.Sprintf("unknown format %q: want text, json or packetdrill", format), http.StatusBadRequest)
	}
}

type explorerPage struct {
	Variant     string
	Description string
	Config      []KV
	Properties  []properties.Property
	Sides       []string // the side names, for the packetdrill exports
	Diagram     template.HTML
	Rules       map[string]Rule
	CSS         template.CSS
	Viewer      template.JS
	Script      template.JS
}

func (x *Explorer) page(w http.ResponseWriter) {
	v := x.sys.Variant()
	diagram, err := Diagram(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p := explorerPage{Variant: v.Name, Description: v.Description, Config: ConfigRows(x.sys.Config()),
		Properties: properties.Catalog(), Diagram: template.HTML(diagram), Rules: Rules(x.sys),
		Sides: []string{x.sys.SideName(model.A), x.sys.SideName(model.B)},
		CSS:   style(), Viewer: asset("viewer.js"), Script: asset("explorer.js")}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "explore.tmpl", p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

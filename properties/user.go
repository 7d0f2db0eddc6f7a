package properties

import (
	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// Compile makes a property of what a user wrote (see model.PropertySpec),
// for one system: invariants and step properties are safety properties,
// leads-to properties liveness properties under the catalog's fairness,
// and reachable properties witness queries.
func Compile(sys *model.System, spec model.PropertySpec) (Property, error) {
	f, to, err := sys.CompileProperty(spec)
	if err != nil {
		return Property{}, err
	}
	p := Property{Name: spec.Name, Form: spec.Form, Description: spec.Why}
	text := trimSpace(spec.Expr)
	switch spec.Form {
	case "invariant":
		p.Kind = Safety
		p.state = func(*model.System) func(state) bool { return func(s state) bool { return f.Holds(&s) } }
	case "reachable":
		p.Kind = Reachable
		p.state = func(*model.System) func(state) bool { return func(s state) bool { return f.Holds(&s) } }
	case "step":
		p.Kind = Safety
		p.step = func(*model.System) func(state, step, state) bool {
			return func(from state, st step, to state) bool { return f.HoldsOn(&from, &st, &to) }
		}
	case "leads-to":
		p.Kind = Liveness
		text = trimSpace(spec.From) + " ~> " + trimSpace(spec.To)
		p.live = func(*model.System) []explore.LiveProperty[state] {
			return []explore.LiveProperty[state]{{Name: spec.Name,
				Trigger: func(s state) bool { return f.Holds(&s) },
				Goal:    func(s state) bool { return to.Holds(&s) }}}
		}
	}
	if p.Description == "" {
		p.Description = text
	} else {
		p.Description += " (" + text + ")"
	}
	return p, nil
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

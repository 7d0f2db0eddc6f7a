package main

import (
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// applicationsExtra describes the application settings that are not the
// default (calls any, never-close), for the configuration line.
func applicationsExtra(c model.Config) string {
	var parts []string
	if c.Calls == model.CallsAny {
		parts = append(parts, "calls any")
	}
	var never []string
	for _, s := range []model.Side{model.A, model.B} {
		if c.NeverClose[s] {
			never = append(never, model.SideName(c.Open, s))
		}
	}
	if len(never) > 0 {
		verb := " never closes"
		if len(never) > 1 {
			verb = " never close"
		}
		parts = append(parts, strings.Join(never, " and ")+verb)
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

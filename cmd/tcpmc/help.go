package main

import (
	"fmt"
	"strings"

	"github.com/tcpmc/tcpmc/properties"
)

// propertyHelp lists the properties -property takes, for -h; with
// liveness false, only the safety properties (random runs cannot show
// the others, nor a state no run reaches).
func propertyHelp(liveness bool) string {
	var b strings.Builder
	b.WriteString("\n\nproperties (-property):\n")
	for _, p := range properties.Catalog() {
		if p.Kind != properties.Safety && !liveness {
			continue
		}
		fmt.Fprintf(&b, "  %-22s %-8s %s\n", p.Name, p.Kind, p.Description)
	}
	return strings.TrimRight(b.String(), "\n")
}

const checkExits = `

exit status: 0 every property holds; 1 a property is violated; 2 bad usage
or input; 3 a limit or Ctrl-C stopped the search before it finished and
nothing was violated. With -expected: 0 every verdict is the one the
variant states (a property it says nothing about must hold), 1 one
differs, 3 none differs but some are unknown.`

const simulateExits = `

exit status: 0 no run found a violation; 1 one did; 2 bad usage or input;
3 -timeout or Ctrl-C stopped the runs first and none found a violation.`

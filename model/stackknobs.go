package model

import "strings"

// Knobs for choices real stacks make where RFC 9293 says otherwise or
// leaves the choice open, each with the setting that selects it.

// synFinKnob: FreeBSD's net.inet.tcp.drop_synfin. A SYN with FIN is
// legal (RFC 9293 3.10.7.2 and 3.10.7.3 process the SYN and queue the
// rest), but has been used to fingerprint stacks; with the sysctl at 1
// FreeBSD drops such a segment on a listening socket (tcp_input.c), in
// TIME-WAIT (tcp_timewait.c, tcp_twcheck) and, as its tcp-testsuite shows
// (state-event-engine/rcv-syn-fin-syn-sent), in SYN-SENT.
var synFinKnob = Knob{Name: "syn-fin", Doc: "what LISTEN, SYN-SENT and TIME-WAIT do with a segment carrying both SYN and FIN", Values: []KnobValue{
	{Value: "process", Doc: "as any SYN: the SYN is processed and the FIN with it, or a challenge ACK in TIME-WAIT (RFC 9293 3.10.7.2 to 3.10.7.4)"},
	{Value: "drop", Doc: "dropped without a reply (FreeBSD, net.inet.tcp.drop_synfin=1)",
		Add: []RuleAddition{{Before: "listen.rcv-rst", Rule: Rule{Name: "unsynchronized.rcv-syn-fin", Section: "FreeBSD net.inet.tcp.drop_synfin",
			In: "LISTEN, SYN-SENT, TIME-WAIT", On: "segment 1", If: "SYN && FIN",
			Why: "a segment with both SYN and FIN is dropped without a reply"}}}},
}}

func init() { knobs = append(knobs, synFinKnob) }

// WithKnobs is a built-in variant with some knobs set, resolved without
// the dead-rule check (Spec.Resolve's) that a variant file gets: the
// knobs' rules are checked by the tests.
func WithKnobs(base string, settings ...Setting) (*Variant, error) {
	var names []string
	for _, s := range settings {
		names = append(names, s.Name+": "+s.Value)
	}
	s := &Spec{Name: base + " (" + strings.Join(names, ", ") + ")", Base: base, Knobs: settings}
	return s.resolve(Builtin, false)
}

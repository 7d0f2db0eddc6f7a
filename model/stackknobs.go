package model

import "strings"

// Knobs for choices real stacks make where RFC 9293 says otherwise or
// leaves the choice open, each with the setting that selects it.

// synFinKnob: FreeBSD's net.inet.tcp.drop_synfin. A SYN with FIN is
// legal (RFC 9293 3.10.7.2 and 3.10.7.3 process the SYN and queue the
// rest), but has been used to fingerprint stacks and slip past filters;
// FreeBSD drops such a segment in LISTEN and SYN-SENT when the sysctl is
// 1, as its tcp-testsuite (state-event-engine/rcv-syn-fin-*) shows.
var synFinKnob = Knob{Name: "syn-fin", Doc: "what LISTEN and SYN-SENT do with a segment carrying both SYN and FIN", Values: []KnobValue{
	{Value: "process", Doc: "the SYN is processed, the FIN with it (RFC 9293 3.10.7.2, 3.10.7.3)"},
	{Value: "drop", Doc: "dropped without a reply (FreeBSD, net.inet.tcp.drop_synfin=1)",
		Add: []RuleAddition{{Before: "listen.rcv-rst", Rule: Rule{Name: "unsynchronized.rcv-syn-fin", Section: "FreeBSD net.inet.tcp.drop_synfin",
			In: "LISTEN, SYN-SENT", On: "segment 1", If: "SYN && FIN",
			Why: "a segment with both SYN and FIN is dropped before a connection exists"}}}},
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

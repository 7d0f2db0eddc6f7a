package model

import (
	"slices"
	"strings"
)

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

// timeWaitAckKnob: FreeBSD's TIME-WAIT (tcp_timewait.c, tcp_twcheck)
// acknowledges every acceptable segment but a duplicate ACK (at RCV.NXT,
// acknowledging SND.NXT, without text), and never advances RCV.NXT: a
// FIN at RCV.NXT is acknowledged as the retransmitted FIN would be. RFC
// 9293 3.10.7.4 lets such segments pass ("the only thing that can arrive
// in this state is a retransmission of the remote FIN") and advances
// RCV.NXT over a FIN (eighth step).
var timeWaitAckKnob = Knob{Name: "time-wait-ack", Doc: "which acceptable segments TIME-WAIT acknowledges", Values: []KnobValue{
	{Value: "rfc9293", Doc: "only a FIN, and RCV.NXT advances over it (RFC 9293 3.10.7.4)"},
	{Value: "freebsd", Doc: "every segment but a duplicate ACK, RCV.NXT unchanged (FreeBSD, tcp_twcheck)",
		Change: []RuleChange{change("time-wait.rcv-ack", "if", "!FIN && SEG.TEXT == 0 && SEG.SEQ == RCV.NXT && SEG.ACK == SND.NXT",
			"why", "a duplicate ACK passes; any other segment is acknowledged (FreeBSD tcp_twcheck)")},
		Add: []RuleAddition{
			{After: "time-wait.rcv-ack", Rule: Rule{Name: "time-wait.rcv-other", Section: "FreeBSD tcp_twcheck",
				In: "TIME-WAIT", On: "segment 5", If: "!FIN", Send: "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>",
				Why: "FreeBSD acknowledges every segment in TIME-WAIT but a duplicate ACK"}},
			{Before: "fin-received.rcv-fin", Rule: Rule{Name: "time-wait.rcv-fin", Section: "FreeBSD tcp_twcheck",
				In: "TIME-WAIT", On: "segment 8", If: "FIN", Send: "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>",
				Why: "FreeBSD acknowledges a FIN in TIME-WAIT without advancing RCV.NXT"}},
		}},
}}

func init() { knobs = append(knobs, synFinKnob, timeWaitAckKnob) }

// WithKnobs is a variant with some knobs set as well, resolved without the
// dead-rule check (Spec.Resolve's) that a variant file gets. A knob the
// variant already sets to the same value is left as it is; to another
// value, it is an error.
func WithKnobs(v *Variant, settings ...Setting) (*Variant, error) {
	s := &Spec{Name: v.Name, Base: v.Name}
	if v.Spec != nil {
		c := *v.Spec
		c.Knobs = append([]Setting(nil), v.Spec.Knobs...)
		s = &c
	}
	var names []string
	for _, set := range settings {
		names = append(names, set.Name+": "+set.Value)
		if !slices.ContainsFunc(s.Knobs, func(k Setting) bool { return k == Setting{Name: set.Name, Value: set.Value, Line: k.Line} }) {
			s.Knobs = append(s.Knobs, set)
		}
	}
	s.Name = v.Name + " (" + strings.Join(names, ", ") + ")"
	return s.resolve(Builtin, false)
}

package model

// The knobs of RFC 793's handling of RST and SYN in synchronized states,
// beside RFC 5961's that rfc9293 takes: what a blind attacker's forged
// segment can do depends on them (see attack.go).

// synchronizedBeforeTimeWait: the states of RFC 793's "connection reset"
// on a RST; TIME-WAIT has a knob of its own (time-wait-rst).
const synchronizedBeforeTimeWait = "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK"

var rstKnob = Knob{Name: "rst", Doc: "what a RST in the window does in a synchronized state before TIME-WAIT (TIME-WAIT has time-wait-rst)", Values: []KnobValue{
	{Value: "rfc5961", Doc: "only a RST exactly at RCV.NXT resets the connection; one elsewhere in the window gets a challenge ACK (RFC 9293 3.10.7.4, RFC 5961 section 3.2)"},
	{Value: "rfc793", Doc: "any RST in the window resets the connection (RFC 793 section 3.9, SEGMENT ARRIVES, second check the RST bit)",
		Add: []RuleAddition{{Before: "any.rcv-rst-in-window", Rule: Rule{Name: "synchronized.rcv-rst-in-window", Section: "RFC 793 3.9",
			In: synchronizedBeforeTimeWait, On: "segment 2", If: "RST && SEG.SEQ != RCV.NXT",
			Next: "CLOSED", Label: "rcv RST / delete TCB",
			Why: "RFC 793: a RST anywhere in the window resets the connection, so a blind attacker needs only to hit the window"}}}},
}}

var synKnob = Knob{Name: "syn", Doc: "what a SYN in the window does in a synchronized state", Values: []KnobValue{
	{Value: "rfc5961", Doc: "any SYN gets a challenge ACK, the connection stays (RFC 9293 3.10.7.4, RFC 5961 section 4.2)"},
	{Value: "rfc793", Doc: "a SYN in the window is an error: the connection is reset and a RST sent (RFC 793 section 3.9, SEGMENT ARRIVES, fourth check the SYN bit)",
		Add: []RuleAddition{
			{Before: "any.rcv-syn", Rule: Rule{Name: "synchronized.rcv-syn", Section: "RFC 793 3.9, 3.4",
				In: "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT", On: "segment 4", If: "SYN && !ACK",
				Send: "<SEQ=0><ACK=SEG.SEQ + SEG.LEN><CTL=RST,ACK>", Next: "CLOSED", Label: "rcv SYN / snd RST, delete TCB",
				Why: "RFC 793: a SYN in the window is an error; the reset is formed as RFC 793 section 3.4 forms one for a segment without ACK"}},
			{Before: "any.rcv-syn", Rule: Rule{Name: "synchronized.rcv-syn-ack", Section: "RFC 793 3.9, 3.4",
				In: "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT", On: "segment 4", If: "SYN",
				Send: "<SEQ=SEG.ACK><CTL=RST>", Next: "CLOSED", Label: "rcv SYN / snd RST, delete TCB",
				Why: "RFC 793: a SYN in the window is an error; the reset takes its sequence number from the segment's ACK field (section 3.4)"}},
		}},
	// FreeBSD's net.inet.tcp.insecure_syn=1 (tcp_input.c: a SYN in the
	// window calls tcp_drop(tp, ECONNRESET), whose tcp_output sends the
	// RST,ACK of a closed TCB at SND.NXT acknowledging RCV.NXT). TIME-WAIT
	// never gets there: tcp_twcheck handles it (see time-wait-ack).
	{Value: "freebsd", Doc: "a SYN in the window drops the connection with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>; TIME-WAIT as rfc5961 (FreeBSD, net.inet.tcp.insecure_syn=1)",
		Add: []RuleAddition{
			{Before: "any.rcv-syn", Rule: Rule{Name: "synchronized.rcv-syn-drop", Section: "FreeBSD net.inet.tcp.insecure_syn",
				In: synchronizedBeforeTimeWait, On: "segment 4", If: "SYN",
				Send: "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>", Next: "CLOSED", Label: "rcv SYN / snd RST, delete TCB",
				Why: "FreeBSD with insecure_syn: a SYN in the window drops the connection (tcp_drop), as RFC 793 did"}},
		}},
}}

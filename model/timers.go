package model

// Timers real stacks have beyond RFC 9293's retransmission and TIME-WAIT
// timers, as knobs, and the built-in variants that use them.

var timerKnobs = []Knob{
	{Name: "keep-alive", Doc: "whether an idle connection is probed (RFC 9293 3.8.4, MAY-5)", Values: []KnobValue{
		{Value: "off", Doc: "no keep-alives: the default RFC 9293 requires (MUST-25); a half-open connection with nothing to send is never found out"},
		{Value: "on", Doc: "an idle connection (nothing unacknowledged, nothing heard for the interval: here, nothing in flight) sends a probe with SEG.SEQ = SND.NXT-1, which the peer answers with an ACK, or with a RST if it has lost the connection",
			Add: []RuleAddition{{Rule: Rule{Name: "keep-alive.probe", Section: "3.8.4",
				In: "ESTABLISHED, FIN-WAIT-2, CLOSE-WAIT", On: "keep-alive timeout", If: "SND.UNA == SND.NXT && NET.QUIET",
				Send: "<SEQ=SND.NXT - 1><ACK=RCV.NXT><CTL=ACK>", Label: "idle / snd probe",
				Why: "only when no sent data is outstanding and nothing was received within the interval (MUST-26), which is at least two hours (MUST-28), longer than any segment lives"}}}},
	}},
	{Name: "user-timeout", Doc: "whether the user timeout can abort a connection before the retry limit (RFC 9293 3.8.3, 3.10.8; RFC 5482)", Values: []KnobValue{
		{Value: "off", Doc: "a connection fails only when a segment has been retransmitted up to the retry limit R2 and nothing sent can still arrive (3.8.3 (c))"},
		{Value: "on", Doc: "the user timeout may also expire whenever sent data is unacknowledged, before the retry limit and while segments are still in flight: the TCB is deleted (3.10.8 USER TIMEOUT)",
			Add: []RuleAddition{{After: "give-up", Rule: Rule{Name: "user-timeout.expires", Section: "3.10.8",
				In: "SYN-SENT, SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, CLOSE-WAIT, CLOSING, LAST-ACK", On: "user timeout",
				If: "SND.UNA != SND.NXT", Next: "CLOSED", Label: "user timeout / delete TCB",
				Why: "sent data has gone unacknowledged for the user timeout: \"error: connection aborted due to user timeout\", whatever the retry count"}}}},
	}},
	{Name: "fin-wait-2-timeout", Doc: "whether FIN-WAIT-2 ends without the peer's FIN (RFC 9293: never; Linux: net.ipv4.tcp_fin_timeout)", Values: []KnobValue{
		{Value: "none", Doc: "FIN-WAIT-2 waits for the peer's FIN for ever (RFC 9293 has no FIN-WAIT-2 timer)"},
		{Value: "linux", Doc: "as Linux does for a connection its application has closed: FIN-WAIT-2 is deleted after tcp_fin_timeout (60 s by default), even if the peer's FIN is on its way; a late FIN then meets no connection and is answered with a RST",
			Add: []RuleAddition{{After: "time-wait.timeout", Rule: Rule{Name: "fin-wait-2.timeout", Section: "Linux tcp_fin_timeout (RFC 9293: none)",
				In: "FIN-WAIT-2", On: "fin-wait-2 timeout", Next: "CLOSED", Label: "timeout / delete TCB",
				Why: "the application has closed and the peer's FIN has not come within tcp_fin_timeout"}}}},
	}},
}

// crashConfig is where a host's crash leaves a half-open connection: the
// server's host crashes once, the client sends nothing and may find itself
// in ESTABLISHED or FIN-WAIT-2 opposite a server that forgot it.
var crashConfig = settings("crash", "server", "data", "0", "incarnations", "1", "close", "client")

const (
	whyCrashHalfOpen = "right after the crash the client holds a connection the server has forgotten, with nothing in flight (RFC 9293 3.5.2): that state exists whatever timers the client has; a timer can only end it later"
	whyFinWait2Hang  = "the server's host crashes after acknowledging the client's FIN: the client waits in FIN-WAIT-2 for a FIN that never comes, since RFC 9293 has neither a FIN-WAIT-2 timer nor keep-alives by default (3.8.4, MUST-25)"
)

var timerSpecs = []*Spec{
	{Name: "no-keepalive", Description: "keep-alives off (RFC 9293's default) where a crash leaves a half-open connection",
		Knobs:  knob("keep-alive", "off"),
		Config: crashConfig,
		Expect: expect("the knob is RFC 9293's default and changes nothing; of what the crash leaves, only the hang of an idle client shows",
			"no-half-open", whyCrashHalfOpen,
			"no-deadlock", whyFinWait2Hang+"; once nothing else can happen the state has no successor",
			"eventually-closed", whyFinWait2Hang+", although both applications have closed (a crashed host counts as closed)",
			"no-half-open-stuck", whyFinWait2Hang+": the client stays synchronized for ever opposite a server with no connection")},
	{Name: "keepalive", Description: "keep-alives on: an idle connection is probed (RFC 9293 3.8.4)",
		Knobs:  knob("keep-alive", "on"),
		Config: crashConfig,
		Expect: expect("a probe only draws an ACK from a live peer, and a RST at the client's RCV.NXT from the crashed server's host, which has forgotten the connection: the half-open connection is reset (3.5.2), so none is kept for ever, and nothing else changes",
			"no-half-open", whyCrashHalfOpen)},
	{Name: "linux-fin-timeout", Description: "FIN-WAIT-2 ends after Linux's tcp_fin_timeout",
		Knobs:  knob("fin-wait-2-timeout", "linux"),
		Config: crashConfig,
		Expect: expect("FIN-WAIT-2, the only state in which the client waits with nothing to send, now ends: the hang after the crash is gone",
			"no-half-open", whyCrashHalfOpen+"; moreover the client's FIN-WAIT-2 can time out while the server is in CLOSE-WAIT with nothing in flight",
			"orderly-release", "the price of the timer: the client's FIN-WAIT-2 times out while a segment of the server's is still on its way (its FIN, or an ACK the network delayed); that late segment meets no connection and is answered with a RST, which resets the server instead of the FIN exchange closing it")},
}

func init() {
	knobs = append(knobs, timerKnobs...)
	builtinSpecs = append(builtinSpecs, timerSpecs...)
}

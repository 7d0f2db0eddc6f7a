package model

// The connection-management rules of RFC 9293 section 3.10, one entry per
// case the text distinguishes. Within an event the first rule whose guard
// holds fires; an arriving segment runs through the numbered steps of
// sections 3.10.7.2 to 3.10.7.4 in order, in whatever state the previous
// step left, until a rule returns. Where RFC 9293 leaves a choice, these
// rules take RFC 5961's challenge ACKs for a RST or SYN in a synchronized
// state (its sections 3 and 4, folded into section 3.10.7.4), as current
// stacks do; its check of the ACK range (section 5, MAY-12) is not
// modelled. Data and FIN are sent only within the send window, which is
// the peer's fixed RCV.WND.

const (
	// States in which an arriving segment goes through section 3.10.7.4.
	otherStates = "SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT"
	// States in which segment text is delivered.
	textStates = "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2"

	bareACK = "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"
	finACK  = "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK>"
)

var rfc9293Macros = []Macro{
	{Name: "ACCEPTABLE", Why: "Table 6 of section 3.10.7.4 for a window larger than zero, read literally: as Appendix A.2 notes, it can drop an ACK sent from the right edge of a full window",
		Expr: "SEG.LEN == 0 && RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND || " +
			"SEG.LEN > 0 && (RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND || RCV.NXT =< SEG.SEQ + SEG.LEN - 1 < RCV.NXT + RCV.WND)"},
}

var rfc9293Rules = []Rule{
	// --- user calls ---
	{Name: "closed.open-passive", Section: "3.10.1", In: "CLOSED", On: "OPEN passive",
		Next: "LISTEN", Label: "passive OPEN / create TCB"},
	{Name: "closed.open-active", Section: "3.10.1", In: "CLOSED", On: "OPEN active",
		Do: "ISS := ISN; SND.UNA := ISS; SND.NXT := ISS + 1", Send: "<SEQ=ISS><CTL=SYN>",
		Next: "SYN-SENT", Label: "active OPEN / snd SYN"},
	{Name: "listen.open-active", Section: "3.10.1", In: "LISTEN", On: "OPEN active",
		Do: "ISS := ISN; SND.UNA := ISS; SND.NXT := ISS + 1", Send: "<SEQ=ISS><CTL=SYN>",
		Next: "SYN-SENT", Label: "active OPEN / snd SYN", Why: "a passive connection turns active"},
	{Name: "established.send", Section: "3.10.2", In: "ESTABLISHED, CLOSE-WAIT", On: "SEND",
		If: "SND.NXT < SND.UNA + SND.WND", Do: "send; SND.NXT := SND.NXT + 1", Send: "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK><DATA>",
		Why: "one octet per segment, with a piggybacked acknowledgment; beyond the send window the SEND waits"},
	{Name: "listen.close", Section: "3.10.4", In: "LISTEN", On: "CLOSE",
		Next: "CLOSED", Label: "CLOSE / delete TCB"},
	{Name: "syn-sent.close", Section: "3.10.4", In: "SYN-SENT", On: "CLOSE",
		Next: "CLOSED", Label: "CLOSE / delete TCB"},
	{Name: "syn-received.close", Section: "3.10.4", If: "SND.NXT < SND.UNA + SND.WND", In: "SYN-RECEIVED", On: "CLOSE",
		Do: "send; SND.NXT := SND.NXT + 1", Send: finACK, Next: "FIN-WAIT-1", Label: "CLOSE / snd FIN",
		Why: "no data is waiting to be sent, so the FIN goes at once"},
	{Name: "established.close", Section: "3.10.4", If: "SND.NXT < SND.UNA + SND.WND", In: "ESTABLISHED", On: "CLOSE",
		Do: "send; SND.NXT := SND.NXT + 1", Send: finACK, Next: "FIN-WAIT-1", Label: "CLOSE / snd FIN"},
	{Name: "close-wait.close", Section: "3.10.4", If: "SND.NXT < SND.UNA + SND.WND", In: "CLOSE-WAIT", On: "CLOSE",
		Do: "send; SND.NXT := SND.NXT + 1", Send: finACK, Next: "LAST-ACK", Label: "CLOSE / snd FIN"},
	{Name: "unsynchronized.abort", Section: "3.10.5", In: "LISTEN, SYN-SENT", On: "ABORT",
		Next: "CLOSED", Label: "ABORT / delete TCB"},
	{Name: "synchronized.abort", Section: "3.10.5", In: "SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT", On: "ABORT",
		Send: "<SEQ=SND.NXT><CTL=RST>", Next: "CLOSED", Label: "ABORT / snd RST"},
	{Name: "closing.abort", Section: "3.10.5", In: "CLOSING, LAST-ACK, TIME-WAIT", On: "ABORT",
		Next: "CLOSED", Label: "ABORT / delete TCB"},

	// --- calls RFC 9293 answers with an error: nothing changes ---
	{Name: "open.exists", Section: "3.10.1", In: "SYN-SENT, SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT", On: "OPEN active",
		Why: "error: connection already exists"},
	{Name: "closed.send", Section: "3.10.2", In: "CLOSED", On: "SEND", Why: "error: connection does not exist"},
	{Name: "listen.send", Section: "3.10.2", In: "LISTEN", On: "SEND",
		Why: "error: remote socket unspecified (the listener accepts any peer, so it cannot turn active)"},
	{Name: "closing.send", Section: "3.10.2", In: "FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK, TIME-WAIT", On: "SEND",
		Why: "error: connection closing"},
	{Name: "closed.close", Section: "3.10.4", In: "CLOSED", On: "CLOSE", Why: "error: connection does not exist"},
	{Name: "closing.close", Section: "3.10.4", In: "FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK, TIME-WAIT", On: "CLOSE",
		Why: "error: connection closing (in FIN-WAIT-1 and FIN-WAIT-2 \"strictly speaking\" an error; no second FIN)"},
	{Name: "closed.abort", Section: "3.10.5", In: "CLOSED", On: "ABORT", Why: "error: connection does not exist"},

	// --- segment arrives: CLOSED (3.10.7.1) ---
	{Name: "closed.rcv-rst", Section: "3.10.7.1", In: "CLOSED", On: "segment 1", If: "RST",
		Why: "an incoming RST is discarded"},
	{Name: "closed.rcv-no-ack", Section: "3.10.7.1", In: "CLOSED", On: "segment 1", If: "!ACK",
		Send: "<SEQ=0><ACK=SEG.SEQ + SEG.LEN><CTL=RST,ACK>", Why: "no connection: reset the sender"},
	{Name: "closed.rcv-ack", Section: "3.10.7.1", In: "CLOSED", On: "segment 1",
		Send: "<SEQ=SEG.ACK><CTL=RST>", Why: "no connection: reset the sender"},

	// --- LISTEN (3.10.7.2) ---
	{Name: "listen.rcv-rst", Section: "3.10.7.2", In: "LISTEN", On: "segment 1", If: "RST",
		Why: "a RST cannot answer anything this incarnation sent"},
	{Name: "listen.rcv-ack", Section: "3.10.7.2", In: "LISTEN", On: "segment 2", If: "ACK",
		Send: "<SEQ=SEG.ACK><CTL=RST>", Why: "any acknowledgment is bad in LISTEN"},
	{Name: "listen.rcv-syn", Section: "3.10.7.2", In: "LISTEN", On: "segment 3", If: "SYN",
		Do:   "RCV.NXT := SEG.SEQ + 1; IRS := SEG.SEQ; ISS := ISN; SND.NXT := ISS + 1; SND.UNA := ISS; PASSIVE := true",
		Send: "<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>", Next: "SYN-RECEIVED", Label: "rcv SYN / snd SYN,ACK"},
	{Name: "listen.rcv-other", Section: "3.10.7.2", In: "LISTEN", On: "segment 4",
		Why: "should not be reached: drop"},

	// --- SYN-SENT (3.10.7.3) ---
	{Name: "syn-sent.rcv-bad-ack", Section: "3.10.7.3", In: "SYN-SENT", On: "segment 1",
		If: "ACK && (SEG.ACK =< ISS || SEG.ACK > SND.NXT) && !RST", Send: "<SEQ=SEG.ACK><CTL=RST>",
		Why: "the ACK is for something this SYN did not send: an old duplicate or a half-open peer"},
	{Name: "syn-sent.rcv-bad-ack-rst", Section: "3.10.7.3", In: "SYN-SENT", On: "segment 1",
		If: "ACK && (SEG.ACK =< ISS || SEG.ACK > SND.NXT)", Why: "a RST with an unacceptable ACK is dropped"},
	{Name: "syn-sent.rcv-rst", Section: "3.10.7.3", In: "SYN-SENT", On: "segment 2", If: "RST && ACK",
		Next: "CLOSED", Label: "rcv RST / delete TCB", Why: "connection refused"},
	{Name: "syn-sent.rcv-rst-no-ack", Section: "3.10.7.3", In: "SYN-SENT", On: "segment 2", If: "RST",
		Why: "a RST without an acceptable ACK is dropped"},
	{Name: "syn-sent.rcv-syn-ack", Section: "3.10.7.3", In: "SYN-SENT", On: "segment 4", If: "SYN && ACK",
		Do:   "RCV.NXT := SEG.SEQ + 1; IRS := SEG.SEQ; SND.UNA := SEG.ACK; RETRIES := 0",
		Send: bareACK, Next: "ESTABLISHED", Label: "rcv SYN,ACK / snd ACK",
		Why: "the ACK passed the first step, so it acknowledges our SYN"},
	{Name: "syn-sent.rcv-syn", Section: "3.10.7.3", In: "SYN-SENT", On: "segment 4", If: "SYN",
		Do:   "RCV.NXT := SEG.SEQ + 1; IRS := SEG.SEQ; PASSIVE := false",
		Send: "<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>", Next: "SYN-RECEIVED", Label: "rcv SYN / snd SYN,ACK",
		Why: "simultaneous open"},
	{Name: "syn-sent.rcv-other", Section: "3.10.7.3", In: "SYN-SENT", On: "segment 5",
		Why: "neither SYN nor RST: drop"},

	// --- other states (3.10.7.4), first: sequence number ---
	{Name: "syn-received.rcv-syn-ack", Section: "3.5 Figure 7, 3.10.7.4", In: "SYN-RECEIVED", On: "segment 1",
		If: "SYN && ACK && !RST && !PASSIVE && SEG.SEQ == IRS && SND.UNA < SEG.ACK =< SND.NXT",
		Do: "SND.UNA := SEG.ACK; RETRIES := 0", Next: "ESTABLISHED", Label: "rcv SYN,ACK",
		Why: "simultaneous open: the SYN part is old and is trimmed, the new ACK is processed (Figure 7, line 6)"},
	{Name: "syn-received.rcv-syn-ack-bad", Section: "3.5.2, 3.10.7.4", In: "SYN-RECEIVED", On: "segment 1",
		If: "SYN && ACK && !RST && SEG.SEQ == IRS", Send: "<SEQ=SEG.ACK><CTL=RST>",
		Why: "the same trimmed segment acknowledges something not sent: reset it (3.5.2, non-synchronized states)"},
	{Name: "any.rcv-unacceptable", Section: "3.10.7.4", In: otherStates, On: "segment 1", If: "!ACCEPTABLE && !RST",
		Send: bareACK, Why: "outside the window: acknowledge what is expected and drop"},
	{Name: "any.rcv-unacceptable-rst", Section: "3.10.7.4", In: otherStates, On: "segment 1", If: "!ACCEPTABLE",
		Why: "a RST outside the window is dropped"},

	// second: RST
	{Name: "any.rcv-rst-in-window", Section: "3.10.7.4 (RFC 5961)", In: otherStates, On: "segment 2",
		If: "RST && SEG.SEQ != RCV.NXT", Send: bareACK,
		Why: "a RST in the window but not at RCV.NXT gets a challenge ACK"},
	{Name: "syn-received.rcv-rst-passive", Section: "3.10.7.4", In: "SYN-RECEIVED", On: "segment 2",
		If: "RST && PASSIVE", Next: "LISTEN", Label: "rcv RST",
		Why: "the SYN answered was an old duplicate: go back to LISTEN"},
	{Name: "syn-received.rcv-rst", Section: "3.10.7.4", In: "SYN-RECEIVED", On: "segment 2", If: "RST",
		Next: "CLOSED", Label: "rcv RST / delete TCB", Why: "connection refused"},
	{Name: "synchronized.rcv-rst", Section: "3.10.7.4", In: "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT", On: "segment 2",
		If: "RST", Next: "CLOSED", Label: "rcv RST / delete TCB", Why: "connection reset"},
	{Name: "closing.rcv-rst", Section: "3.10.7.4", In: "CLOSING, LAST-ACK, TIME-WAIT", On: "segment 2",
		If: "RST", Next: "CLOSED", Label: "rcv RST / delete TCB"},

	// fourth: SYN
	{Name: "syn-received.rcv-syn-passive", Section: "3.10.7.4", In: "SYN-RECEIVED", On: "segment 4",
		If: "SYN && PASSIVE", Next: "LISTEN", Label: "rcv SYN",
		Why: "a second SYN in the window: return to LISTEN"},
	{Name: "any.rcv-syn", Section: "3.10.7.4 (RFC 5961)", In: otherStates, On: "segment 4", If: "SYN",
		Send: bareACK, Why: "a SYN in a synchronized state gets a challenge ACK"},

	// fifth: ACK
	{Name: "any.rcv-no-ack", Section: "3.10.7.4", In: otherStates, On: "segment 5", If: "!ACK",
		Why: "a segment without ACK is dropped"},
	{Name: "syn-received.rcv-ack", Section: "3.10.7.4", In: "SYN-RECEIVED", On: "segment 5",
		If: "SND.UNA < SEG.ACK =< SND.NXT", Do: "SND.UNA := SEG.ACK; RETRIES := 0",
		Next: "ESTABLISHED", Then: "continue", Label: "rcv ACK of SYN"},
	{Name: "syn-received.rcv-bad-ack", Section: "3.10.7.4", In: "SYN-RECEIVED", On: "segment 5",
		Send: "<SEQ=SEG.ACK><CTL=RST>", Why: "the ACK does not acknowledge our SYN"},
	{Name: "synchronized.rcv-ack-unsent", Section: "3.10.7.4, 3.5.2", In: "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT", On: "segment 5",
		If: "SEG.ACK > SND.NXT", Send: bareACK, Why: "acknowledges something not yet sent"},
	{Name: "fin-wait-1.rcv-ack-of-fin", Section: "3.10.7.4", In: "FIN-WAIT-1", On: "segment 5",
		If: "SND.UNA < SEG.ACK && SEG.ACK == SND.NXT", Do: "SND.UNA := SEG.ACK; RETRIES := 0",
		Next: "FIN-WAIT-2", Then: "continue", Label: "rcv ACK of FIN"},
	{Name: "closing.rcv-ack-of-fin", Section: "3.10.7.4", In: "CLOSING", On: "segment 5",
		If: "SND.UNA < SEG.ACK && SEG.ACK == SND.NXT", Do: "SND.UNA := SEG.ACK; RETRIES := 0",
		Next: "TIME-WAIT", Then: "continue", Label: "rcv ACK of FIN"},
	{Name: "closing.rcv-ack-of-data", Section: "3.10.7.4", In: "CLOSING", On: "segment 5",
		If: "SND.UNA < SEG.ACK =< SND.NXT", Do: "SND.UNA := SEG.ACK; RETRIES := 0",
		Why: "as in ESTABLISHED; the segment is otherwise ignored"},
	{Name: "closing.rcv-ack-other", Section: "3.10.7.4", In: "CLOSING", On: "segment 5",
		Why: "an ACK that acknowledges nothing new is ignored"},
	{Name: "last-ack.rcv-ack-of-fin", Section: "3.10.7.4", In: "LAST-ACK", On: "segment 5",
		If: "SEG.ACK == SND.NXT", Next: "CLOSED", Label: "rcv ACK of FIN / delete TCB"},
	// RFC 9293 expects only the FIN's acknowledgment in LAST-ACK, but data
	// sent in CLOSE-WAIT just before the FIN can be acknowledged separately.
	// Read literally, such an ACK is ignored, SND.UNA stays on the data, the
	// FIN is never retransmitted, and one lost FIN leaves the peer in
	// FIN-WAIT-2 for ever. The intent is ESTABLISHED's processing, as for
	// CLOSING.
	{Name: "last-ack.rcv-ack-of-data", Section: "3.10.7.4 (as ESTABLISHED)", In: "LAST-ACK", On: "segment 5",
		If: "SND.UNA < SEG.ACK =< SND.NXT", Do: "SND.UNA := SEG.ACK; RETRIES := 0",
		Why: "data sent before the FIN is acknowledged: the FIN is now first to retransmit"},
	{Name: "last-ack.rcv-ack-other", Section: "3.10.7.4", In: "LAST-ACK", On: "segment 5", If: "SEG.TEXT == 0 && !FIN",
		Why: "an ACK that acknowledges nothing new is ignored"},
	{Name: "time-wait.rcv-ack", Section: "3.10.7.4", In: "TIME-WAIT", On: "segment 5", If: "!FIN",
		Why: "only a retransmitted FIN is expected in TIME-WAIT"},
	{Name: "synchronized.rcv-ack", Section: "3.10.7.4", In: "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT", On: "segment 5",
		If: "SND.UNA < SEG.ACK =< SND.NXT", Do: "SND.UNA := SEG.ACK; RETRIES := 0", Then: "continue",
		Why: "new data acknowledged"},
	{Name: "synchronized.rcv-dup-ack", Section: "3.10.7.4", In: "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT", On: "segment 5",
		If: "SEG.TEXT == 0 && !FIN", Why: "a duplicate ACK (SEG.ACK =< SND.UNA) with nothing else in the segment is ignored"},

	// seventh: segment text
	{Name: "synchronized.rcv-text", Section: "3.10.7.4", In: textStates, On: "segment 7",
		If: "SEG.TEXT > 0 && SEG.SEQ == RCV.NXT", Do: "deliver; RCV.NXT := RCV.NXT + SEG.TEXT",
		Send: bareACK, Then: "continue"},
	{Name: "synchronized.rcv-text-ahead", Section: "3.10.7.4", In: textStates, On: "segment 7",
		If: "SEG.TEXT > 0", Send: bareACK,
		Why: "in the window but beyond RCV.NXT: acknowledge RCV.NXT (MAY-13); not held for later"},

	{Name: "fin-received.rcv-text", Section: "3.10.7.4", In: "CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT", On: "segment 7",
		If: "SEG.TEXT > 0", Then: "continue", Why: "cannot occur after the peer's FIN: the text is ignored"},

	// eighth: FIN
	{Name: "any.rcv-fin-ahead", Section: "3.10.7.4", In: otherStates, On: "segment 8",
		If: "FIN && SEG.SEQ + SEG.TEXT != RCV.NXT", Send: bareACK,
		Why: "a FIN beyond missing data cannot be processed yet"},
	{Name: "established.rcv-fin", Section: "3.10.7.4", In: "ESTABLISHED", On: "segment 8", If: "FIN",
		Do: "RCV.NXT := RCV.NXT + 1", Send: bareACK, Next: "CLOSE-WAIT", Label: "rcv FIN / snd ACK"},
	{Name: "fin-wait-1.rcv-fin", Section: "3.10.7.4", In: "FIN-WAIT-1", On: "segment 8", If: "FIN",
		Do: "RCV.NXT := RCV.NXT + 1", Send: bareACK, Next: "CLOSING", Label: "rcv FIN / snd ACK",
		Why: "our FIN is not yet acknowledged: simultaneous close"},
	{Name: "fin-wait-2.rcv-fin", Section: "3.10.7.4", In: "FIN-WAIT-2", On: "segment 8", If: "FIN",
		Do: "RCV.NXT := RCV.NXT + 1", Send: bareACK, Next: "TIME-WAIT", Label: "rcv FIN / snd ACK"},
	{Name: "fin-received.rcv-fin", Section: "3.10.7.4", In: "CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT", On: "segment 8",
		If: "FIN", Do: "RCV.NXT := RCV.NXT + 1", Send: bareACK,
		Why: "remain in the state; in TIME-WAIT the 2 MSL wait restarts"},

	// --- timeouts (3.10.8) ---
	{Name: "syn-sent.retransmit", Section: "3.10.8", In: "SYN-SENT", On: "retransmission timeout",
		If: "RETRIES < RETRY.LIMIT", Do: "RETRIES := RETRIES + 1", Send: "<SEQ=ISS><CTL=SYN>",
		Label: "timeout / snd SYN"},
	{Name: "syn-ack.retransmit", Section: "3.10.8", In: "SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, CLOSE-WAIT, CLOSING, LAST-ACK", On: "retransmission timeout",
		If: "SND.UNA == ISS && RETRIES < RETRY.LIMIT", Do: "RETRIES := RETRIES + 1",
		Send: "<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>", Label: "timeout / snd SYN,ACK",
		Why: "our SYN is at the front of the queue until acknowledged (FIN-WAIT-1 after a CLOSE in SYN-RECEIVED; the other states only in variants that synchronize early)"},
	{Name: "data.retransmit", Section: "3.10.8", In: "ESTABLISHED, CLOSE-WAIT", On: "retransmission timeout",
		If: "SND.UNA != ISS && SND.UNA != SND.NXT && RETRIES < RETRY.LIMIT", Do: "RETRIES := RETRIES + 1",
		Send: "<SEQ=SND.UNA><ACK=RCV.NXT><CTL=ACK><DATA>"},
	{Name: "data-before-fin.retransmit", Section: "3.10.8", In: "FIN-WAIT-1, CLOSING, LAST-ACK", On: "retransmission timeout",
		If: "SND.UNA != ISS && SND.UNA + 1 != SND.NXT && SND.UNA != SND.NXT && RETRIES < RETRY.LIMIT",
		Do: "RETRIES := RETRIES + 1", Send: "<SEQ=SND.UNA><ACK=RCV.NXT><CTL=ACK><DATA>"},
	{Name: "fin.retransmit", Section: "3.10.8", In: "FIN-WAIT-1, CLOSING, LAST-ACK", On: "retransmission timeout",
		If: "SND.UNA != ISS && SND.UNA + 1 == SND.NXT && RETRIES < RETRY.LIMIT", Do: "RETRIES := RETRIES + 1",
		Send: "<SEQ=SND.UNA><ACK=RCV.NXT><CTL=FIN,ACK>", Label: "timeout / snd FIN"},
	{Name: "give-up", Section: "3.8.3, 3.10.8", In: "SYN-SENT, SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, CLOSE-WAIT, CLOSING, LAST-ACK",
		On: "user timeout", If: "SND.UNA != SND.NXT && RETRIES >= RETRY.LIMIT && NET.QUIET",
		Next: "CLOSED", Label: "user timeout / delete TCB",
		Why: "the retry limit is reached and nothing sent can still arrive: the connection fails"},
	{Name: "time-wait.timeout", Section: "3.10.8", In: "TIME-WAIT", On: "time-wait timeout", If: "MSL.ELAPSED",
		Next: "CLOSED", Label: "timeout=2MSL / delete TCB"},
}

package conform

import (
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// Which segments a script may leave out. A stack may delay the ACK of
// data or a FIN it accepted in order (RFC 9293 3.8.6.3, MUST-40 bounds
// the delay, SHLD-19 lets it cover two segments with one ACK), so the
// script need not show it. Every other ACK is required: the answer to an
// unacceptable segment (3.10.7.4), a challenge ACK (RFC 5961), the
// acknowledgment of a retransmitted FIN in TIME-WAIT, the ACK that
// completes a handshake. The runner keeps, for each segment the endpoint
// sent and the script has not taken, whether it is such a delayable ACK.

// delaysACK reports whether an arrival that took the endpoint from before
// to after accepted new data or a FIN in order: the ACK it sends is one a
// stack may delay.
func delaysACK(before, after model.Endpoint) bool {
	switch before.State {
	case model.SynReceived, model.Established, model.FinWait1, model.FinWait2:
		return after.RcvNxt != before.RcvNxt && after.State != model.Closed
	}
	return false
}

// pendingSegment is what the runner knows of a segment the endpoint sent
// and the script has not taken: whether it is an ACK a stack may delay,
// and how the script would have written it when it was sent.
type pendingSegment struct {
	optional bool
	text     string
}

// track records the segments a step sent: optional says they are ACKs a
// stack may delay.
func (r *runner) track(st model.Step, optional bool) {
	pending := len(r.d.Pending())
	keep := max(0, pending-int(st.NOut))
	if keep < len(r.pending) {
		r.pending = r.pending[len(r.pending)-keep:] // the oldest were dropped
	}
	for _, seg := range st.Sent() {
		r.pending = append(r.pending, pendingSegment{optional && pureACK(seg), r.render(seg)})
	}
	if len(r.pending) > pending {
		r.pending = r.pending[len(r.pending)-pending:]
	}
}

// The notifications RFC 9293 gives the user when a connection ends other
// than by its close, and the error a socket reports for each.
const (
	connectionReset   = "ECONNRESET"   // 3.10.7.4: "connection reset"
	connectionRefused = "ECONNREFUSED" // 3.10.7.3, 3.10.7.4: "connection refused"
	connectionTimeout = "ETIMEDOUT"    // 3.8.3: retransmission gave up
)

// resetNotice is what a RST that deleted the TCB tells the user, by the
// state it arrived in: refused before the connection was established from
// an active OPEN (SYN-SENT; SYN-RECEIVED from SYN-SENT), reset in a
// synchronized state where the user may still send or receive, nothing in
// CLOSING, LAST-ACK and TIME-WAIT (3.10.7.4: "enter the CLOSED state,
// delete the TCB, and return").
func resetNotice(before model.Endpoint) string {
	switch before.State {
	case model.SynSent:
		return connectionRefused
	case model.SynReceived:
		if !before.Passive() {
			return connectionRefused
		}
	case model.Established, model.FinWait1, model.FinWait2, model.CloseWait:
		return connectionReset
	}
	return ""
}

// notify records a notification for the user: the socket's pending error.
func (r *runner) notify(err string) {
	if err != "" {
		r.sockErr = err
		if r.pendingConnect != nil && r.pendingConnect.Call.Errno == err {
			r.pendingConnect, r.sockErr = nil, "" // the blocking connect() reports it
		}
	}
}

// soError checks getsockopt(SO_ERROR): the pending error the script reads
// is the model's last notification, and reading clears it.
func (r *runner) soError(c *Syscall) error {
	want := strings.Trim(c.Args[3], "[] ")
	if want == "0" {
		want = ""
	}
	got := r.sockErr
	r.sockErr = ""
	if got == want {
		return nil
	}
	if got == "" {
		return disagree("getsockopt(SO_ERROR) = %s, but the model notified its user of no error (%s)", c.Args[3], r.d.Endpoint().State)
	}
	return disagree("getsockopt(SO_ERROR) = %s, but the model notified its user of %s", c.Args[3], got)
}

// callError checks a call that fails with an error of the connection
// (reset, refused, timed out) against the model's notification.
func (r *runner) callError(c *Syscall) error {
	switch c.Errno {
	case connectionReset, connectionRefused, connectionTimeout:
	default:
		return nil
	}
	if r.sockErr != c.Errno {
		got := "no error"
		if r.sockErr != "" {
			got = r.sockErr
		}
		return disagree("%s() = -1 %s, but the model notified its user of %s (%s)", c.Name, c.Errno, got, r.d.Endpoint().State)
	}
	r.sockErr = ""
	return nil
}

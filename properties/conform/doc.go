// Package conform checks the model against behaviour nobody on the team
// wrote: packetdrill scripts, run with a model endpoint as the stack under
// test (RunScript), and packet captures of real connections, which the
// model must be able to put on the wire (ReadCapture, CheckCapture).
//
// Both abstract what the model leaves out. Sequence numbers are relative
// to each side's initial sequence number; a segment's payload, whatever
// its length, is one octet of the model (each write or segment of data is
// one octet), so data must be sent in whole segments; windows, options,
// timestamps and timing are read and ignored. Where a stack may legally
// differ from the model without breaking RFC 9293 (delaying or merging a
// pure ACK, setting ACK on a RST), the difference is tolerated and
// counted, never hidden.
//
// A capture is checked by a search over pairs of a model state and the
// number of captured segments explained so far, with the capture point
// between the two channels' senders and receivers: a segment is sent into
// its channel, passes the capture point (where it must equal the next
// captured segment), and only then may arrive. Faults come from the
// model's budgets; the search is ordered by what an explanation assumes
// (delayed ACKs, then losses and duplicates, then reorderings), so the
// explanation printed is the most plausible one. Knowing the host the
// capture was taken on (WireOptions.At) rules out explanations that delay
// segments at that end.
package conform

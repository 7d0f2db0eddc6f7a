// Package conform checks the model against behaviour nobody on the team
// wrote: packetdrill scripts, run with a model endpoint as the stack under
// test, and packet captures of real connections, which the model must be
// able to produce on the wire.
//
// Both abstract what the model leaves out. Sequence numbers are relative
// to each side's initial sequence number; a segment's payload, whatever
// its length, is one octet of the model (each write or segment of data is
// one octet), so data must be sent in whole segments; windows, options,
// timestamps and timing are read and ignored. Where a stack may legally
// differ from the model without breaking RFC 9293 (delaying or merging a
// pure ACK, sending a window update), the difference is tolerated and
// counted, never hidden.
package conform

// Package model is the TCP connection state machine as data, and the small
// world around two endpoints that tcpmc explores.
//
// One endpoint plus one event gives one endpoint plus the segments it
// sends. An Endpoint holds the TCB variables of RFC 9293 section 3.3.1
// that connection management needs (state, ISS, IRS, SND.UNA, SND.NXT,
// RCV.NXT) in a few bytes; an event is an application call (OPEN, SEND,
// CLOSE, ABORT), a timer, or an arriving Segment, which is a 32-bit value
// with control bits, sequence and acknowledgment numbers in a small
// sequence space and one optional data octet. Which rule applies, and what
// it does, is a row of a rule table (Rule): a state, a trigger, a guard,
// an effect, the segment sent and the next state, each written in the
// RFC's own notation and compiled once (CompileTable). RFC9293 is the
// reference table; a Variant changes rows, built in (Builtin) or read
// from a YAML file (LoadVariantFile), and knobs (Knobs) switch choices
// the RFC leaves open.
//
// A State is both endpoints, both channels of the network and the fault
// budget left: a comparable value without pointers, so its bytes are its
// key. A System (NewSystem) adds the applications' workload and the
// faults of Config (loss, duplication, reordering, crashes) and gives the
// labelled successors of a State, which is all the search in package
// explore needs. A Step says what happened on a transition and which
// rules fired; Replay checks a path step by step, and a Driver runs one
// endpoint by hand as a conformance test drives a real stack.
//
// Formulas over the joint state (CompileFormula, PropertySpec) are the
// vocabulary of user properties; the properties themselves and their
// checking live in package properties.
package model

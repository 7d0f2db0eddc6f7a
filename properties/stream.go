package properties

import (
	"fmt"
	"io"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/tcpmc/tcpmc/model"
)

// TCP's promise to applications is a reliable, ordered byte stream each
// way. A StreamHistory records what the applications did with the streams
// (each octet sent, each octet received, with the moments the operation
// began and ended) and CheckStream decides with porcupine whether that
// history is linearizable with respect to one FIFO queue per stream. It is
// a second, independent check of what stream-integrity checks step by
// step, and it applies as well to histories taken from real sockets.

// StreamOp is one application operation on a byte stream: a send of some
// octets, or a receive that returned some.
type StreamOp struct {
	Stream int    // which stream (one connection, one direction)
	Client int    // who acted, for the visualisation
	Send   bool   // a send; otherwise a receive
	Values []int  // the octets, in order (in the model: their identities)
	Call   int64  // when the operation began
	Return int64  // when it ended, >= Call
	Note   string // how the visualisation names the octets
}

// StreamHistory is a set of operations on any number of streams.
type StreamHistory struct {
	Ops     []StreamOp
	Streams map[int]string // names of the streams, for the visualisation
}

// StreamResult is porcupine's verdict.
type StreamResult struct {
	Verdict Verdict // Holds, Violated or Unknown (the timeout expired)
	info    porcupine.LinearizationInfo
	history StreamHistory
}

// streamOp is what porcupine sees of an operation.
type streamOp struct {
	stream int
	send   bool
	values []int
	note   string
}

// fifo is the state of one stream: the octets sent and not yet received,
// oldest first. Steps return new slices: porcupine keeps old states.
type fifo []int

var streamModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		index := map[int]int{}
		var parts [][]porcupine.Operation
		for _, op := range history {
			s := op.Input.(streamOp).stream
			i, ok := index[s]
			if !ok {
				i = len(parts)
				index[s] = i
				parts = append(parts, nil)
			}
			parts[i] = append(parts[i], op)
		}
		return parts
	},
	Init: func() interface{} { return fifo(nil) },
	Step: func(state, input, _ interface{}) (bool, interface{}) {
		q, op := state.(fifo), input.(streamOp)
		if op.send {
			return true, append(append(fifo(nil), q...), op.values...)
		}
		if len(q) < len(op.values) {
			return false, q
		}
		for i, v := range op.values {
			if q[i] != v {
				return false, q
			}
		}
		return true, q[len(op.values):]
	},
	Equal: func(a, b interface{}) bool {
		x, y := a.(fifo), b.(fifo)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	},
	Hash: func(state interface{}) uint64 {
		h := uint64(14695981039346656037)
		for _, v := range state.(fifo) {
			h = (h ^ uint64(v)) * 1099511628211
		}
		return h
	},
	DescribeOperation: func(input, _ interface{}) string {
		op := input.(streamOp)
		if op.send {
			return "send " + op.note
		}
		return "receive " + op.note
	},
	DescribeState: func(state interface{}) string {
		q := state.(fifo)
		if len(q) == 0 {
			return "nothing in the stream"
		}
		return fmt.Sprintf("%d octets in the stream", len(q))
	},
}

// streamTimeout bounds porcupine's search; histories from the model and
// from the tests are small, but the problem is NP-hard in general.
const streamTimeout = 10 * time.Second

// CheckStream checks that h is linearizable with respect to a FIFO queue
// per stream: every octet received was sent on that stream, in order,
// once.
func CheckStream(h StreamHistory) StreamResult {
	ops := make([]porcupine.Operation, len(h.Ops))
	for i, op := range h.Ops {
		ops[i] = porcupine.Operation{ClientId: op.Client, Input: streamOp{op.Stream, op.Send, op.Values, op.Note},
			Call: op.Call, Return: op.Return}
	}
	res, info := porcupine.CheckOperationsVerbose(streamModel, ops, streamTimeout)
	r := StreamResult{Verdict: Unknown, info: info, history: h}
	switch res {
	case porcupine.Ok:
		r.Verdict = Holds
	case porcupine.Illegal:
		r.Verdict = Violated
	}
	return r
}

// WriteHTML writes porcupine's visualisation of the history: one line per
// client, each operation a bar from its call to its return, and the
// longest linearization found.
func (r StreamResult) WriteHTML(w io.Writer) error {
	return porcupine.Visualize(streamModel, r.info, w)
}

// ModelStreamHistory records the applications' use of the streams along a
// trace of the model. An octet is sent at the application's SEND; a
// receive begins when the application starts waiting (its connection
// opened, or its previous octet arrived) and ends at the step that hands
// the octet over. A stream is one direction of one connection as the
// receiving application knows it: a stale octet from an earlier
// connection is a value never sent on it.
func ModelStreamHistory(sys *model.System, tr *Trace) StreamHistory {
	h := StreamHistory{Streams: map[int]string{}}
	n := sys.Config().SeqSpace
	streamOf := func(from model.Side, inc uint8) int {
		id := int(from)*64 + int(inc)
		if _, ok := h.Streams[id]; !ok {
			h.Streams[id] = fmt.Sprintf("%s to %s, connection %d", sys.SideName(from), sys.SideName(from.Other()), inc)
		}
		return id
	}
	value := func(inc, index uint8) int { return int(inc)*8 + int(index) }
	waiting := [2]int64{} // when each application began its current receive
	prev := tr.Start
	for i, ps := range tr.Steps {
		st, now := ps.Step, int64(2*i)
		side := st.Side
		before := prev.Ends[side]
		switch {
		case st.Kind == model.Call && st.Event == model.Send:
			index := uint8((int(before.SndNxt) - int(before.ISS) - 1 + 2*n) % n)
			h.Ops = append(h.Ops, StreamOp{Stream: streamOf(side, before.Inc), Client: int(side), Send: true,
				Values: []int{value(before.Inc, index)}, Call: now, Return: now + 1,
				Note: fmt.Sprintf("octet %d (connection %d)", index, before.Inc)})
		case st.Kind == model.Call && (st.Event == model.OpenActive || st.Event == model.OpenPassive):
			waiting[side] = now
		case st.Delivered:
			seg := st.Seg
			h.Ops = append(h.Ops, StreamOp{Stream: streamOf(side.Other(), before.PeerInc), Client: int(side),
				Values: []int{value(seg.Inc(), seg.ByteIndex())}, Call: waiting[side], Return: now + 1,
				Note: fmt.Sprintf("octet %d (connection %d)", seg.ByteIndex(), seg.Inc())})
			waiting[side] = now + 1
		}
		if st.Relisten {
			waiting[side] = now + 1
		}
		prev = ps.State
	}
	return h
}

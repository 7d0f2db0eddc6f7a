package properties

import "github.com/tcpmc/tcpmc/model"

// Flights follows segment instances through the network along a trace.
// The model's state holds only the segments in each channel, in its
// channel order; Flights keeps the same order with an identity for each
// instance, so that the segment a step delivers, loses or copies (named
// by its position) can be told apart from equal segments sent at other
// times. Charts use it to draw each segment from its sending to its
// arrival; random runs to know a segment's age.
type Flights struct {
	unordered bool
	ch        [2][]flight
}

type flight struct {
	seg model.Segment
	id  int
}

// NewFlights starts with empty channels.
func NewFlights(sys *model.System) *Flights {
	return &Flights{unordered: sys.Config().Unordered}
}

// Apply follows one step: the segment it takes out of the network
// (delivered or lost) is returned, or -1; each segment it puts in (sent,
// or copied by the network) gets its identity from add.
func (f *Flights) Apply(st model.Step, add func(seg model.Segment, copied bool) int) (taken int) {
	taken = -1
	switch st.Kind {
	case model.Deliver:
		taken = f.take(st.Side.Other(), int(st.Pos))
	case model.Lose:
		taken = f.take(st.Side, int(st.Pos))
	case model.Duplicate:
		if int(st.Pos) < len(f.ch[st.Side]) {
			f.push(st.Side, flight{st.Seg, add(st.Seg, true)})
		}
	}
	if st.Kind == model.Call || st.Kind == model.Timeout || st.Kind == model.Deliver || st.Kind == model.Forge {
		for _, seg := range st.Sent() {
			f.push(st.Side, flight{seg, add(seg, false)})
		}
	}
	return taken
}

// At is the identity of the segment at a position of the channel from a
// side, or -1.
func (f *Flights) At(from model.Side, pos int) int {
	if pos < 0 || pos >= len(f.ch[from]) {
		return -1
	}
	return f.ch[from][pos].id
}

// push inserts as the model does: at the end, or in order of segment
// value in an unordered network (after equal ones).
func (f *Flights) push(side model.Side, fl flight) {
	ch := f.ch[side]
	i := len(ch)
	if f.unordered {
		for i > 0 && ch[i-1].seg > fl.seg {
			i--
		}
	}
	f.ch[side] = append(ch[:i], append([]flight{fl}, ch[i:]...)...)
}

func (f *Flights) take(side model.Side, pos int) int {
	ch := f.ch[side]
	if pos >= len(ch) {
		return -1
	}
	id := ch[pos].id
	f.ch[side] = append(ch[:pos:pos], ch[pos+1:]...)
	return id
}

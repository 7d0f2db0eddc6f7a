package conform

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// Verdicts on a captured connection.
const (
	Accepted Verdict = "accepted" // the model can put these segments on the wire
	Rejected Verdict = "rejected" // it cannot: Packet is the first it cannot explain
)

// ConnResult is the verdict on one captured connection.
type ConnResult struct {
	Connection string  `json:"connection"` // "10.9.0.1:54370 > 10.9.0.2:5000": who opened, and to whom
	Verdict    Verdict `json:"verdict"`
	Segments   int     `json:"segments"`
	// Packet and Reason say, for a rejection, which captured packet the
	// model cannot send at that point and why; for a connection outside
	// the model, which construct (with its packet, if one is at fault).
	Packet int    `json:"packet,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Expected lists, for a rejection, the segments the model could have
	// put on the wire next instead, in the capture's relative numbers.
	Expected []string `json:"expected,omitempty"`
	// States lists the states each endpoint went through (client, then
	// server; or A, then B) on the path that explains the capture.
	States [][]string `json:"states,omitempty"`
	// DelayedACKs counts pure ACKs the model sends that are not on the
	// wire: the stack delayed them and merged them into a later segment
	// (RFC 9293 3.8.6.3 allows it). ACKedRSTs counts RSTs that carry an
	// ACK the model's RST does not (the receiver checks only the sequence
	// number of a RST, RFC 9293 3.10.7.4).
	DelayedACKs int `json:"delayed_acks"`
	ACKedRSTs   int `json:"acked_rsts"`
	// The faults and timeouts the explanation needs.
	Losses       int `json:"losses"`
	Duplicates   int `json:"duplicates"`
	Reorderings  int `json:"reorderings"`
	Timeouts     int `json:"timeouts"`
	SearchStates int `json:"search_states"`
	// CapturedAt is the end on whose host the capture was taken, if known.
	CapturedAt string `json:"captured_at,omitempty"`
	// Chart is the accepted explanation as a sequence chart.
	Chart string            `json:"-"`
	Trace *properties.Trace `json:"-"`
	// System is the model the capture was checked against.
	System *model.System `json:"-"`
}

// WireConfig is the model configuration a capture is checked under: the
// workload the capture shows, a large sequence space, Linux's patience
// with retransmissions, and the fault budgets.
func WireConfig(data [2]int, open model.OpenMode, abort [2]bool, faults Faults) model.Config {
	c := model.DefaultConfig()
	c.SeqSpace, c.Window, c.RetryLimit, c.Capacity = 256, 100, 15, model.MaxInFlight
	c.Loss, c.Dup, c.Reorder, c.Crash = faults.Loss, faults.Dup, faults.Reorder, 0
	c.Open, c.Close, c.Data, c.Abort, c.Incarnations = open, model.CloseEither, data, abort, 1
	return c
}

// maxSearchStates bounds the search for one connection: far beyond what
// a short connection needs, far below what exhausts memory.
const maxSearchStates = 1_000_000

// wireView is a connection abstracted to the model's terms.
type wireView struct {
	conn   *Connection
	segs   []WireSegment // with side A the sender of the first bare SYN
	ends   [2]string
	isn    [2]uint32
	hasISN [2]bool
	// bounds[side] are the relative sequence numbers where the side's
	// data segments start and end, from 1 (the first octet after the
	// SYN): the k-th is the model's k-th sequence number after the ISN.
	bounds   [2][]uint32
	modelISS [2]uint8
	open     model.OpenMode
	abort    [2]bool
	obs      []model.Segment
	// at is the side on whose host the capture was taken, or -1 for
	// somewhere between the two.
	at int
}

type notApplicableError struct {
	packet int
	reason string
}

func (e *notApplicableError) Error() string { return e.reason }

func outside(packet int, format string, args ...any) error {
	return &notApplicableError{packet, fmt.Sprintf(format, args...)}
}

// abstractConnection maps a connection to model segments: each side's
// sequence numbers relative to its ISN, each data segment one octet.
func abstractConnection(c *Connection, at netip.Addr) (*wireView, error) {
	w := &wireView{conn: c, at: -1}
	if c.Beyond > 0 {
		return nil, outside(0, "%d segments: more than the %d a connection may have", len(c.Segments)+c.Beyond, MaxConnectionSegments)
	}
	opener := -1
	for i, s := range c.Segments {
		if s.SYN && !s.ACK && !s.RST {
			opener = i
			break
		}
	}
	if opener < 0 {
		return nil, outside(0, "no SYN opens it: the capture starts after the connection opened")
	}
	flip := c.Segments[opener].From == model.B
	w.ends = [2]string{c.Ends[0].String(), c.Ends[1].String()}
	if flip {
		w.ends[0], w.ends[1] = w.ends[1], w.ends[0]
	}
	w.segs = slices.Clone(c.Segments)
	for i := range w.segs {
		if flip {
			w.segs[i].From = w.segs[i].From.Other()
		}
	}
	for side, e := range c.Ends {
		if at.IsValid() && e.Addr() == at.Unmap() {
			w.at = side
			if flip {
				w.at = 1 - side
			}
		}
	}
	if c.Ends[0].Addr() == c.Ends[1].Addr() {
		w.at = -1 // both ends on the capture host (loopback): no end is nearer
	}
	w.open = model.Simultaneous // also when B never opens: a closed port
	for _, s := range w.segs {
		switch {
		case s.URG:
			return nil, outside(s.Packet, "packet %d is urgent (URG): urgent data is outside the model", s.Packet)
		case s.SYN && s.Len > 0:
			return nil, outside(s.Packet, "packet %d carries data on a SYN (TCP Fast Open): outside the model", s.Packet)
		case s.SYN && s.RST:
			return nil, outside(s.Packet, "packet %d has both SYN and RST", s.Packet)
		case s.SYN && !w.hasISN[s.From]:
			w.isn[s.From], w.hasISN[s.From] = s.Seq, true
			if s.From == model.B && s.ACK {
				w.open = model.ClientServer
			}
		case s.SYN && s.Seq != w.isn[s.From]:
			return nil, outside(s.Packet, "packet %d is a SYN with another initial sequence number: a new connection on the same ports (check one connection per address pair)", s.Packet)
		}
		if s.RST {
			w.abort[s.From] = true
		}
	}
	// The data boundaries of each side.
	for side := model.A; side <= model.B; side++ {
		w.bounds[side] = []uint32{1}
	}
	for _, s := range w.segs {
		if s.Len == 0 {
			continue
		}
		if !w.hasISN[s.From] {
			return nil, outside(s.Packet, "packet %d carries data from a side whose SYN is not in the capture", s.Packet)
		}
		rel := s.Seq - w.isn[s.From]
		if rel == 0 || rel >= 1<<30 || rel+s.Len < rel {
			return nil, outside(s.Packet, "packet %d carries data at relative sequence number %d, not after its sender's SYN", s.Packet, rel)
		}
		w.bounds[s.From] = append(w.bounds[s.From], rel, rel+s.Len)
	}
	for side := model.A; side <= model.B; side++ {
		slices.Sort(w.bounds[side])
		w.bounds[side] = slices.Compact(w.bounds[side])
		if n := len(w.bounds[side]) - 1; n > model.MaxDataBytes {
			return nil, outside(0, "%s sends %d data segments: the model follows at most %d per side", w.ends[side], n, model.MaxDataBytes)
		}
	}
	for _, s := range w.segs {
		if s.Len == 0 {
			continue
		}
		b := w.bounds[s.From]
		rel := s.Seq - w.isn[s.From]
		i, _ := slices.BinarySearch(b, rel)
		if i+1 >= len(b) || b[i+1] != rel+s.Len {
			return nil, outside(s.Packet, "packet %d carries data across other segments' boundaries (repacketized): each segment of data must be one octet of the model", s.Packet)
		}
	}
	return w, nil
}

// abstractSegments maps the captured segments to the model's, with the
// ISNs the model's hosts choose.
func (w *wireView) abstractSegments(sys *model.System) error {
	init := sys.Initial()[0]
	for side := model.A; side <= model.B; side++ {
		w.modelISS[side] = init.Ends[side].Clock
	}
	for _, s := range w.segs {
		seg, err := w.toModel(s)
		if err != nil {
			return err
		}
		w.obs = append(w.obs, seg)
	}
	return nil
}

// modelNumber maps a sequence number of side's space to the model's.
func (w *wireView) modelNumber(side model.Side, v uint32) (uint8, bool) {
	rel := v - w.isn[side]
	b := w.bounds[side]
	var k int
	switch i, found := slices.BinarySearch(b, rel); {
	case rel == 0:
		k = 0
	case found:
		k = i + 1
	case rel == b[len(b)-1]+1: // just past a FIN
		k = len(b) + 1
	default:
		return 0, false
	}
	return uint8((int(w.modelISS[side]) + k) % 256), true
}

// wireNumber writes a model sequence number of side's space as the
// capture's relative number ("x+101"; "0" for a side without an ISN).
func (w *wireView) wireNumber(side model.Side, v uint8) string {
	if !w.hasISN[side] {
		return fmt.Sprint(v)
	}
	name := [2]string{"x", "y"}[side]
	k := (int(v) - int(w.modelISS[side]) + 256) % 256
	b := w.bounds[side]
	var rel uint32
	switch {
	case k == 0:
		return name
	case k <= len(b):
		rel = b[k-1]
	case k == len(b)+1:
		rel = b[len(b)-1] + 1
	default:
		return fmt.Sprintf("%s+?(%d)", name, k)
	}
	return fmt.Sprintf("%s+%d", name, rel)
}

func (w *wireView) toModel(s WireSegment) (model.Segment, error) {
	var ctl uint8
	for _, f := range []struct {
		on  bool
		bit uint8
	}{{s.SYN, model.SYN}, {s.ACK, model.ACK}, {s.FIN, model.FIN}, {s.RST, model.RST}} {
		if f.on {
			ctl |= f.bit
		}
	}
	var seq, ack uint8
	switch {
	case w.hasISN[s.From]:
		var ok bool
		if seq, ok = w.modelNumber(s.From, s.Seq); !ok {
			return 0, outside(s.Packet, "packet %d: seq %d is not where a segment of its sender starts or ends", s.Packet, s.Seq-w.isn[s.From])
		}
	case s.RST && s.Seq == 0:
		// A reset from a side without a connection: RFC 9293 3.10.7.1
		// gives it sequence number 0.
	default:
		return 0, outside(s.Packet, "packet %d comes from a side whose SYN is not in the capture", s.Packet)
	}
	if s.ACK {
		other := s.From.Other()
		var ok bool
		if !w.hasISN[other] {
			return 0, outside(s.Packet, "packet %d acknowledges a side whose SYN is not in the capture", s.Packet)
		}
		if ack, ok = w.modelNumber(other, s.Ack); !ok {
			return 0, outside(s.Packet, "packet %d acknowledges part of a segment (ack %d)", s.Packet, s.Ack-w.isn[other])
		}
	}
	return model.NewSegment(ctl, seq, ack, s.Len > 0, 0, 0), nil
}

// describe writes a model segment from side in the capture's terms.
func (w *wireView) describe(seg model.Segment, from model.Side) string {
	parts := []string{model.CtlString(seg.Ctl())}
	parts = append(parts, "seq="+w.wireNumber(from, seg.Seq()))
	if seg.Has(model.ACK) {
		parts = append(parts, "ack="+w.wireNumber(from.Other(), seg.Ack()))
	}
	if seg.Data() {
		parts = append(parts, "data")
	}
	return w.ends[from] + " " + strings.Join(parts, " ")
}

// matchKind says how a segment the model sent matches one captured.
type matchKind uint8

const (
	noMatch matchKind = iota
	exactMatch
	ackedRST // a RST that carries an ACK the model's does not
)

func wireMatch(sent, seen model.Segment) matchKind {
	if sent.Seq() != seen.Seq() || sent.Data() != seen.Data() {
		return noMatch
	}
	if sent.Ctl() == seen.Ctl() {
		if sent.Has(model.ACK) && sent.Ack() != seen.Ack() {
			return noMatch
		}
		return exactMatch
	}
	if sent.Ctl() == model.RST && seen.Ctl() == model.RST|model.ACK {
		return ackedRST
	}
	return noMatch
}

// wireNode is a state of the search: the model's state, how many of the
// segments in each channel (oldest first) have passed the capture point,
// and how many captured segments are explained.
type wireNode struct {
	s    model.State
	seen [2]uint8
	next uint16
}

type wireEdge struct {
	observe  bool // a captured segment passes the capture point
	step     model.Step
	omitted  uint8 // pure ACKs of the step that are not on the wire
	ackedRST bool
}

type searchEntry struct {
	node   wireNode
	parent int32
	edge   wireEdge
}

// CheckConnection decides whether the model of a variant can put a
// connection's segments on the wire in the order captured.
//
// The capture point sits somewhere between the endpoints. A segment the
// model sends enters its channel and passes the capture point later, in
// channel order; only a segment that has passed it may be delivered. So
// the search's moves are the model's steps (sending, delivering, timers,
// losses, duplications and reorderings within their budgets) and the
// observation of the oldest unobserved segment of a channel, which must
// equal the next captured segment. A pure ACK the model sends may also be
// left off the wire: a stack that delays an ACK merges it into a later
// segment. A capture is explained when every captured segment has been
// observed and has then arrived or been lost.
//
// The search looks for the cheapest explanation first, breadth-first among
// equals, so that an accepted capture comes with the most plausible short
// explanation: a delayed ACK costs least, a loss or a duplication more, a
// reordering most.
func CheckConnection(c *Connection, v *model.Variant, opts WireOptions) ConnResult {
	res, _ := checkConnection(context.Background(), c, v, opts, systems{}, newMemoryCheck(opts.MaxMemory))
	return res
}

// systems holds the models built for the connections of a capture: most
// share a configuration, and one model is a compiled rule table of
// about 150 KB.
type systems map[model.Config]*model.System

func (m systems) get(v *model.Variant, cfg model.Config) (*model.System, error) {
	if sys, ok := m[cfg]; ok {
		return sys, nil
	}
	sys, err := model.NewSystem(v, cfg)
	if err == nil {
		m[cfg] = sys
	}
	return sys, err
}

// checkConnection is CheckConnection, stopped by ctx or by memory with
// the reason (the connection then has no verdict).
func checkConnection(ctx context.Context, c *Connection, v *model.Variant, opts WireOptions, models systems, mem *memoryCheck) (ConnResult, Stop) {
	res := ConnResult{Connection: c.Name(), Segments: len(c.Segments) + c.Beyond}
	w, err := abstractConnection(c, opts.At)
	if err != nil {
		e := err.(*notApplicableError)
		res.Verdict, res.Packet, res.Reason = NotApplicable, e.packet, e.reason
		return res, ""
	}
	res.Connection = w.ends[0] + " > " + w.ends[1]
	if w.at >= 0 {
		res.CapturedAt = w.ends[w.at]
	}
	cfg := WireConfig([2]int{len(w.bounds[0]) - 1, len(w.bounds[1]) - 1}, w.open, w.abort, opts.Faults)
	sys, err := models.get(v, cfg)
	if err != nil {
		res.Verdict, res.Reason = NotApplicable, err.Error()
		return res, ""
	}
	res.System = sys
	if err := w.abstractSegments(sys); err != nil {
		e := err.(*notApplicableError)
		res.Verdict, res.Packet, res.Reason = NotApplicable, e.packet, e.reason
		return res, ""
	}

	type mark struct {
		entry int32
		cost  int
	}
	var entries []searchEntry
	visited := map[wireNode]mark{}
	var buckets [][]int32 // entries to expand, by cost
	best, bestAt := -1, []int32(nil)
	full := false
	add := func(n wireNode, parent int32, e wireEdge, cost int) {
		if m, ok := visited[n]; ok && m.cost <= cost {
			return
		}
		if len(entries) == cap(entries) && !mem.room(uint64(cap(entries)+1)*2*(uint64(unsafe.Sizeof(searchEntry{}))+visitedEntryBytes)) {
			full = true // the doubling of the entries would pass the limit
			return
		}
		id := int32(len(entries))
		visited[n] = mark{id, cost}
		entries = append(entries, searchEntry{node: n, parent: parent, edge: e})
		for len(buckets) <= cost {
			buckets = append(buckets, nil)
		}
		buckets[cost] = append(buckets[cost], id)
		switch {
		case int(n.next) > best:
			best, bestAt = int(n.next), []int32{id}
		case int(n.next) == best:
			bestAt = append(bestAt, id)
		}
	}
	add(wireNode{s: sys.Initial()[0]}, -1, wireEdge{}, 0)
	found := int32(-1)
	for cost := 0; cost < len(buckets) && found < 0; cost++ {
		for k := 0; k < len(buckets[cost]) && found < 0; k++ {
			i := buckets[cost][k]
			cur := entries[i].node
			if visited[cur].entry != i {
				continue // reached again at a lower cost
			}
			if int(cur.next) == len(w.obs) && cur.s.InFlight() == 0 {
				found = i
				break
			}
			if len(entries) > maxSearchStates {
				res.Verdict = NotApplicable
				res.Reason = fmt.Sprintf("the search for an explanation passed %d states without an answer (a capture missing packets?)", maxSearchStates)
				res.SearchStates = len(entries)
				return res, ""
			}
			if k%1024 == 0 {
				if stop := mem.stop(ctx); stop != "" {
					return res, stop
				}
			}
			w.expand(sys, cur, i, cost, add)
			if full {
				return res, MemoryLimit
			}
		}
	}
	res.SearchStates = len(entries)
	if found < 0 {
		res.Verdict = Rejected
		budget := fmt.Sprintf("with at most %s, %s and %s", count(opts.Faults.Loss, "loss", "losses"),
			count(opts.Faults.Dup, "duplicate", "duplicates"), count(opts.Faults.Reorder, "reordering", "reorderings"))
		if best == len(w.obs) {
			res.Reason = "the model can send every captured segment, but then sends more that the capture does not show (" + budget + ")"
			res.Expected = w.unseen(entries, bestAt)
			return res, ""
		}
		s := w.segs[best]
		res.Packet = s.Packet
		res.Reason = fmt.Sprintf("the model cannot send packet %d (%s) after the %s of the connection before it (%s)",
			s.Packet, w.describe(w.obs[best], s.From), count(best, "segment", "segments"), budget)
		res.Expected = w.alternatives(entries, bestAt, s.From)
		return res, ""
	}
	res.Verdict = Accepted
	w.explain(sys, entries, int(found), &res)
	return res, ""
}

// Faults are the fault budgets an explanation may use.
type Faults struct{ Loss, Dup, Reorder int }

// DefaultFaults allows one fault of each kind per connection: enough for
// the captures of testdata/captures, few enough that a wrong variant is
// not explained away by faults.
var DefaultFaults = Faults{Loss: 1, Dup: 1, Reorder: 1}

// WireOptions says how a capture was taken and what an explanation may
// assume.
type WireOptions struct {
	// Faults are the budgets of losses, duplicates and reorderings per
	// connection (the zero value: none).
	Faults Faults
	// At is the address of the host the capture was taken on, if known.
	// Segments pass the capture point there as soon as that host sends
	// them, and arrive there right after passing it, which rules out
	// explanations that delay a segment at that end. Unset, the capture
	// point is anywhere between the two ends.
	At netip.Addr
	// MaxMemory bounds the Go heap while connections are checked (0: no
	// limit); MaxTime bounds the time of a whole capture (0: none).
	MaxMemory uint64
	MaxTime   time.Duration
}

// The costs of what an explanation assumes.
const (
	delayedACKCost = 1
	faultCost      = 2
	reorderCost    = 3
)

// expand adds a search node's successors.
func (w *wireView) expand(sys *model.System, cur wireNode, i int32, cost int, add func(wireNode, int32, wireEdge, int)) {
	// The next captured segment passes the capture point.
	if int(cur.next) < len(w.obs) {
		want := w.obs[cur.next]
		from := w.segs[cur.next].From
		// On the capture host, what it sends passes the capture point
		// before anything else does, and what passes the capture point
		// on the way in arrives before anything else passes.
		hostBusy := false
		if w.at >= 0 {
			h := model.Side(w.at)
			hostBusy = from != h && cur.seen[h] < cur.s.Count[h] || cur.seen[h.Other()] > 0
		}
		if cur.seen[from] < cur.s.Count[from] && !hostBusy {
			if m := wireMatch(cur.s.Net[from][cur.seen[from]], want); m != noMatch {
				n := cur
				n.seen[from]++
				n.next++
				add(n, i, wireEdge{observe: true, ackedRST: m == ackedRST}, cost)
			}
		}
	}
	sys.Successors(cur.s, func(st model.Step, ns model.State) {
		if st.Kind == model.Crash {
			return
		}
		if !w.atCapturePoint(cur, st) {
			return
		}
		n := wireNode{s: ns, seen: cur.seen, next: cur.next}
		stepCost := cost
		switch st.Kind {
		case model.Deliver:
			if st.Pos >= cur.seen[st.Side.Other()] {
				return // it has not reached the capture point
			}
			n.seen[st.Side.Other()]--
			if st.Reordered {
				stepCost += reorderCost
			}
		case model.Lose:
			if st.Pos < cur.seen[st.Side] {
				n.seen[st.Side]--
			}
			stepCost += faultCost
		case model.Duplicate:
			stepCost += faultCost
		}
		// The ACK of new data or a FIN may be left off the wire: the
		// stack delayed it (RFC 9293 3.8.6.3). Other ACKs, answering a
		// duplicate or an unacceptable segment, are sent at once.
		var acks []int
		if st.Kind == model.Deliver && ns.Ends[st.Side].RcvNxt != cur.s.Ends[st.Side].RcvNxt {
			for k, seg := range st.Sent() {
				if seg.Ctl() == model.ACK && !seg.Data() {
					acks = append(acks, k)
				}
			}
		}
		for mask := 0; mask < 1<<len(acks); mask++ {
			m, est := n, st
			var omitted uint8
			for j := len(acks) - 1; j >= 0; j-- {
				if mask&(1<<j) == 0 {
					continue
				}
				k := acks[j]
				pos := int(m.s.Count[st.Side]) - int(st.NOut) + k
				m.s.Remove(st.Side, pos)
				copy(est.Out[k:], est.Out[k+1:est.NOut])
				est.NOut--
				omitted++
			}
			add(m, i, wireEdge{step: est, omitted: omitted}, stepCost+delayedACKCost*int(omitted))
		}
	})
}

// atCapturePoint reports whether a step can happen given where the
// capture was taken. On the capture host, everything the host sent has
// passed the capture point before it acts again, and every segment that
// passed it on the way in arrives (or is dropped) before the host acts
// again or anything else passes, in the order captured. What the host sends cannot be lost or
// copied before the capture point.
func (w *wireView) atCapturePoint(cur wireNode, st model.Step) bool {
	if w.at < 0 {
		return true
	}
	h := model.Side(w.at)
	p := h.Other()
	switch st.Kind {
	case model.Lose:
		return st.Side != h || st.Pos < cur.seen[h]
	case model.Duplicate:
		return st.Side != h
	case model.Deliver:
		if st.Side != h {
			return true
		}
		return cur.seen[h] == cur.s.Count[h] && st.Pos == 0
	case model.Call, model.Timeout:
		if st.Side != h {
			return true
		}
		return cur.seen[h] == cur.s.Count[h] && cur.seen[p] == 0
	}
	return true
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// alternatives lists what the model could have put on the wire instead of
// the captured segment it cannot explain: the oldest unobserved segment
// from the same side, in every state the model can reach having explained
// the segments before it.
func (w *wireView) alternatives(entries []searchEntry, at []int32, from model.Side) []string {
	seen := map[string]bool{}
	var out []string
	note := func(n wireNode) {
		if n.seen[from] < n.s.Count[from] {
			d := w.describe(n.s.Net[from][n.seen[from]], from)
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	for _, i := range at {
		note(entries[i].node)
	}
	slices.Sort(out)
	if len(out) > 8 {
		out = append(out[:8], fmt.Sprintf("and %d more", len(out)-8))
	}
	return out
}

// unseen lists the segments the model sent and the capture does not show,
// in the states where every captured segment is explained.
func (w *wireView) unseen(entries []searchEntry, at []int32) []string {
	seen := map[string]bool{}
	var out []string
	for _, i := range at {
		n := entries[i].node
		for side := model.A; side <= model.B; side++ {
			for _, seg := range n.s.Channel(side)[n.seen[side]:] {
				if d := w.describe(seg, side); !seen[d] {
					seen[d] = true
					out = append(out, d)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// explain turns the search path into a trace of model steps with the
// packets they sent, and fills in the result's chart and statistics.
func (w *wireView) explain(sys *model.System, entries []searchEntry, found int, res *ConnResult) {
	var path []int
	for i := found; i > 0; i = int(entries[i].parent) {
		path = append(path, i)
	}
	slices.Reverse(path)
	tr := &properties.Trace{Start: entries[0].node.s}
	flights := properties.NewFlights(sys)
	packetOf := map[int]int{} // flight -> captured packet
	stepOf := map[int]int{}   // flight -> the trace step that put it in the network
	nflights := 0
	lastState := [2]string{}
	res.States = make([][]string, 2)
	for side := model.A; side <= model.B; side++ {
		lastState[side] = tr.Start.Ends[side].State.String()
		res.States[side] = []string{lastState[side]}
	}
	var notes []string
	for _, i := range path {
		e, n := entries[i].edge, entries[i].node
		if e.observe {
			side := w.segs[n.next-1].From
			id := flights.At(side, int(n.seen[side])-1)
			packetOf[id] = w.segs[n.next-1].Packet
			if e.ackedRST {
				res.ACKedRSTs++
			}
			continue
		}
		st := e.step
		k := len(tr.Steps)
		flights.Apply(st, func(model.Segment, bool) int {
			stepOf[nflights] = k
			nflights++
			return nflights - 1
		})
		tr.Steps = append(tr.Steps, model.PathStep{Step: st, State: n.s})
		note := ""
		if e.omitted > 0 {
			note = "its ACK is not on the wire (delayed)"
			if e.omitted > 1 {
				note = "its ACKs are not on the wire (delayed)"
			}
			res.DelayedACKs += int(e.omitted)
		}
		notes = append(notes, note)
		switch st.Kind {
		case model.Lose:
			res.Losses++
		case model.Duplicate:
			res.Duplicates++
		case model.Timeout:
			res.Timeouts++
		case model.Deliver:
			if st.Reordered {
				res.Reorderings++
			}
		}
		for side := model.A; side <= model.B; side++ {
			name := n.s.Ends[side].State.String()
			if name != lastState[side] {
				lastState[side] = name
				res.States[side] = append(res.States[side], name)
			}
		}
	}
	// Name the packets each step put on the wire.
	packets := make([][]int, len(tr.Steps))
	for id, p := range packetOf {
		packets[stepOf[id]] = append(packets[stepOf[id]], p)
	}
	for k, ps := range packets {
		if len(ps) == 0 {
			continue
		}
		slices.Sort(ps)
		var names []string
		for _, p := range ps {
			names = append(names, fmt.Sprint(p))
		}
		label := "packet "
		if len(ps) > 1 {
			label = "packets "
		}
		notes[k] = joinNotes(notes[k], "("+label+strings.Join(names, ", ")+")")
	}
	tr.Notes = notes
	res.Trace = tr
	res.Chart = properties.Chart(sys, tr) + w.numberingNote()
}

// numberingNote says how the chart's sequence numbers, which count one
// per segment of data, stand for the capture's.
func (w *wireView) numberingNote() string {
	var isns, moved []string
	for side := model.A; side <= model.B; side++ {
		if !w.hasISN[side] {
			continue
		}
		name := [2]string{"x", "y"}[side]
		isns = append(isns, fmt.Sprintf("%s=%d", name, w.isn[side]))
		b := w.bounds[side]
		for k := 2; k <= len(b)+1; k++ {
			rel := b[len(b)-1] + 1
			if k <= len(b) {
				rel = b[k-1]
			}
			if rel != uint32(k) {
				moved = append(moved, fmt.Sprintf("%s+%d is %s+%d", name, k, name, rel))
			}
		}
	}
	note := "in the capture: " + strings.Join(isns, ", ")
	if len(moved) > 0 {
		note += "; each segment of data counts 1 here, so " + strings.Join(moved, ", ")
	}
	return note + "\n"
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// CaptureResult is the verdict on every connection of a capture.
type CaptureResult struct {
	File        string       `json:"file"`
	Packets     int          `json:"packets"`
	NonTCP      int          `json:"non_tcp"`
	Connections []ConnResult `json:"connections"`
	// Stopped says why the check stopped before the last connection
	// (interrupted, time limit, memory limit); Unchecked counts the
	// connections left without a verdict.
	Stopped   Stop `json:"stopped,omitempty"`
	Unchecked int  `json:"unchecked,omitempty"`
}

// CheckCapture checks every connection of a capture.
func CheckCapture(c *Capture, v *model.Variant, opts WireOptions) CaptureResult {
	return CheckCaptureContext(context.Background(), c, v, opts)
}

// CheckCaptureContext checks the connections of a capture in order until
// ctx is done, MaxTime has passed or the heap reaches MaxMemory; then
// Stopped says why, and the connections checked so far have their
// verdicts.
func CheckCaptureContext(ctx context.Context, c *Capture, v *model.Variant, opts WireOptions) CaptureResult {
	out := CaptureResult{File: c.File, Packets: c.Packets, NonTCP: c.NonTCP, Connections: []ConnResult{}}
	if opts.MaxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.MaxTime, errTimeLimit)
		defer cancel()
	}
	models, mem := systems{}, newMemoryCheck(opts.MaxMemory)
	for _, conn := range c.Connections {
		if stop := mem.stop(ctx); stop != "" {
			out.Stopped = stop
			break
		}
		res, stop := checkConnection(ctx, conn, v, opts, models, mem)
		if stop != "" {
			out.Stopped = stop
			break
		}
		out.Connections = append(out.Connections, res)
	}
	out.Unchecked = len(c.Connections) - len(out.Connections)
	return out
}

package conform

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

// The captures were taken on the server's host (capture.sh).
var server = netip.MustParseAddr("10.9.0.2")

func readTestCapture(t testing.TB, name string) *Capture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../testdata/captures", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ReadCapture(name, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The states each end goes through in the explanation of every capture
// of Linux that the model accepts, with the capture point known: the
// normal paths of RFC 9293's Figure 5, the simultaneous paths of Figures
// 8 and 13, and the lost final ACK answered from TIME-WAIT.
var acceptedCaptures = map[string]struct {
	client, server string
	losses         int
}{
	"open-close.pcap":          {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 0},
	"server-closes-first.pcap": {"CLOSED SYN-SENT ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", "LISTEN SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", 0},
	"half-close.pcap":          {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 0},
	"fin-rides-on-ack.pcap":    {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 0},
	"simultaneous-close.pcap":  {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 CLOSING TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", 1},
	"simultaneous-open.pcap":   {"CLOSED SYN-SENT SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "CLOSED SYN-SENT ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 1},
	"rst-closed-port.pcap":     {"CLOSED SYN-SENT CLOSED", "CLOSED", 0},
	"abortive-close.pcap":      {"CLOSED SYN-SENT ESTABLISHED CLOSED", "LISTEN SYN-RECEIVED ESTABLISHED CLOSED", 0},
	"lost-final-ack.pcap":      {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 1},
	"lost-syn.pcap":            {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 1},
	"lost-syn-ack.pcap":        {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 1},
	"lost-data.pcap":           {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 0},
	"duplicated-data.pcap":     {"CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", 0},
}

func TestLinuxCapturesAccepted(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/captures/*.pcap")
	if len(files) < len(acceptedCaptures)+1 {
		t.Fatalf("found %d captures, want %d", len(files), len(acceptedCaptures)+1)
	}
	for name, want := range acceptedCaptures {
		t.Run(name, func(t *testing.T) {
			c := readTestCapture(t, name)
			if len(c.Connections) != 1 {
				t.Fatalf("%d connections, want 1", len(c.Connections))
			}
			for _, at := range []netip.Addr{server, {}} {
				res := CheckConnection(c.Connections[0], model.RFC9293(), WireOptions{At: at, Faults: DefaultFaults})
				if res.Verdict != Accepted {
					t.Fatalf("at %v: %s: %s (packet %d); could send %v", at, res.Verdict, res.Reason, res.Packet, res.Expected)
				}
				replayExplanation(t, c.Connections[0], res)
				if !at.IsValid() {
					continue
				}
				got := [2]string{strings.Join(res.States[0], " "), strings.Join(res.States[1], " ")}
				if got != [2]string{want.client, want.server} {
					t.Errorf("states\n client %s\n server %s\nwant\n client %s\n server %s", got[0], got[1], want.client, want.server)
				}
				if res.Losses != want.losses {
					t.Errorf("%d losses, want %d\n%s", res.Losses, want.losses, res.Chart)
				}
			}
		})
	}
}

// replayExplanation checks an accepted explanation against the model
// step by step, and that the segments it puts on the wire include the
// captured ones, in the order captured in each direction.
func replayExplanation(t *testing.T, conn *Connection, res ConnResult) {
	t.Helper()
	sys, tr := res.System, res.Trace
	if tr.Start != sys.Initial()[0] {
		t.Fatal("the explanation does not start in the initial state")
	}
	s := tr.Start
	var entered [2][]model.Segment
	for i, ps := range tr.Steps {
		want := ps.Step
		ok := false
		sys.Successors(s, func(st model.Step, ns model.State) {
			if ok || st.Kind != want.Kind || st.Side != want.Side || st.Pos != want.Pos || st.Event != want.Event || st.Reordered != want.Reordered {
				return
			}
			// The explanation may leave pure ACKs off the wire.
			sent := st.Sent()
			kept := want.Sent()
			j := 0
			for k := len(sent) - 1; k >= 0; k-- {
				if j < len(kept) && sent[k] == kept[len(kept)-1-j] {
					j++
					continue
				}
				if sent[k].Ctl() != model.ACK || sent[k].Data() {
					return
				}
				ns.Remove(st.Side, int(ns.Count[st.Side])-len(sent)+k)
			}
			ok = j == len(kept) && ns == ps.State
		})
		if !ok {
			t.Fatalf("step %d (%v) is not a step of the model\n%s", i+1, want.Kind, res.Chart)
		}
		switch want.Kind {
		case model.Duplicate:
			entered[want.Side] = append(entered[want.Side], want.Seg)
		case model.Call, model.Timeout, model.Deliver:
			entered[want.Side] = append(entered[want.Side], want.Sent()...)
		}
		s = ps.State
	}
	w, err := abstractConnection(conn, netip.Addr{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.abstractSegments(sys); err != nil {
		t.Fatal(err)
	}
	for side := model.A; side <= model.B; side++ {
		k := 0
		for i, seg := range w.obs {
			if w.segs[i].From != side {
				continue
			}
			for k < len(entered[side]) && wireMatch(entered[side][k], seg) == noMatch {
				k++
			}
			if k == len(entered[side]) {
				t.Fatalf("packet %d is not among the segments the explanation sends\n%s", w.segs[i].Packet, res.Chart)
			}
			k++
		}
	}
}

// Linux holds a FIN that arrives ahead of lost data and acknowledges both
// once the data is retransmitted; the model discards what arrives out of
// order, so it cannot acknowledge the FIN there.
func TestFINQueuedBehindLostDataRejected(t *testing.T) {
	c := readTestCapture(t, "lost-data-fin-queued.pcap")
	for _, at := range []netip.Addr{server, {}} {
		res := CheckConnection(c.Connections[0], model.RFC9293(), WireOptions{At: at, Faults: DefaultFaults})
		if res.Verdict != Rejected || res.Packet != 8 {
			t.Fatalf("at %v: %s at packet %d (%s), want rejected at packet 8", at, res.Verdict, res.Packet, res.Reason)
		}
		if !strings.Contains(res.Reason, "ACK seq=y+1 ack=x+102") || !slices.Contains(res.Expected, "10.9.0.2:5000 ACK seq=y+1 ack=x+101") {
			t.Errorf("reason %q, expected %q", res.Reason, res.Expected)
		}
	}
}

// The captures tell variants apart: without TIME-WAIT the client has no
// connection when the server's FIN comes again, and answers it with a
// RST the capture does not show, instead of the ACK it does.
func TestLostFinalACKRejectsNoTimeWait(t *testing.T) {
	v, _ := model.Builtin("no-time-wait")
	c := readTestCapture(t, "lost-final-ack.pcap")
	res := CheckConnection(c.Connections[0], v, WireOptions{At: server, Faults: DefaultFaults})
	if res.Verdict != Rejected || !slices.ContainsFunc(res.Expected, func(s string) bool { return strings.Contains(s, "10.9.0.1:54382 RST") }) {
		t.Errorf("%s: %s; unseen %v", res.Verdict, res.Reason, res.Expected)
	}
}

// mutator returns a function that changes a copy of a connection's
// segments.
func mutator(base *Connection) func(func([]WireSegment) []WireSegment) *Connection {
	return func(f func(segs []WireSegment) []WireSegment) *Connection {
		c := *base
		c.Segments = f(slices.Clone(base.Segments))
		return &c
	}
}

func TestMutatedCapturesRejected(t *testing.T) {
	mutate := mutator(readTestCapture(t, "open-close.pcap").Connections[0])
	for _, tc := range []struct {
		name   string
		conn   *Connection
		packet int
	}{
		// The client acknowledges the SYN-ACK before it is sent.
		{"ACK before SYN-ACK", mutate(func(s []WireSegment) []WireSegment { s[1], s[2] = s[2], s[1]; return s }), 3},
		// The client's FIN comes before its data: the data may have been
		// lost before the capture point, but then the server cannot
		// acknowledge it.
		{"FIN before data", mutate(func(s []WireSegment) []WireSegment { s[3], s[5] = s[5], s[3]; return s }), 5},
		// The server acknowledges the client's FIN before it is sent.
		{"early ACK of FIN", mutate(func(s []WireSegment) []WireSegment { s[4].Ack++; return s }), 5},
		// A RST instead of the server's FIN: the client's final ACK
		// then answers nothing.
		{"RST for FIN", mutate(func(s []WireSegment) []WireSegment { s[7].FIN, s[7].RST = false, true; return s }), 9},
	} {
		res := CheckConnection(tc.conn, model.RFC9293(), WireOptions{At: server, Faults: DefaultFaults})
		if res.Verdict != Rejected || res.Packet != tc.packet {
			t.Errorf("%s: %s at packet %d (%s), want rejected at packet %d", tc.name, res.Verdict, res.Packet, res.Reason, tc.packet)
		}
	}
}

func TestCapturesOutsideTheModel(t *testing.T) {
	mutate := mutator(readTestCapture(t, "open-close.pcap").Connections[0])
	for _, tc := range []struct {
		name, reason string
		conn         *Connection
	}{
		{"no SYN", "no SYN opens it", mutate(func(s []WireSegment) []WireSegment { return s[3:] })},
		{"urgent", "urgent", mutate(func(s []WireSegment) []WireSegment { s[3].URG = true; return s })},
		{"repacketized", "repacketized", mutate(func(s []WireSegment) []WireSegment {
			half := s[3]
			half.Len = 50
			s[3].Seq += 50
			s[3].Len = 50
			s = slices.Insert(s, 3, half)
			whole := s[4]
			whole.Seq, whole.Len = half.Seq, 100
			return slices.Insert(s, 5, whole)
		})},
		{"partial ack", "acknowledges part of a segment", mutate(func(s []WireSegment) []WireSegment { s[4].Ack -= 10; return s })},
		{"new connection", "another initial sequence number", mutate(func(s []WireSegment) []WireSegment {
			syn := s[0]
			syn.Seq += 1000
			return append(s, syn)
		})},
	} {
		res := CheckConnection(tc.conn, model.RFC9293(), WireOptions{Faults: DefaultFaults})
		if res.Verdict != NotApplicable || !strings.Contains(res.Reason, tc.reason) {
			t.Errorf("%s: %s: %s, want not applicable: ...%s...", tc.name, res.Verdict, res.Reason, tc.reason)
		}
	}
}

func TestBrokenCaptures(t *testing.T) {
	data, err := os.ReadFile("../../testdata/captures/open-close.pcap")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ReadCapture("empty.pcap", bytes.NewReader(nil))
	var ce *CaptureError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "empty.pcap: too short") {
		t.Errorf("empty file: %v", err)
	}
	_, err = ReadCapture("text.pcap", strings.NewReader("this is not a capture file\n"))
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "not a pcap or pcapng file") {
		t.Errorf("text file: %v", err)
	}
	// Cut inside the last packet: the error names it.
	_, err = ReadCapture("cut.pcap", bytes.NewReader(data[:len(data)-10]))
	if !errors.As(err, &ce) || ce.Packet != 9 || !strings.Contains(err.Error(), "cut.pcap: packet 9: ") {
		t.Errorf("truncated capture: %v", err)
	}
	// Every truncation either reads the packets before the cut or names
	// the packet at fault; none panics.
	for n := range data {
		c, err := ReadCapture("cut.pcap", bytes.NewReader(data[:n]))
		if err == nil && c.Packets > 9 || err != nil && !errors.As(err, &ce) {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
	// An IP header that claims less than the TCP header needs.
	bad := slices.Clone(data)
	ipStart := 24 + 16 + 14 // file header, record header, Ethernet
	bad[ipStart+2], bad[ipStart+3] = 0, 30
	_, err = ReadCapture("short-ip.pcap", bytes.NewReader(bad))
	if !errors.As(err, &ce) || ce.Packet != 1 {
		t.Errorf("bad IP length: %v", err)
	}
}

func FuzzReadCapture(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/captures/*.pcap")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadCapture("fuzz.pcap", bytes.NewReader(data))
		if err != nil {
			var ce *CaptureError
			if !errors.As(err, &ce) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, conn := range c.Connections {
			if w, err := abstractConnection(conn, netip.Addr{}); err == nil {
				sys, err := model.NewSystem(model.RFC9293(), WireConfig([2]int{len(w.bounds[0]) - 1, len(w.bounds[1]) - 1}, w.open, w.abort, DefaultFaults))
				if err != nil {
					t.Fatal(err)
				}
				_ = w.abstractSegments(sys)
			}
		}
	})
}

// A second connection on the same ports (a new ISN) is checked on its own.
func TestPortReuseSplitsConnections(t *testing.T) {
	data, err := os.ReadFile("../../testdata/captures/open-close.pcap")
	if err != nil {
		t.Fatal(err)
	}
	// The same packets twice, the second time with other ISNs.
	records := data[24:]
	second := slices.Clone(records)
	for off := 0; off < len(second); {
		incl := int(second[off+8]) | int(second[off+9])<<8
		tcp := second[off+16+14+20:]
		for _, field := range []int{4, 8} { // seq, ack: shift both sides' numbers
			v := uint32(tcp[field])<<24 | uint32(tcp[field+1])<<16 | uint32(tcp[field+2])<<8 | uint32(tcp[field+3])
			if field == 8 && tcp[13]&0x10 == 0 {
				continue
			}
			v += 1000
			tcp[field], tcp[field+1], tcp[field+2], tcp[field+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
		}
		tcp[16], tcp[17] = 0, 0 // checksums are not checked
		off += 16 + incl
	}
	both := append(slices.Clone(data), second...)
	c, err := ReadCapture("twice.pcap", bytes.NewReader(both))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Connections) != 2 {
		t.Fatalf("%d connections, want 2", len(c.Connections))
	}
	for _, r := range CheckCapture(c, model.RFC9293(), WireOptions{At: server, Faults: DefaultFaults}).Connections {
		if r.Verdict != Accepted {
			t.Errorf("%s: %s: %s", r.Connection, r.Verdict, r.Reason)
		}
	}
}

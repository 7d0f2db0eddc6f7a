package conform

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

// TestTruncatedSYNIsNotFastOpen: a SYN whose IP header claims 100 bytes
// more than the packet has on the wire is a truncated packet, not a SYN
// carrying data (TCP Fast Open).
func TestTruncatedSYNIsNotFastOpen(t *testing.T) {
	data, err := os.ReadFile("../../testdata/captures/open-close.pcap")
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(data)
	ipStart := 24 + 16 + 14 // file header, record header, Ethernet
	n := int(bad[ipStart+2])<<8 | int(bad[ipStart+3]) + 100
	bad[ipStart+2], bad[ipStart+3] = byte(n>>8), byte(n)
	_, err = ReadCapture("cut-syn.pcap", bytes.NewReader(bad))
	var ce *CaptureError
	if !errors.As(err, &ce) || ce.Packet != 1 || !strings.Contains(err.Error(), "a truncated packet") {
		t.Fatalf("got %v, want packet 1 named as truncated", err)
	}
}

// An IPv4 header length below the minimum (5 words) is a broken packet,
// not a packet of another protocol to pass over: a capture of such
// packets must not read as one without connections.
func TestBrokenIPHeaderIsNamed(t *testing.T) {
	data, err := os.ReadFile("../../testdata/captures/open-close.pcap")
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(data)
	ipStart := 24 + 16 + 14 // file header, record header, Ethernet
	bad[ipStart] = bad[ipStart]&0xf0 | 1
	_, err = ReadCapture("ihl.pcap", bytes.NewReader(bad))
	var ce *CaptureError
	if !errors.As(err, &ce) || ce.Packet != 1 || !strings.Contains(err.Error(), "a broken IP header") {
		t.Fatalf("got %v, want packet 1 named as broken", err)
	}
}

// TestLongConnectionIsNotKept: past MaxConnectionSegments a connection's
// segments are counted, not kept, and the connection is outside the
// model.
func TestLongConnectionIsNotKept(t *testing.T) {
	c := readTestCapture(t, "open-close.pcap")
	conn := c.Connections[0]
	conn.Beyond = 10
	res := CheckConnection(conn, model.RFC9293(), WireOptions{Faults: DefaultFaults})
	if res.Verdict != NotApplicable || !strings.Contains(res.Reason, "more than the 4096 a connection may have") {
		t.Fatalf("%s: %s", res.Verdict, res.Reason)
	}
}

// TestCaptureCheckStops: a cancelled check, or one out of memory, stops
// before the next connection and says why.
func TestCaptureCheckStops(t *testing.T) {
	c := readTestCapture(t, "open-close.pcap")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := CheckCaptureContext(ctx, c, model.RFC9293(), WireOptions{Faults: DefaultFaults})
	if r.Stopped != Interrupted || len(r.Connections) != 0 || r.Unchecked != len(c.Connections) {
		t.Fatalf("cancelled: %+v", r)
	}
	r = CheckCaptureContext(context.Background(), c, model.RFC9293(), WireOptions{Faults: DefaultFaults, MaxMemory: 1})
	if r.Stopped != MemoryLimit {
		t.Fatalf("1 byte of memory: %+v", r)
	}
	r = CheckCaptureContext(context.Background(), c, model.RFC9293(), WireOptions{Faults: DefaultFaults})
	if r.Stopped != "" || len(r.Connections) != len(c.Connections) || r.Connections[0].Verdict != Accepted {
		t.Fatalf("no limit: %+v", r)
	}
}

// TestScriptBounds: an empty script is an error, not one the model
// agrees with, and a huge one is refused before it fills the memory.
func TestScriptBounds(t *testing.T) {
	for _, text := range []string{"", "// only a comment\n\n"} {
		_, err := Parse("empty.pkt", strings.NewReader(text))
		var se *SyntaxError
		if !errors.As(err, &se) || err.Error() != "empty.pkt: no events: an empty script tests nothing" {
			t.Errorf("%q: %v", text, err)
		}
	}
	huge := strings.Repeat("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", 100_000)
	if _, err := Parse("huge.pkt", strings.NewReader(huge)); err == nil || err.Error() != "huge.pkt: larger than 4 MiB: a packetdrill script is a short text" {
		t.Errorf("huge script: %v", err)
	}
}

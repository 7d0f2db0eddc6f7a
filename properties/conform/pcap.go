package conform

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/tcpmc/tcpmc/model"
)

// A Capture is a packet capture's TCP segments, split into connections.
type Capture struct {
	File        string
	Packets     int // packets in the file
	NonTCP      int // packets that are not TCP over IPv4 or IPv6
	Connections []*Connection
}

// A Connection is the segments of one address and port pair, in capture
// order. Side A sent the first segment (normally the first SYN).
type Connection struct {
	Ends     [2]netip.AddrPort
	Segments []WireSegment
	// Beyond counts the segments past MaxConnectionSegments, not kept: a
	// connection that long is outside what the model can explain anyway.
	Beyond int
}

// MaxConnectionSegments bounds the segments kept per connection, so that
// the memory a capture takes is bounded by its number of connections.
const MaxConnectionSegments = 4096

// reopens reports whether a bare SYN from src with sequence number seq
// opens a new connection on the same ports: src sent a bare SYN before,
// with another ISN.
func (c *Connection) reopens(src netip.AddrPort, seq uint32) bool {
	for _, s := range c.Segments {
		if s.SYN && !s.ACK && !s.RST && c.Ends[s.From] == src {
			return s.Seq != seq
		}
	}
	return false
}

// Name writes the connection as "10.9.0.1:6000 > 10.9.0.2:5000".
func (c *Connection) Name() string { return c.Ends[0].String() + " > " + c.Ends[1].String() }

// WireSegment is a TCP segment as captured.
type WireSegment struct {
	Packet   int // its number in the file, from 1
	From     model.Side
	SYN, ACK bool
	FIN, RST bool
	URG      bool
	Seq, Ack uint32
	Len      uint32 // payload length, from the IP header (snap lengths cut payloads)
}

// CaptureError is a capture that cannot be read, with the packet at fault.
type CaptureError struct {
	File   string
	Packet int // 0: the file's header
	Msg    string
}

func (e *CaptureError) Error() string {
	if e.Packet == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: packet %d: %s", e.File, e.Packet, e.Msg)
}

type packetReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// ReadCapture reads a pcap or pcapng file (in pure Go, with gopacket's
// pcapgo) and splits its TCP segments into connections.
func ReadCapture(name string, r io.Reader) (*Capture, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, &CaptureError{File: name, Msg: "too short for a capture file"}
	}
	head, _ := br.Peek(512) // for the error, before a reader consumes it
	head = append([]byte(nil), head...)
	var pr packetReader
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		pr, err = pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
	} else {
		pr, err = pcapgo.NewReader(br)
	}
	if err != nil {
		msg := "not a pcap or pcapng file"
		if looksLikeText(head) {
			msg += " (this is text; for a packetdrill script use tcpmc packetdrill)"
		}
		return nil, &CaptureError{File: name, Msg: msg}
	}
	c := &Capture{File: name}
	index := map[[2]netip.AddrPort]int{}
	for {
		data, ci, err := pr.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		c.Packets++
		if err != nil {
			return nil, &CaptureError{File: name, Packet: c.Packets, Msg: fmt.Sprintf("cannot be read: %v", err)}
		}
		src, dst, seg, ok, err := decodeTCP(data, max(ci.Length, len(data)), pr.LinkType())
		if err != nil {
			return nil, &CaptureError{File: name, Packet: c.Packets, Msg: err.Error()}
		}
		if !ok {
			c.NonTCP++
			continue
		}
		seg.Packet = c.Packets
		key := [2]netip.AddrPort{src, dst}
		if src.Addr().Compare(dst.Addr()) > 0 || src.Addr() == dst.Addr() && src.Port() > dst.Port() {
			key = [2]netip.AddrPort{dst, src}
		}
		i, seen := index[key]
		if seen && seg.SYN && !seg.ACK && !seg.RST && c.Connections[i].reopens(src, seg.Seq) {
			seen = false // the same ports again: a new connection
		}
		if !seen {
			i = len(c.Connections)
			index[key] = i
			c.Connections = append(c.Connections, &Connection{Ends: [2]netip.AddrPort{src, dst}})
		}
		conn := c.Connections[i]
		if src != conn.Ends[model.A] {
			seg.From = model.B
		}
		if len(conn.Segments) >= MaxConnectionSegments {
			conn.Beyond++
			continue
		}
		conn.Segments = append(conn.Segments, seg)
	}
	return c, nil
}

// decodeTCP finds the TCP segment in a packet of wireLen bytes on the
// wire, of which data was captured. ok is false for a packet that is not
// TCP; err is set for one that claims to be and is broken.
func decodeTCP(data []byte, wireLen int, link layers.LinkType) (src, dst netip.AddrPort, seg WireSegment, ok bool, err error) {
	var first gopacket.LayerType
	switch link {
	case layers.LinkTypeEthernet:
		first = layers.LayerTypeEthernet
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case layers.LinkTypeLinuxSLL2:
		first = layers.LayerTypeLinuxSLL2
	case layers.LinkTypeIPv6:
		first = layers.LayerTypeIPv6
	case layers.LinkTypeRaw, layers.LinkTypeIPv4:
		if len(data) > 0 && data[0]>>4 == 6 {
			first = layers.LayerTypeIPv6
		} else {
			first = layers.LayerTypeIPv4
		}
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		first = layers.LayerTypeLoopback
	default:
		return src, dst, seg, false, fmt.Errorf("link type %v is not one tcpmc reads (Ethernet, Linux cooked v1 and v2, raw IP, loopback)", link)
	}
	p := gopacket.NewPacket(data, first, gopacket.DecodeOptions{Lazy: false, NoCopy: true})
	var ipLen, ipHeader int
	var sa, da netip.Addr
	switch ip := p.NetworkLayer().(type) {
	case *layers.IPv4:
		if e := p.ErrorLayer(); e != nil && (ip.IHL < 5 || len(ip.Contents) < int(ip.IHL)*4) {
			return src, dst, seg, false, fmt.Errorf("a broken IP header: %v", e.Error())
		}
		sa, _ = netip.AddrFromSlice(ip.SrcIP.To4())
		da, _ = netip.AddrFromSlice(ip.DstIP.To4())
		ipLen, ipHeader = int(ip.Length), int(ip.IHL)*4
		if ip.Protocol != layers.IPProtocolTCP {
			return src, dst, seg, false, nil
		}
		if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
			return src, dst, seg, false, errors.New("a fragment of an IP packet: fragments are not reassembled")
		}
	case *layers.IPv6:
		sa, _ = netip.AddrFromSlice(ip.SrcIP)
		da, _ = netip.AddrFromSlice(ip.DstIP)
		ipLen, ipHeader = int(ip.Length)+40, 40
		if ip.NextHeader != layers.IPProtocolTCP {
			return src, dst, seg, false, nil
		}
	default:
		rawIP := first == layers.LayerTypeIPv4 || first == layers.LayerTypeIPv6
		if e := p.ErrorLayer(); e != nil && (rawIP || p.LinkLayer() != nil && isIPType(p.LinkLayer())) {
			return src, dst, seg, false, fmt.Errorf("a broken or truncated IP header: %v", e.Error())
		}
		return src, dst, seg, false, nil // not IP: ARP and the like
	}
	tl := p.Layer(layers.LayerTypeTCP)
	if tl == nil {
		if e := p.ErrorLayer(); e != nil {
			return src, dst, seg, false, fmt.Errorf("a broken TCP header: %v", e.Error())
		}
		return src, dst, seg, false, errors.New("an IP packet for TCP without a TCP header (truncated)")
	}
	tcp := tl.(*layers.TCP)
	if len(tcp.Contents) < 20 {
		return src, dst, seg, false, errors.New("a truncated TCP header")
	}
	payload := ipLen - ipHeader - int(tcp.DataOffset)*4
	if payload < 0 || int(tcp.DataOffset) < 5 {
		return src, dst, seg, false, fmt.Errorf("IP and TCP header lengths that do not add up (IP length %d, TCP data offset %d)", ipLen, tcp.DataOffset)
	}
	// The payload's length comes from the IP header, as a snap length
	// cuts what is captured; but a packet shorter on the wire than its IP
	// header says is truncated, and its "payload" is not data.
	if ipStart := len(data) - len(p.NetworkLayer().LayerContents()) - len(p.NetworkLayer().LayerPayload()); ipLen > wireLen-ipStart {
		return src, dst, seg, false, fmt.Errorf("a truncated packet: its IP header says %d bytes, the packet has %d", ipLen, wireLen-ipStart)
	}
	seg = WireSegment{SYN: tcp.SYN, ACK: tcp.ACK, FIN: tcp.FIN, RST: tcp.RST, URG: tcp.URG,
		Seq: tcp.Seq, Ack: tcp.Ack, Len: uint32(payload)}
	return netip.AddrPortFrom(sa, uint16(tcp.SrcPort)), netip.AddrPortFrom(da, uint16(tcp.DstPort)), seg, true, nil
}

// isIPType reports whether a link-layer header says an IP packet follows.
func isIPType(l gopacket.LinkLayer) bool {
	var t layers.EthernetType
	switch h := l.(type) {
	case *layers.Ethernet:
		t = h.EthernetType
	case *layers.LinuxSLL:
		t = h.EthernetType
	case *layers.LinuxSLL2:
		t = h.ProtocolType
	default:
		return false
	}
	return t == layers.EthernetTypeIPv4 || t == layers.EthernetTypeIPv6
}

// looksLikeText: printable ASCII and white space only.
func looksLikeText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c > 0x7e {
			return false
		}
	}
	return len(b) > 0
}

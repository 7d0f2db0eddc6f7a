package properties

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// socketRecorder records stream operations on real sockets against a
// logical clock: an operation's call is stamped before it starts and its
// return after it ends, so real-time order is kept.
type socketRecorder struct {
	clock atomic.Int64
	mu    sync.Mutex
	ops   []StreamOp
}

func (r *socketRecorder) add(ops ...StreamOp) {
	r.mu.Lock()
	r.ops = append(r.ops, ops...)
	r.mu.Unlock()
}

// octets is how a stream's content is written: its value k as four
// bytes, so that a lost, repeated or misplaced byte shows.
func octets(b []byte) []int {
	out := make([]int, len(b))
	for i, x := range b {
		out[i] = int(x)
	}
	return out
}

// write sends the values 0..n-1 on the stream, four bytes each, in writes
// of 1 to 5 values.
func (r *socketRecorder) write(c *net.TCPConn, stream, client, n int, rng *rand.Rand) error {
	for v := 0; v < n; {
		k := min(1+rng.IntN(5), n-v)
		buf := make([]byte, 4*k)
		for i := range k {
			binary.BigEndian.PutUint32(buf[4*i:], uint32(v+i))
		}
		call := r.clock.Add(1)
		if _, err := c.Write(buf); err != nil {
			return err
		}
		ret := r.clock.Add(1)
		r.add(StreamOp{Stream: stream, Client: client, Send: true, Values: octets(buf), Call: call, Return: ret,
			Note: fmt.Sprintf("values %d-%d", v, v+k-1)})
		v += k
	}
	return c.CloseWrite()
}

// read receives until the peer's FIN, in reads of 1 to 64 bytes; each
// read is one receive of the bytes it returned.
func (r *socketRecorder) read(c *net.TCPConn, stream, client int) error {
	buf := make([]byte, 64)
	for {
		call := r.clock.Add(1)
		n, err := c.Read(buf[:1+rand.IntN(len(buf))])
		ret := r.clock.Add(1)
		if n > 0 {
			r.add(StreamOp{Stream: stream, Client: client, Values: octets(buf[:n]), Call: call, Return: ret,
				Note: fmt.Sprintf("%d bytes", n)})
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// The stream specification accepts a real implementation: concurrent
// connections on loopback, each writing and reading both ways at once in
// uneven pieces, give histories porcupine finds linearizable. The same
// history with two received values swapped is rejected.
func TestStreamCheckAcceptsLoopbackSockets(t *testing.T) {
	const conns, values = 8, 300
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Skipf("no loopback TCP here: %v", err)
	}
	defer ln.Close()
	rec := &socketRecorder{}
	var wg sync.WaitGroup
	errs := make(chan error, 4*conns)
	// Each end of connection i writes stream 2i (client) or 2i+1
	// (server) and reads the other.
	serve := func(c *net.TCPConn, i int, server bool) {
		defer c.Close()
		out, in := 2*i, 2*i+1
		if server {
			out, in = in, out
		}
		var both sync.WaitGroup
		both.Add(2)
		go func() {
			defer both.Done()
			if err := rec.write(c, out, 2*out, values, rand.New(rand.NewPCG(uint64(out), 1))); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer both.Done()
			if err := rec.read(c, in, 2*in+1); err != nil {
				errs <- err
			}
		}()
		both.Wait()
	}
	wg.Add(2 * conns)
	go func() {
		for i := range conns {
			c, err := ln.AcceptTCP()
			if err != nil {
				errs <- err
				wg.Done()
				continue
			}
			go func() { defer wg.Done(); serve(c, i, true) }()
		}
	}()
	for i := range conns {
		c, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
		if err != nil {
			t.Fatal(err)
		}
		go func() { defer wg.Done(); serve(c, i, false) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	h := StreamHistory{Ops: rec.ops}
	sent, received := 0, 0
	for _, op := range h.Ops {
		if op.Send {
			sent += len(op.Values)
		} else {
			received += len(op.Values)
		}
	}
	if want := 2 * conns * values * 4; sent != want || received != want {
		t.Fatalf("%d bytes sent and %d received, want %d", sent, received, want)
	}
	if res := CheckStream(h); res.Verdict != Holds {
		t.Fatalf("porcupine: %s on a loopback history", res.Verdict)
	}

	// Swap two bytes of one receive whose bytes differ.
	bad := StreamHistory{Ops: append([]StreamOp(nil), h.Ops...)}
	swapped := false
	for i, op := range bad.Ops {
		if !op.Send && len(op.Values) >= 8 && op.Values[3] != op.Values[7] {
			v := append([]int(nil), op.Values...)
			v[3], v[7] = v[7], v[3]
			bad.Ops[i].Values = v
			swapped = true
			break
		}
	}
	if !swapped {
		t.Fatal("no receive of two values to swap")
	}
	if res := CheckStream(bad); res.Verdict != Violated {
		t.Errorf("porcupine: %s on a history with two bytes swapped", res.Verdict)
	}
}

// Command peer is one end of a TCP connection for the captures in
// testdata/captures: it listens, connects, or opens simultaneously, then
// carries out a list of actions, so that capture.sh can make the
// connections it records. It is not part of tcpmc (testdata is not built
// by go test ./...); capture.sh builds and runs it in network namespaces.
//
//	peer -listen 10.9.0.2:5000 -do read-eof,close
//	peer -connect 10.9.0.2:5000 -do write:100,close,read-eof
//	peer -connect 10.9.0.2:5000 -bind 10.9.0.1:6000 -at 1700000000.5 -do ...
//
// Actions, separated by commas: write:N (N bytes), read:N, read-eof
// (read until the peer's FIN), shutdown-wr, close, linger0 (the next close
// aborts with a RST), sleep:D (a Go duration), at:T (wait until the Unix
// time T, in seconds).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "", "listen on this address and accept one connection")
	connect := flag.String("connect", "", "connect to this address")
	bind := flag.String("bind", "", "with -connect, bind to this local address first (simultaneous open)")
	at := flag.Float64("at", 0, "with -connect, connect at this Unix time")
	do := flag.String("do", "", "the actions, separated by commas")
	flag.Parse()
	if err := run(*listen, *connect, *bind, *at, *do); err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
}

func run(listen, connect, bind string, at float64, do string) error {
	var conn *net.TCPConn
	switch {
	case listen != "":
		addr, err := net.ResolveTCPAddr("tcp4", listen)
		if err != nil {
			return err
		}
		ln, err := net.ListenTCP("tcp4", addr)
		if err != nil {
			return err
		}
		conn, err = ln.AcceptTCP()
		if err != nil {
			return err
		}
		ln.Close()
	case connect != "":
		d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			})
			if err != nil {
				return err
			}
			return serr
		}}
		if bind != "" {
			local, err := net.ResolveTCPAddr("tcp4", bind)
			if err != nil {
				return err
			}
			d.LocalAddr = local
		}
		waitUntil(at)
		c, err := d.Dial("tcp4", connect)
		if err != nil {
			return err
		}
		conn = c.(*net.TCPConn)
	default:
		return errors.New("want -listen or -connect")
	}
	defer conn.Close()
	for _, action := range strings.Split(do, ",") {
		if action == "" {
			continue
		}
		name, arg, _ := strings.Cut(action, ":")
		var err error
		switch name {
		case "write":
			n, _ := strconv.Atoi(arg)
			_, err = conn.Write(make([]byte, n))
		case "read":
			n, _ := strconv.Atoi(arg)
			_, err = io.ReadFull(conn, make([]byte, n))
		case "read-eof":
			_, err = io.Copy(io.Discard, conn)
		case "shutdown-wr":
			err = conn.CloseWrite()
		case "close":
			err = conn.Close()
		case "linger0":
			err = conn.SetLinger(0)
		case "sleep":
			var d time.Duration
			d, err = time.ParseDuration(arg)
			time.Sleep(d)
		case "at":
			t, _ := strconv.ParseFloat(arg, 64)
			waitUntil(t)
		default:
			err = fmt.Errorf("unknown action %q", action)
		}
		if err != nil && !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("%s: %w", action, err)
		}
	}
	return nil
}

func waitUntil(t float64) {
	if t > 0 {
		time.Sleep(time.Until(time.Unix(0, int64(t*1e9))))
	}
}

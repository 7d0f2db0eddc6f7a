package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// writeSYNs writes a capture of n connections, each a lone SYN from its
// own port: a capture that takes seconds to check.
func writeSYNs(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{0, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{10, 0, byte(i >> 16), byte(i >> 8)}, DstIP: net.IP{10, 1, 0, 1}}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(1024 + i%60000), DstPort: 80, Seq: uint32(i * 7919), SYN: true, Window: 65535}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp); err != nil {
			t.Fatal(err)
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(int64(i), 0), CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}
		if err := w.WritePacket(ci, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConformStopsOnSIGINTAndTimeout: conform prints the connections it
// checked and exits with 3 within a second of SIGINT, SIGTERM or its
// --timeout.
func TestConformStopsOnSIGINTAndTimeout(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a child process for each signal, timed")
	}
	capture := filepath.Join(t.TempDir(), "syns.pcap")
	writeSYNs(t, capture, 20000)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := exec.Command(os.Args[0], "conform", "--brief", capture)
		cmd.Env = append(os.Environ(), childEnv+"=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		sent := time.Now()
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		took := time.Since(sent)
		ee, _ := err.(*exec.ExitError)
		if ee == nil || ee.ExitCode() != exitLimit || !strings.Contains(out.String(), "stopped (interrupted)") {
			t.Fatalf("%v: %v, output %q", sig, err, tail(out.String()))
		}
		if took > time.Second {
			t.Errorf("%v: exited %v after the signal", sig, took)
		}
	}
	start := time.Now()
	code, out, _ := runLimited(t, 0, "conform", "--brief", "--timeout", "300ms", capture)
	if code != exitLimit || !strings.Contains(out, "stopped (time limit)") || time.Since(start) > 5*time.Second {
		t.Fatalf("--timeout 300ms: exit %d after %v, %q", code, time.Since(start), tail(out))
	}
}

func tail(s string) string {
	if len(s) > 300 {
		return "..." + s[len(s)-300:]
	}
	return s
}

// A FIFO nobody writes to cannot hold a run past its --timeout: the
// scripts and captures before it are reported, exit 3. And a device that
// never ends is refused at a bound.
func TestFIFOInputStopsAtTheTimeout(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Let the blocked opens go when the test ends.
	defer func() {
		for range 2 {
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		}
	}()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"packetdrill", "--timeout", "1s", "../../testdata/packetdrill/abort.pkt", fifo}, "stopped (time limit): 1 script not run"},
		{[]string{"conform", "--timeout", "1s", "../../testdata/captures/open-close.pcap", fifo}, "1 capture not read"},
	} {
		start := time.Now()
		code, out, errOut := runTool(c.args...)
		if code != exitLimit || !strings.Contains(out, c.want) || time.Since(start) > 30*time.Second {
			t.Errorf("%v: exit %d after %v, stdout %q, stderr %q", c.args[0], code, time.Since(start), out, errOut)
		}
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		code, _, errOut := runTool("report", "/dev/zero")
		if code != exitUsage || !strings.Contains(errOut, "more than 256 MiB") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("report /dev/zero: exit %d, %q", code, errOut)
		}
	}
}

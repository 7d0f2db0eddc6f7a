package tcptest_test

import (
	"fmt"
	"strings"

	"github.com/tcpmc/tcpmc/properties/tcptest"
)

// exampleT stands in for the *testing.T of a real test, which these
// examples cannot have: it prints what the test would report as failures.
type exampleT struct{ failed bool }

func (t *exampleT) Helper()                   {}
func (t *exampleT) Name() string              { return "Example" }
func (t *exampleT) Logf(string, ...any)       {}
func (t *exampleT) Log(...any)                {}
func (t *exampleT) Skipf(string, ...any)      {}
func (t *exampleT) Skip(...any)               {}
func (t *exampleT) SkipNow()                  {}
func (t *exampleT) Error(args ...any)         { t.Errorf("%s", fmt.Sprint(args...)) }
func (t *exampleT) Fatalf(f string, a ...any) { t.Errorf(f, a...) }
func (t *exampleT) Fatal(args ...any)         { t.Error(args...) }
func (t *exampleT) FailNow()                  { t.failed = true }
func (t *exampleT) Fail()                     { t.failed = true }
func (t *exampleT) Failed() bool              { return t.failed }
func (t *exampleT) Errorf(format string, args ...any) {
	t.failed = true
	for _, line := range strings.Split(fmt.Sprintf(format, args...), "\n") {
		fmt.Println(strings.TrimRight(line, " "))
	}
}

// In a test, check RFC 9293 under a fault model of your choosing: the
// test fails, with the counterexample's chart, if a property is violated.
func ExampleCheck() {
	t := &exampleT{} // in a test: the *testing.T
	rep := tcptest.Check(t, tcptest.Options{
		Variant:    "rfc9293",
		Settings:   map[string]string{"loss": "1", "dup": "2", "data": "2,1", "incarnations": "1"},
		Properties: []string{"handshake-sync", "stream-integrity", "orderly-release", "eventually-closed"},
	})
	fmt.Printf("failed: %v, %d states\n", t.failed, rep.States)
	// Output:
	// failed: false, 495646 states
}

// A violated property fails the test with the shortest counterexample.
func ExampleCheck_violation() {
	t := &exampleT{}
	tcptest.Check(t, tcptest.Options{Variant: "no-time-wait", Properties: []string{"orderly-release"}})
	// Output:
	// tcptest: no-time-wait: orderly-release violated: when neither application aborts and no host crashes, no endpoint is reset while its connection is open: both leave through the FIN exchange
	// shortest counterexample, 13 steps:
	//
	//     client                                              server
	//     CLOSED                                              LISTEN
	//  1  SYN-SENT      --> SYN=1, seq=x                 ...                OPEN (active) [closed.open-active]
	//  2                ... SYN=1, seq=x                 -->  SYN-RECEIVED  [listen.rcv-syn]
	//                   ... SYN=1, ACK=1, seq=y, ack=x+1 <--
	//  3  ESTABLISHED   <-- SYN=1, ACK=1, seq=y, ack=x+1 ...                [syn-sent.rcv-syn-ack]
	//                   --> ACK=1, seq=x+1, ack=y+1      ...
	//  4                ... ACK=1, seq=x+1, ack=y+1      -->  ESTABLISHED   [syn-received.rcv-ack]
	//  5  FIN-WAIT-1    --> FIN=1, ACK=1, seq=u, ack=y+1 ...                CLOSE [established.close]
	//  6                ... FIN=1, ACK=1, seq=u, ack=y+1 -->  CLOSE-WAIT    [established.rcv-fin]
	//                   ... ACK=1, seq=v, ack=u+1        <--
	//  7  FIN-WAIT-2    <-- ACK=1, seq=v, ack=u+1        ...                [fin-wait-1.rcv-ack-of-fin]
	//  8                ... FIN=1, ACK=1, seq=w, ack=u+1 <--  LAST-ACK      CLOSE [close-wait.close]
	//  9  CLOSED        <-- FIN=1, ACK=1, seq=w, ack=u+1 ...                [fin-wait-2.rcv-fin]
	//                   --> ACK=1, seq=u+1, ack=w+1      ...
	// 10                ... FIN=1, ACK=1, seq=w, ack=u+1 <--  LAST-ACK      retransmission timeout [fin.retransmit]
	// 11  CLOSED        <-- FIN=1, ACK=1, seq=w, ack=u+1 ...                [closed.rcv-ack]
	//                   --> RST=1, seq=u+1               ...
	// 12                ... ACK=1, seq=u+1, ack=w+1        X                lost
	// 13                ... RST=1, seq=u+1               -->  CLOSED        [closing.rcv-rst]
	// initial sequence numbers: x=1, y=16 (sequence space 32); in the close u=x+1, v=y+1, w=y+1
}

// A variant that is weak on purpose states its expected verdicts; with
// Expected, the test passes as long as the verdicts are those.
func ExampleCheck_expected() {
	t := &exampleT{}
	tcptest.Check(t, tcptest.Options{Variant: "no-time-wait", Expected: true})
	fmt.Println("failed:", t.failed)
	// Output:
	// failed: false
}

// Random deep runs reach configurations the exhaustive search cannot: a
// sequence space of 256, five octets each way, three faults of each kind,
// three connections. Retransmission never gives up, or a side could give
// up and leave its peer waiting for ever, as RFC 9293 allows.
func ExampleSimulate() {
	t := &exampleT{}
	tcptest.Simulate(t, tcptest.Options{
		Settings: map[string]string{"seq-space": "256", "window": "8", "capacity": "4", "data": "5,5",
			"loss": "3", "dup": "3", "reorder": "3", "incarnations": "3", "retries": "unlimited"},
	}, tcptest.SimOptions{Depth: 400})
	fmt.Println("failed:", t.failed)
	// Output:
	// failed: false
}

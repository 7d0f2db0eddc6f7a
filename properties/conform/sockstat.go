package conform

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// FreeBSD's scripts check the state of their sockets with a shell line:
// `sockstat -4 -P tcp -s | grep packetdril | grep -c TIME_WAIT | grep 1`
// asserts one socket in TIME-WAIT. Read as that assertion about the
// model's endpoint, it is checked; ignored, it would let a script agree
// whose stack stays in a state the model leaves.
var sockstatRE = regexp.MustCompile(`^sockstat\b.*\|\s*grep -c ([A-Z_0-9]+)\s*\|\s*grep (\d+)\s*$`)

// sockstat checks a sockstat assertion; ok says whether the command is one.
func (r *runner) sockstat(cmd string) (ok bool, err error) {
	m := sockstatRE.FindStringSubmatch(strings.TrimSpace(cmd))
	if m == nil {
		return false, nil
	}
	state, perr := model.ParseState(m[1])
	want, nerr := strconv.Atoi(m[2])
	if perr != nil || nerr != nil {
		return false, nil
	}
	if got := r.socketsIn(state); got != want {
		return true, disagree("`sockstat` counts %d socket%s in %s; the model has %d (its endpoint is in %s)", want, plural(want), state, got, r.d.Endpoint().State)
	}
	return true, nil
}

// socketsIn counts the script's sockets in a state: the endpoint's
// connection, the listening socket while it stays open beside a
// connection, and a connection left CLOSED while its descriptor is open.
func (r *runner) socketsIn(state model.TCPState) int {
	ep := r.d.Endpoint().State
	open := false // a descriptor of the connection is open (a listener stays LISTEN)
	for _, kind := range r.fds {
		open = open || kind == "socket" || kind == "connection"
	}
	n := 0
	if ep == state && (ep != model.Closed || open) {
		n++
	}
	if state == model.Listen && ep != model.Listen && r.fds[r.listenerFD()] == "listener" {
		n++
	}
	return n
}

// listenerFD is the descriptor of the listening socket, or "".
func (r *runner) listenerFD() string {
	for fd, kind := range r.fds {
		if kind == "listener" {
			return fd
		}
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

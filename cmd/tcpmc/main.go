// Command tcpmc is a model checker for the TCP connection state machine.
//
//	tcpmc check [flags]    explore a variant under faults and check its properties
//	tcpmc simulate [flags] random deep runs, a failing one shrunk by rapid
//	tcpmc diagram [flags]  draw the endpoint state diagram or the state graph
//	tcpmc packetdrill FILE run packetdrill scripts against a model endpoint
//	tcpmc conform FILE     check captured connections against the model
//	tcpmc explore [flags]  walk the model by hand in a browser
//	tcpmc report FILE.json write a saved check --json as an HTML page
//	tcpmc variants         list the built-in variants
//	tcpmc mutate [flags]   mutation analysis of a variant's rule table
//
// Run "tcpmc help" or "tcpmc check -h" for the flags. Exit status: 0 every
// property holds, 1 a property is violated, 2 bad usage or input, 3 a limit
// stopped the search before it finished.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses; scripts depend on them.
const (
	exitHolds    = 0
	exitViolated = 1
	exitUsage    = 2
	exitLimit    = 3
)

// usageError is bad input: it is printed on one line and exits with 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const mainUsage = `tcpmc: a model checker for the TCP connection state machine

usage:
  tcpmc check [flags]     explore a variant under faults and check its properties
  tcpmc simulate [flags]  random deep runs of a variant, a failure shrunk
  tcpmc diagram [flags]   draw a variant's endpoint state diagram, or the
                          reachable state graph of a configuration
  tcpmc packetdrill FILE...
                          run packetdrill scripts against a model endpoint
  tcpmc conform FILE...   check that the model can produce captured connections
  tcpmc explore [flags]   walk the model by hand in a browser (127.0.0.1)
  tcpmc report [-o FILE.html] RESULT.json
                          write a saved check --json result as an HTML page
  tcpmc variants [--knobs | --rules] [NAME|FILE]
                          list the built-in variants, or show one (its
                          knobs, or its rule table)
  tcpmc mutate [flags]    mutation analysis: is every change to the rules caught?
  tcpmc help [command]    show help

Run "tcpmc COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return exitUsage
	}
	var code int
	var err error
	switch args[0] {
	case "check":
		code, err = runCheck(args[1:], stdout, stderr)
	case "report":
		code, err = runReport(args[1:], stdout, stderr)
	case "explore":
		code, err = runExplore(args[1:], stdout, stderr)
	case "diagram":
		code, err = runDiagram(args[1:], stdout, stderr)
	case "simulate":
		code, err = runSimulate(args[1:], stdout, stderr)
	case "packetdrill":
		code, err = runPacketdrill(args[1:], stdout)
	case "conform":
		code, err = runConform(args[1:], stdout, stderr)
	case "variants":
		code, err = runVariants(args[1:], stdout)
	case "mutate":
		code, err = runMutate(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return run([]string{args[1], "-h"}, stdout, stderr)
		}
		fmt.Fprint(stdout, mainUsage)
		return exitHolds
	default:
		err = usagef("unknown command %q (want check, simulate, diagram, explore, report, packetdrill, conform, variants or mutate; see tcpmc help)", args[0])
	}
	if err != nil {
		var ue usageError
		var we *writeError
		if errors.As(err, &we) && code == exitViolated {
			// The verdict stands: the file the user asked for is missing.
			fmt.Fprintf(stderr, "tcpmc: %s\n", boundedLine(err.Error()))
			return exitViolated
		}
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "tcpmc: %s\n", boundedLine(ue.msg))
			return exitUsage
		}
		fmt.Fprintf(stderr, "tcpmc: %s\n", boundedLine(err.Error()))
		return exitUsage
	}
	return code
}

// Bounds on an error line: a bad token of a megabyte is quoted by an
// excerpt, so that the error stays one readable line.
const (
	maxTokenInError = 256
	maxErrorLine    = 1000
)

// boundedLine makes an error message one line of bounded length: each
// word longer than maxTokenInError is cut to its start and its length,
// and the whole to maxErrorLine bytes.
func boundedLine(msg string) string {
	words := strings.Fields(msg)
	long := len(msg) > maxErrorLine || strings.ContainsAny(msg, "\n\r")
	for _, w := range words {
		long = long || len(w) > maxTokenInError
	}
	if !long {
		return msg
	}
	for i, w := range words {
		if len(w) > maxTokenInError {
			words[i] = fmt.Sprintf("%s... (%d bytes)", strings.ToValidUTF8(w[:maxTokenInError-56], ""), len(w))
		}
	}
	line := strings.Join(words, " ")
	if len(line) > maxErrorLine {
		line = strings.ToValidUTF8(line[:maxErrorLine], "") + "..."
	}
	return line
}

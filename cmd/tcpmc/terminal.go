package main

import (
	"io"
	"os"
)

// isTerminal reports whether w is a terminal: where a progress line is
// worth drawing and binary output must not go. /dev/null and other
// character devices are not terminals.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && fileIsTerminal(f)
}

//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package main

import "os"

func fileIsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

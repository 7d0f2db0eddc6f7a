package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"unsafe"
)

// writeError is a file the user asked for that could not be written. It
// does not hide the verdict: a check that found a violation still exits
// with 1.
type writeError struct {
	flag, path string
	err        error
}

func (e *writeError) Error() string { return fmt.Sprintf("%s %s: %v", e.flag, e.path, e.err) }

func (e *writeError) Unwrap() error { return e.err }

// writeOutput writes what write produces to path, the value of flag:
//
//   - a new file, or an existing regular file (through a symlink too), is
//     replaced only once the content is complete, keeping the existing
//     file's mode;
//   - a terminal, a pipe, /dev/null or /dev/stdout is written through, as
//     the user means;
//   - anything else (a directory, a socket, a disk) is refused, never
//     replaced.
func writeOutput(flag, path string, write func(io.Writer) error) error {
	fail := func(err error) error { return &writeError{flag: flag, path: path, err: unwrapPath(err)} }
	switch path {
	case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		// Whatever stdout is (a file opened for appending too), the user
		// means it.
		if err := write(os.Stdout); err != nil {
			return fail(err)
		}
		return nil
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	st, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return replaceFile(target, 0o644, write, fail)
	case err != nil:
		return fail(err)
	case st.Mode().IsRegular():
		return replaceFile(target, st.Mode().Perm(), write, fail)
	case st.IsDir():
		return fail(errors.New("is a directory"))
	case st.Mode()&fs.ModeNamedPipe != 0, st.Mode()&fs.ModeCharDevice != 0 && (isNullDevice(st) || isTerminalFile(target)):
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return fail(err)
		}
		if err := write(f); err != nil {
			f.Close()
			return fail(err)
		}
		if err := f.Close(); err != nil {
			return fail(err)
		}
		return nil
	}
	return fail(errors.New("not a regular file, a terminal or a pipe: not replacing it"))
}

// replaceFile writes a temporary file beside path and renames it over
// path once complete, so that a failed write leaves the old file whole.
func replaceFile(path string, mode fs.FileMode, write func(io.Writer) error, fail func(error) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tcpmc-*")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	return nil
}

// isNullDevice reports whether st is /dev/null's device (1:3 on Linux).
func isNullDevice(st fs.FileInfo) bool {
	null, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(st, null)
}

// isTerminalFile reports whether path is a terminal.
func isTerminalFile(path string) bool {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

// checkOutDir refuses, before a search, an output directory that cannot
// be made or written: the user learns it at once, not after the search.
// checkOutFile refuses, before a search, an output file that cannot be
// written: a directory, or a file in a directory that does not exist or
// is not writable.
func checkOutFile(flag, path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("%s %s: is a directory", flag, path)
	} else if err == nil {
		return nil // writeOutput decides what may be replaced
	}
	dir := filepath.Dir(filepath.Clean(path))
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return usagef("%s %s: %v", flag, path, unwrapPath(err))
	case !st.IsDir():
		return usagef("%s %s: %s is not a directory", flag, path, dir)
	case syscall.Access(dir, 2 /* W_OK */) != nil:
		return usagef("%s %s: %s is not writable", flag, path, dir)
	}
	return nil
}

func checkOutDir(flag, dir string) error {
	d := filepath.Clean(dir)
	for {
		st, err := os.Stat(d)
		switch {
		case err == nil && !st.IsDir():
			return usagef("%s %s: %s is not a directory", flag, dir, d)
		case err == nil:
			if syscall.Access(d, 2 /* W_OK */) != nil {
				return usagef("%s %s: %s is not writable", flag, dir, d)
			}
			return nil
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return usagef("%s %s: %v", flag, dir, unwrapPath(err))
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil
		}
		d = parent
	}
}

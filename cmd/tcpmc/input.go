package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
)

// openInput opens a file the user names as input. A regular file is
// read as it is; anything else (a FIFO, a device, /dev/stdin) is read
// whole, at most limit bytes, where ctx can stop the wait: opening a FIFO
// blocks until a writer comes, and reading one until it writes, which no
// timeout or signal could otherwise end.
func openInput(ctx context.Context, name string, limit int64) (io.ReadCloser, error) {
	st, err := os.Stat(name)
	switch {
	case err != nil:
		return nil, unwrapPath(err)
	case st.IsDir():
		return nil, fmt.Errorf("is a directory")
	case st.Mode().IsRegular():
		f, err := os.Open(name)
		if err != nil {
			return nil, unwrapPath(err)
		}
		return f, nil
	}
	type read struct {
		data []byte
		err  error
	}
	done := make(chan read, 1)
	go func() {
		f, err := os.Open(name)
		if err != nil {
			done <- read{err: unwrapPath(err)}
			return
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, limit+1))
		done <- read{data, err}
	}()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("stopped while waiting for it to be written (%v)", context.Cause(ctx))
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		if int64(len(r.data)) > limit {
			return nil, fmt.Errorf("more than %d MiB: not an input tcpmc reads", limit>>20)
		}
		return io.NopCloser(bytes.NewReader(r.data)), nil
	}
}

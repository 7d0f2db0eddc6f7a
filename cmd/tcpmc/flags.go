package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// configFlags are the model flags shared by the commands that build a
// model: variant, workload, faults and bounds of the model itself.
type configFlags struct {
	variant                   string
	loss, dup, reorder, crash int
	network                   string
	capacity                  int
	seqSpace, window, retries int
	open, close, data, abort  string
	incarnations              int
	isn                       string
}

func (f *configFlags) register(fs *flag.FlagSet) {
	d := model.DefaultConfig()
	fs.StringVar(&f.variant, "variant", "rfc9293", "`variant` to check: a built-in name (see tcpmc variants)")
	fs.IntVar(&f.loss, "loss", d.Loss, "segments the network may lose")
	fs.IntVar(&f.dup, "dup", d.Dup, "segments the network may duplicate")
	fs.IntVar(&f.reorder, "reorder", d.Reorder, "segments a FIFO channel may deliver ahead of older ones")
	fs.IntVar(&f.crash, "crash", d.Crash, "host crashes (the TCB is lost; the application reopens after a quiet time)")
	fs.StringVar(&f.network, "network", "fifo", "channel order: fifo (plus -reorder) or unordered")
	fs.IntVar(&f.capacity, "capacity", d.Capacity, "segments the network holds at once, both directions together (1-4)")
	fs.IntVar(&f.seqSpace, "seq-space", d.SeqSpace, "size of the sequence number space (power of two, 8-256)")
	fs.IntVar(&f.window, "window", d.Window, "receive window RCV.WND")
	fs.IntVar(&f.retries, "retries", d.RetryLimit, "retransmissions of a segment before the connection is given up")
	fs.StringVar(&f.open, "open", "client-server", "who opens: client-server (one active, one passive) or simultaneous")
	fs.StringVar(&f.close, "close", "either", "who closes first: client, server or either (both orders and simultaneous close)")
	fs.StringVar(&f.data, "data", "1,1", "octets each application sends per connection: N or CLIENT,SERVER (0-7)")
	fs.StringVar(&f.abort, "abort", "none", "applications that may abort instead of closing: none, client, server or both")
	fs.IntVar(&f.incarnations, "incarnations", d.Incarnations, "connections each application opens on the same address pair")
	fs.StringVar(&f.isn, "isn", "clock", "ISN selection: clock (beyond the previous connection's numbers) or arbitrary")
}

func (f *configFlags) config() (model.Config, error) {
	c := model.DefaultConfig()
	c.Loss, c.Dup, c.Reorder, c.Crash = f.loss, f.dup, f.reorder, f.crash
	c.Capacity, c.SeqSpace, c.Window, c.RetryLimit = f.capacity, f.seqSpace, f.window, f.retries
	c.Incarnations = f.incarnations
	var err error
	switch strings.ToLower(f.network) {
	case "fifo":
	case "unordered":
		c.Unordered = true
	default:
		return c, usagef("-network %q: want fifo or unordered", f.network)
	}
	if c.Open, err = model.ParseOpen(f.open); err != nil {
		return c, usagef("-open: %v", err)
	}
	if c.Close, err = model.ParseClose(f.close); err != nil {
		return c, usagef("-close: %v", err)
	}
	if c.ISN, err = model.ParseISN(f.isn); err != nil {
		return c, usagef("-isn: %v", err)
	}
	parts := strings.Split(f.data, ",")
	if len(parts) == 1 {
		parts = append(parts, parts[0])
	}
	if len(parts) != 2 {
		return c, usagef("-data %q: want N or CLIENT,SERVER", f.data)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return c, usagef("-data %q: %q is not a number", f.data, p)
		}
		c.Data[i] = n
	}
	switch strings.ToLower(f.abort) {
	case "none", "":
	case "client", "a":
		c.Abort[model.A] = true
	case "server", "b":
		c.Abort[model.B] = true
	case "both":
		c.Abort = [2]bool{true, true}
	default:
		return c, usagef("-abort %q: want none, client, server or both", f.abort)
	}
	if err := c.Validate(); err != nil {
		return c, usageError{err.Error()}
	}
	return c, nil
}

// loadVariant resolves -variant.
func loadVariant(name string) (*model.Variant, error) {
	if v, ok := model.Builtin(name); ok {
		return v, nil
	}
	var names []string
	for _, v := range model.Builtins() {
		names = append(names, v.Name)
	}
	return nil, usagef("unknown variant %q (built in: %s)", name, strings.Join(names, ", "))
}

// parseFlags parses args with a one-line error for bad flags, and prints
// the usage on -h.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, synopsis string) (helped bool, err error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprintf(stdout, "usage: %s\n\nflags:\n", synopsis)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return true, nil
		}
		return false, usagef("%s: %v (see tcpmc %s -h)", fs.Name(), err, fs.Name())
	}
	if fs.NArg() > 0 {
		return false, usagef("%s: unexpected argument %q (see tcpmc %s -h)", fs.Name(), fs.Arg(0), fs.Name())
	}
	return false, nil
}

// parseSize reads a byte count such as 512MiB, 4GiB, 2G or 1000000.
func parseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	mult := uint64(1)
	for _, u := range []struct {
		suffix string
		mult   uint64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	bytes := v * float64(mult)
	if err != nil || !(bytes >= 1 && bytes < 1<<62) {
		return 0, fmt.Errorf("%q is not a size (try 512MiB or 4GiB)", s)
	}
	return uint64(bytes), nil
}

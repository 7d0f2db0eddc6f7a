package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// configFlags are the model flags shared by the commands that build a
// model: the variant, and the workload, faults and bounds that override
// the variant's own configuration.
type configFlags struct {
	variant string
	fs      *flag.FlagSet
}

func (f *configFlags) register(fs *flag.FlagSet) {
	f.fs = fs
	d := model.DefaultConfig()
	fs.StringVar(&f.variant, "variant", "rfc9293", "`variant` to check: a built-in name (see tcpmc variants) or a variant file")
	fs.Int("loss", d.Loss, "segments the network may lose")
	fs.Int("dup", d.Dup, "segments the network may duplicate")
	fs.Int("reorder", d.Reorder, "segments a FIFO channel may deliver ahead of older ones")
	fs.String("crash", "0", "host crashes (the TCB is lost; the application reopens after a quiet time): a count for either host, or client or server for one crash of that host")
	fs.String("network", "fifo", "channel order: fifo (plus -reorder) or unordered")
	fs.Int("capacity", d.Capacity, "segments the network holds at once, both directions together (1-4)")
	fs.Int("seq-space", d.SeqSpace, "size of the sequence number space (power of two, 8-256)")
	fs.Int("window", d.Window, "receive window RCV.WND (the send window too)")
	fs.String("retries", model.RetriesString(d.RetryLimit), "retransmissions of a segment before the connection is given up, or unlimited (R2 = infinity)")
	fs.String("open", "client-server", "who opens: client-server (one active, one passive), simultaneous, both-listen (both passive; either may turn active) or late-listen (the server listens at some point, perhaps after the client's SYN)")
	fs.String("close", "either", "who closes first: client, server or either (both orders and simultaneous close)")
	fs.String("data", "1,1", "octets each application sends per connection: N or CLIENT,SERVER (0-7)")
	fs.String("abort", "none", "applications that may abort instead of closing: none, client, server or both")
	fs.Int("incarnations", d.Incarnations, "connections each application opens on the same address pair")
	fs.String("calls", "scripted", "when applications call: scripted (open, send, close in order) or any (OPEN, SEND, CLOSE, ABORT in every state where RFC 9293 3.10 defines the call, errors included)")
	fs.String("never-close", "none", "applications that never call CLOSE: none, client, server or both")
	fs.String("isn", "clock", "ISN selection after a host's first connection: clock (beyond its numbers), overlap (within a window of its ISN) or arbitrary")
	registerAttackFlags(fs)
}

// model loads the variant and applies the flags given on the command line
// to its configuration (the defaults shown above are rfc9293's; a
// variant's own configuration replaces them).
func (f *configFlags) model() (*model.Variant, model.Config, error) {
	v, err := loadVariant(f.variant)
	if err != nil {
		return nil, model.Config{}, err
	}
	cfg := v.Config
	var bad error
	f.fs.Visit(func(fl *flag.Flag) {
		if bad != nil || fl.Name == "variant" || !isSetting(fl.Name) {
			return
		}
		if err := model.ApplySetting(&cfg, fl.Name, fl.Value.String()); err != nil {
			bad = usagef("-%s: %v", fl.Name, err)
		}
	})
	if bad != nil {
		return nil, cfg, bad
	}
	if err := cfg.Validate(); err != nil {
		return nil, cfg, usageError{err.Error()}
	}
	if cfg.Attack == 0 {
		for _, name := range []string{"attacker", "attack-segments", "attack-states"} {
			if f.set(name) {
				return nil, cfg, usagef("-%s: there is no attacker to describe (give -attack N, N of 1 to %d)", name, model.MaxAttack)
			}
		}
	}
	if r := f.fs.Lookup("reorder"); cfg.Unordered && cfg.Reorder > 0 && f.set("reorder") {
		return nil, cfg, usagef("-reorder %s: an unordered network already delivers in any order, so a reorder budget means nothing there (use -network fifo, or leave out -reorder)", r.Value)
	}
	return v, cfg, nil
}

// set reports whether a flag was given on the command line.
func (f *configFlags) set(name string) bool {
	given := false
	f.fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == name })
	return given
}

// settingsGiven lists the model settings given on the command line.
func (f *configFlags) settingsGiven() []string {
	var out []string
	f.fs.Visit(func(fl *flag.Flag) {
		if isSetting(fl.Name) {
			out = append(out, fl.Name)
		}
	})
	return out
}

func isSetting(name string) bool {
	for _, n := range model.SettingNames() {
		if n == name {
			return true
		}
	}
	return false
}

// loadVariant resolves -variant: a built-in name, or a variant file.
func loadVariant(name string) (*model.Variant, error) {
	if v, ok := model.Builtin(name); ok {
		return v, nil
	}
	if _, err := os.Stat(name); err == nil {
		v, err := properties.LoadVariant(name)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		return v, nil
	}
	if strings.ContainsRune(name, os.PathSeparator) || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
		return nil, usagef("variant file %s: no such file", name)
	}
	return nil, usagef("unknown variant %q: not a built-in (%s) nor a file", name, strings.Join(model.BuiltinNames(), ", "))
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
		msg := err.Error()
		if strings.Contains(msg, "-timeout") {
			msg += ": want a duration such as 30s, 5m or 1h"
		}
		return false, usagef("%s: %s (see tcpmc %s -h)", fs.Name(), msg, fs.Name())
	}
	if fs.NArg() > 0 {
		return false, usagef("%s: unexpected argument %q (see tcpmc %s -h)", fs.Name(), fs.Arg(0), fs.Name())
	}
	return false, nil
}

// listFlag is a comma-separated list that the flag may also repeat; each
// name is kept once, in the order first given.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" || slices.Contains(*l, name) {
			continue
		}
		*l = append(*l, name)
	}
	return nil
}

func (l listFlag) list() []string { return []string(l) }

// memoryLimitFlag reads --max-memory: empty for the default the process
// can really use, 0 (or 0B, 0GiB) for no limit, else a size. A size
// beyond what the cgroup or the rlimits let the process use is lowered to
// that, with a warning on w: the search must stop before the kernel
// stops it.
func memoryLimitFlag(s string, w io.Writer) (uint64, error) {
	if strings.TrimSpace(s) == "" {
		return explore.DefaultMaxMemory(), nil
	}
	n, err := parseSizeOrZero(s)
	if err != nil {
		return 0, usagef("-max-memory: %v", err)
	}
	if ceiling := explore.MemoryCeiling(); n > ceiling && ceiling > 0 {
		fmt.Fprintf(w, "tcpmc: --max-memory %s is more than this process may use (its cgroup's memory limit or ulimit -v/-d): keeping to %.0f MiB\n", s, mib(ceiling))
		n = ceiling
	}
	return n, nil
}

// parseSizeOrZero is parseSize that also accepts a size of zero, with
// or without a unit (0, 0B, 0GiB).
func parseSizeOrZero(s string) (uint64, error) {
	if bytes, err := sizeBytes(s); err == nil && bytes == 0 {
		return 0, nil
	}
	return parseSize(s)
}

// parseSize reads a byte count such as 512MiB, 4GiB, 2G or 1000000.
func parseSize(s string) (uint64, error) {
	bytes, err := sizeBytes(s)
	if err != nil || !(bytes >= 1 && bytes < 1<<62) {
		return 0, fmt.Errorf("%q is not a size (try 512MiB or 4GiB)", s)
	}
	return uint64(bytes), nil
}

// sizeBytes reads a number with an optional unit, as bytes.
func sizeBytes(s string) (float64, error) {
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
	return v * float64(mult), err
}

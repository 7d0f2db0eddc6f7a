package properties

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tcpmc/tcpmc/model"
)

// The transcripts in testdata/transcripts are scenarios written as steps
// (see model.ParseAction) with the sequence chart they must produce. Run
// "go test ./properties -run Transcripts -rewrite" to update them after an
// intended change, and read the diff.
func TestTranscripts(t *testing.T) {
	datadriven.Walk(t, "../testdata/transcripts", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "run" {
				d.Fatalf(t, "unknown command %q (want run)", d.Cmd)
			}
			// One connection, as in the seed notes' figures, unless the
			// transcript asks for more.
			cfg := model.DefaultConfig()
			cfg.Incarnations = 1
			for _, arg := range d.CmdArgs {
				if err := setConfig(&cfg, arg.Key, arg.Vals); err != nil {
					d.Fatalf(t, "%v", err)
				}
			}
			sys, err := model.NewSystem(model.RFC9293(), cfg)
			if err != nil {
				d.Fatalf(t, "%v", err)
			}
			return runScript(t, d, sys)
		})
	})
}

func runScript(t *testing.T, d *datadriven.TestData, sys *model.System) string {
	tr := &Trace{Start: sys.Initial()[0]}
	cur := tr.Start
	var notes []string
	for _, line := range strings.Split(d.Input, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		try := strings.HasPrefix(line, "try ")
		text := strings.TrimPrefix(line, "try ")
		a, err := model.ParseAction(text, sys.Config().Open)
		if err != nil {
			d.Fatalf(t, "%v", err)
		}
		st, next, err := sys.Apply(cur, a)
		switch {
		case err != nil && try:
			notes = append(notes, fmt.Sprintf("after step %d, %q is not possible", len(tr.Steps), text))
			continue
		case err != nil:
			d.Fatalf(t, "step %d, %q: %v", len(tr.Steps)+1, text, err)
		case try:
			d.Fatalf(t, "step %d, %q was expected to be impossible", len(tr.Steps)+1, text)
		}
		tr.Steps = append(tr.Steps, model.PathStep{Step: st, State: next})
		cur = next
	}
	if err := sys.Replay(tr.Start, tr.Steps); err != nil {
		d.Fatalf(t, "the transcript does not replay: %v", err)
	}
	out := Chart(sys, tr)
	for _, n := range notes {
		out += n + "\n"
	}
	return out
}

// setConfig applies one key=value argument of a transcript command.
func setConfig(c *model.Config, key string, vals []string) error {
	if len(vals) == 0 {
		return fmt.Errorf("%s needs a value", key)
	}
	v := vals[0]
	num := func(dst *int) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%s=%s: not a number", key, v)
		}
		*dst = n
		return nil
	}
	var err error
	switch key {
	case "data":
		if len(vals) != 2 {
			return fmt.Errorf("data needs two values, e.g. data=(1,1)")
		}
		for i := range vals {
			if c.Data[i], err = strconv.Atoi(vals[i]); err != nil {
				return err
			}
		}
	case "open":
		c.Open, err = model.ParseOpen(v)
	case "close":
		c.Close, err = model.ParseClose(v)
	case "isn":
		c.ISN, err = model.ParseISN(v)
	case "loss":
		err = num(&c.Loss)
	case "dup":
		err = num(&c.Dup)
	case "reorder":
		err = num(&c.Reorder)
	case "crash":
		err = num(&c.Crash)
	case "retries":
		err = num(&c.RetryLimit)
	case "incarnations":
		err = num(&c.Incarnations)
	case "capacity":
		err = num(&c.Capacity)
	default:
		return fmt.Errorf("unknown setting %q", key)
	}
	return err
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

const mutateSynopsis = `tcpmc mutate [--variant NAME|FILE] [--suite | config flags] [--json]

Derives mutants of the variant's rule table (operators: delete, the rule
removed; no-send, it sends nothing; stay, it leaves the state unchanged;
weaken-guard, its guard cut to the part before the first &&) and checks
each against the standard suite (or the configuration
the flags give), cheapest configuration first, until one kills it: violates
a property the original holds there. A mutant whose state space is the
original's in every configuration is equivalent. Exit status: 0 no mutant
survived, 1 some survived, 2 bad usage, 3 interrupted.`

func runMutate(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("mutate", flag.ContinueOnError)
	var cf configFlags
	cf.register(fs)
	var (
		suite   = fs.Bool("suite", false, "check against the standard suite (the default when no configuration flag is given)")
		asJSON  = fs.Bool("json", false, "print one JSON object instead of the table")
		workers = fs.Int("workers", 0, "mutants checked at once (0: one per CPU)")
		only    = fs.String("only", "", "analyse only the mutants of these comma-separated `rules` (or OPERATOR:RULE, e.g. weaken-guard:listen.rcv-syn)")
		quiet   = fs.Bool("quiet", false, "no progress line")
	)
	if helped, err := parseFlags(fs, args, stdout, mutateSynopsis); helped || err != nil {
		return exitHolds, err
	}
	v, cfg, err := cf.model()
	if err != nil {
		return 0, err
	}
	opts := properties.MutateOptions{Workers: *workers}
	given := cf.settingsGiven()
	switch {
	case *suite && len(given) > 0:
		return 0, usagef("mutate: --suite chooses its own configurations: -%s cannot be given with it", given[0])
	case len(given) > 0:
		opts.Configs = []properties.SuiteConfig{{Name: "command-line", Why: describeConfig(cfg), Settings: cfg.Settings()}}
	}
	if *only != "" {
		want := map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			s = strings.TrimSpace(s)
			// Operators are words of the command line, which take any case as
			// every other enumerated value does; rule names are names.
			if op, rule, ok := strings.Cut(s, ":"); ok {
				s = properties.HarmlessKey(strings.ToLower(op), rule)
			}
			want[s] = true
		}
		var rules []string
		for _, r := range v.Rules {
			rules = append(rules, r.Name)
		}
		for w := range want {
			rule := w
			if op, r, ok := strings.Cut(w, ":"); ok {
				rule = r
				if !slices.Contains(properties.Operators, op) {
					return 0, usagef("mutate: -only: unknown operator %q%s (want %s)", op, model.DidYouMean(op, properties.Operators), strings.Join(properties.Operators, ", "))
				}
			}
			if !slices.Contains(rules, rule) {
				return 0, usagef("mutate: -only: the variant has no rule %q%s", rule, model.DidYouMean(rule, rules))
			}
		}
		opts.Only = func(op, rule string) bool { return want[rule] || want[properties.HarmlessKey(op, rule)] }
	}
	if *workers < 0 {
		return 0, usagef("mutate: -workers cannot be negative")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !*asJSON && !*quiet && isTerminal(stderr) {
		opts.Progress = func(done, total int) { fmt.Fprintf(stderr, "\r\033[Kmutants: %d of %d", done, total) }
	}
	rep, err := properties.Mutate(ctx, v, opts)
	if err != nil {
		return 0, usagef("mutate: %v", err)
	}
	if opts.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if *asJSON {
		out, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return 0, err
		}
		fmt.Fprintln(stdout, string(out))
	} else {
		printMutation(stdout, rep)
	}
	switch {
	case !rep.Complete:
		return exitLimit, nil
	case rep.Count(properties.Survived) > 0:
		return exitViolated, nil
	}
	return exitHolds, nil
}

func printMutation(w io.Writer, rep *properties.MutationReport) {
	fmt.Fprintf(w, "mutants of %s, checked in %s (cheapest first)\n\n", rep.Variant, strings.Join(rep.Configs, ", "))
	ruleW := 4
	for _, m := range rep.Results {
		ruleW = max(ruleW, len(m.Rule))
	}
	fmt.Fprintf(w, "%-*s  %-12s  %-10s  %s\n", ruleW, "RULE", "OPERATOR", "OUTCOME", "BY")
	for _, m := range rep.Results {
		by := ""
		switch {
		case m.Outcome == properties.Killed && m.Property != "":
			by = m.Property + " in " + m.Config
		case m.Outcome == properties.Killed:
			by = m.Config + ": " + m.Why
		case m.Outcome == properties.Harmless:
			by = m.Why
		}
		fmt.Fprintf(w, "%-*s  %-12s  %-10s  %s\n", ruleW, m.Rule, m.Operator, m.Outcome, by)
	}
	fmt.Fprintf(w, "\n%d mutant%s: %d killed, %d equivalent, %d harmless, %d survived; score %.1f%% (killed of those neither equivalent nor harmless), %.0fs\n",
		len(rep.Results), plural(len(rep.Results)), rep.Count(properties.Killed), rep.Count(properties.Equivalent), rep.Count(properties.Harmless),
		rep.Count(properties.Survived), 100*rep.Score(), rep.Elapsed.Seconds())
	if !rep.Complete {
		fmt.Fprintln(w, "interrupted: the mutants not listed were not decided")
	}
}

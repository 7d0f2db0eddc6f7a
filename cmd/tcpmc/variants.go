package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

const variantsSynopsis = `tcpmc variants [--knobs | --rules | --lint | --vocabulary] [NAME|FILE]

Lists the built-in variants with their expected verdicts; with a NAME or a
variant file, shows its changes, configuration and the reason for each
expected verdict; with --knobs, the knobs variant files can set; with
--rules, the variant's rule table (names, states, events, guards); with
--lint, checks that every rule of the variant (of every built-in when none
is given) can fire, as a variant file is always checked; with

--vocabulary, the names properties of one's own may use (variant files'
properties:, check --invariant, --step, --reachable and --leads-to).`

func runVariants(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("variants", flag.ContinueOnError)
	knobs := fs.Bool("knobs", false, "list the knobs variant files can set")
	rules := fs.Bool("rules", false, "list the variant's rules (rfc9293's when no variant is given): the names change, remove and add refer to")
	lint := fs.Bool("lint", false, "check that every rule of the variant, or of every built-in, can fire")
	vocabulary := fs.Bool("vocabulary", false, "list the names and operators of the formulas of properties one writes")
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprintf(stdout, "usage: %s\n", variantsSynopsis)
			return exitHolds, nil
		}
		return 0, usagef("variants: %v (see tcpmc variants -h)", err)
	}
	if listings := countTrue(*knobs, *rules, *lint, *vocabulary); listings > 1 {
		return 0, usagef("variants: --knobs, --rules, --lint and --vocabulary are different listings; give one at a time")
	}
	switch {
	case *vocabulary && fs.NArg() > 0:
		return 0, usagef("variants: --vocabulary is the same for every variant; give it alone")
	case *vocabulary:
		for _, line := range model.FormulaVocabulary() {
			fmt.Fprintln(stdout, line)
		}
	case *knobs && fs.NArg() > 0:
		return 0, usagef("variants: --knobs lists the knobs of every variant file; give no variant with it")
	case *knobs:
		printKnobs(stdout)
	case *lint && fs.NArg() > 1:
		return 0, usagef("variants: give at most one variant")
	case *lint:
		return lintVariants(stdout, fs.Args())
	case *rules && fs.NArg() > 1:
		return 0, usagef("variants: give at most one variant")
	case *rules:
		v := model.RFC9293()
		if fs.NArg() == 1 {
			var err error
			if v, err = loadVariant(fs.Arg(0)); err != nil {
				return 0, err
			}
		}
		if err := printRules(stdout, v); err != nil {
			return 0, err
		}
	case fs.NArg() == 1:
		v, err := loadVariant(fs.Arg(0))
		if err != nil {
			return 0, err
		}
		printVariant(stdout, v)
	case fs.NArg() > 1:
		return 0, usagef("variants: give at most one variant")
	default:
		for _, v := range model.Builtins() {
			fmt.Fprintf(stdout, "%-22s %s\n", v.Name, v.Description)
			fmt.Fprintf(stdout, "%-22s %s\n", "", expectedSummary(v))
		}
		fmt.Fprintf(stdout, "\nRun \"tcpmc variants NAME\" for a variant's changes, configuration and the reason\nfor each expected verdict, \"tcpmc check --variant NAME\" to check it.\n")
	}
	return exitHolds, nil
}

func countTrue(flags ...bool) int {
	n := 0
	for _, set := range flags {
		if set {
			n++
		}
	}
	return n
}

// lintVariants runs the dead-rule check on the built-ins named, or all;
// a variant file gets it whenever it is loaded.
func lintVariants(stdout io.Writer, names []string) (int, error) {
	if len(names) == 0 {
		names = model.BuiltinNames()
	}
	for _, name := range names {
		if _, ok := model.Builtin(name); !ok {
			v, err := loadVariant(name)
			if err != nil {
				return 0, err
			}
			fmt.Fprintf(stdout, "%s: every rule can fire\n", v.Name)
			continue
		}
		if err := model.LintBuiltin(name); err != nil {
			return 0, usageError{err.Error()}
		}
		fmt.Fprintf(stdout, "%s: every rule can fire\n", name)
	}
	return exitHolds, nil
}

func expectedSummary(v *model.Variant) string {
	var violated []string
	for _, e := range v.Expect {
		if e.Verdict == "violated" {
			violated = append(violated, e.Property)
		}
	}
	if len(violated) == 0 {
		return "expected: every property holds"
	}
	return "expected violated: " + strings.Join(violated, ", ")
}

func printVariant(w io.Writer, v *model.Variant) {
	fmt.Fprintf(w, "%s: %s\n", v.Name, v.Description)
	if s := v.Spec; s != nil {
		base := s.Base
		if base == "" {
			base = "rfc9293"
		}
		fmt.Fprintf(w, "\nbase: %s\n", base)
		for _, k := range s.Knobs {
			fmt.Fprintf(w, "knob: %s = %s\n", k.Name, k.Value)
		}
		for _, r := range s.Remove {
			fmt.Fprintf(w, "removes rule %s\n", r.Value)
		}
		for _, c := range s.Change {
			var fields []string
			for f, val := range c.Fields {
				fields = append(fields, fmt.Sprintf("%s=%q", f, val))
			}
			sort.Strings(fields)
			fmt.Fprintf(w, "changes rule %s: %s\n", c.Name, strings.Join(fields, ", "))
		}
		for _, a := range s.Add {
			fmt.Fprintf(w, "adds rule %s\n", a.Rule.Name)
		}
	} else {
		fmt.Fprintf(w, "\nthe rule table of RFC 9293 section 3.10 (%d rules)\n", len(v.Rules))
	}
	var cfg []string
	for _, s := range v.Config.Settings() {
		cfg = append(cfg, s.Name+"="+s.Value)
	}
	fmt.Fprintf(w, "\nconfiguration: %s\n", strings.Join(cfg, " "))
	if len(v.Expect) > 0 {
		fmt.Fprintf(w, "\nexpected verdicts:\n")
		for _, e := range v.Expect {
			fmt.Fprintf(w, "  %-22s %-9s %s\n", e.Property, e.Verdict, e.Why)
		}
	}
}

// printRules lists a variant's rule table in the vocabulary of variant
// files: name, section, states, event, guard, next state.
func printRules(w io.Writer, v *model.Variant) error {
	t, err := model.CompileTable(v.Rules, v.Macros)
	if err != nil {
		return err
	}
	for _, r := range t.Rules() {
		switch {
		case r.Section == "":
			fmt.Fprintln(w, r.Name)
		case strings.HasPrefix(r.Section, "RFC"):
			fmt.Fprintf(w, "%s  (%s)\n", r.Name, r.Section)
		default:
			fmt.Fprintf(w, "%s  (RFC 9293 %s)\n", r.Name, r.Section)
		}
		fmt.Fprintf(w, "    in: %s\n    on: %s\n", r.In, r.On)
		for _, f := range []struct{ key, value string }{{"if", r.If}, {"do", r.Do}, {"send", r.Send}, {"next", r.Rule.Next}, {"then", r.Then}} {
			if f.value != "" {
				fmt.Fprintf(w, "    %s: %s\n", f.key, f.value)
			}
		}
	}
	return nil
}

func printKnobs(w io.Writer) {
	for _, k := range model.Knobs() {
		fmt.Fprintf(w, "%s: %s\n", k.Name, k.Doc)
		for i, v := range k.Values {
			mark := ""
			if i == 0 {
				mark = " (rfc9293)"
			}
			fmt.Fprintf(w, "  %-10s %s%s\n", v.Value, v.Doc, mark)
		}
	}
}

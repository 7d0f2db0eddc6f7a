package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// checkSuite runs `tcpmc check --suite`: the variant in every
// configuration of the standard suite, judged against rfc9293's verdicts
// there.
func checkSuite(ctx context.Context, v *model.Variant, opts properties.Options, asJSON bool, prog *progressLine, stdout, stderr io.Writer) (int, error) {
	var runs []properties.SuiteRun
	rep, err := properties.RunSuiteWith(ctx, v, opts, func(c properties.SuiteConfig, i int) {
		if prog != nil {
			prog.clear()
			fmt.Fprintf(stderr, "suite %d/%d: %s\n", i+1, len(properties.Suite), c.Name)
		}
	})
	if err != nil {
		return 0, usageError{err.Error()}
	}
	prog.clear()
	runs = rep.Runs
	if asJSON {
		out, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return 0, err
		}
		fmt.Fprintln(stdout, string(out))
	} else {
		printSuite(stdout, rep, runs)
	}
	switch {
	case !rep.Passed():
		return exitViolated, nil
	case !rep.Complete():
		return exitLimit, nil
	}
	return exitHolds, nil
}

func printSuite(w io.Writer, rep *properties.SuiteReport, runs []properties.SuiteRun) {
	var states uint64
	for _, run := range runs {
		states += run.Report.States
	}
	fmt.Fprintf(w, "suite: variant %s in %d configurations, %s states in all, %.1fs\n\n", rep.Variant.Name, len(runs), commas(states), rep.Elapsed.Seconds())
	fmt.Fprintf(w, "%-22s %11s %7s  %s\n", "CONFIGURATION", "STATES", "TIME", "VIOLATED")
	for _, run := range runs {
		var violated []string
		for _, r := range run.Report.Results {
			if r.Verdict != properties.Violated {
				continue
			}
			name := r.Property.Name
			switch rep.Judge(run, r) {
			case properties.Regression:
				name += " (!)"
			case properties.Intended:
				name += " (intended)"
			}
			violated = append(violated, name)
		}
		status := strings.Join(violated, ", ")
		if status == "" {
			status = "-"
		}
		if !run.Report.Complete && !run.Report.Violated() {
			status += fmt.Sprintf(" [stopped: %s]", run.Report.Stopped)
		}
		fmt.Fprintf(w, "%-22s %11s %6.1fs  %s\n", run.Config.Name, commas(run.Report.States), run.Report.Elapsed.Seconds(), status)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-22s %-22s %s\n", "PROPERTY", "FIRST VIOLATED", "JUDGEMENT")
	var regressions []properties.SuiteRun
	var regressed []properties.Result
	for _, r := range runs[0].Report.Results {
		name := r.Property.Name
		run, res, ok := rep.FirstViolation(name)
		if !ok {
			judge := "holds everywhere"
			for _, run := range runs {
				if res, _ := run.Report.Result(name); rep.Judge(run, res) == properties.Stronger {
					judge = "holds everywhere, also where rfc9293 violates it"
				}
			}
			fmt.Fprintf(w, "%-22s %-22s %s\n", name, "-", judge)
			continue
		}
		judge := "as rfc9293: " + firstReason(run, name)
		// The first regression, if any, matters more than the first
		// violation.
		for _, r2 := range runs {
			if res2, _ := r2.Report.Result(name); rep.Judge(r2, res2) == properties.Regression {
				run, res = r2, res2
				judge = "violated where rfc9293 holds it"
				regressions, regressed = append(regressions, r2), append(regressed, res2)
				break
			}
			if res2, _ := r2.Report.Result(name); rep.Judge(r2, res2) == properties.Intended {
				run, res = r2, res2
				judge = "violated where rfc9293 holds it, as the variant expects"
				break
			}
		}
		fmt.Fprintf(w, "%-22s %-22s %s\n", name, run.Config.Name, judge)
		_ = res
	}
	for i, run := range regressions {
		r := regressed[i]
		fmt.Fprintf(w, "\n%s violated in configuration %s (%s): %s\n", r.Property.Name, run.Config.Name, run.Config.Why, r.Property.Description)
		fmt.Fprintf(w, "shortest counterexample, %d steps:\n\n", len(r.Counterexample.Steps))
		fmt.Fprint(w, properties.Chart(run.Report.System(), r.Counterexample))
	}
	if c := rep.Coverage(); c != nil {
		printCoverage(w, c)
	}
	switch {
	case !rep.Passed():
		fmt.Fprintf(w, "\nthe variant violates properties that rfc9293 holds in the same configuration\n")
	case !rep.Complete():
		fmt.Fprintf(w, "\nthe suite stopped before it was complete\n")
	}
}

func firstReason(run properties.SuiteRun, name string) string {
	_, why := run.Config.RFC9293Verdict(name)
	return why
}

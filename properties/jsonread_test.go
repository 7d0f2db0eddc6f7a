package properties

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

// A report rebuilt from its JSON writes the same JSON again: the model,
// the verdicts and every counterexample, which is replayed on the model
// to be rebuilt, lassos included.
func TestReadReportRoundTrip(t *testing.T) {
	for _, name := range []string{"no-time-wait", "rfc793-time-wait-rst"} {
		v, ok := model.Builtin(name)
		if !ok {
			t.Fatalf("no variant %s", name)
		}
		rep := check(t, v, v.Config, Options{})
		if !rep.Violated() {
			t.Fatalf("%s: expected a counterexample to carry over", name)
		}
		data, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ReadReport(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := json.Marshal(back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, again) {
			i := 0
			for i < len(data) && i < len(again) && data[i] == again[i] {
				i++
			}
			t.Errorf("%s: the rebuilt report writes different JSON at byte %d: %.120q vs %.120q", name, i, data[max(0, i-60):], again[max(0, i-60):])
		}
		for _, r := range back.Results {
			if tr := r.Counterexample; tr != nil {
				if err := back.System().Replay(tr.Start, tr.Steps); err != nil {
					t.Errorf("%s %s: %v", name, r.Property.Name, err)
				}
			}
		}
	}
}

// User properties carry over too: their form, and a reachable property's
// witness, replayed on the rebuilt model.
func TestReadReportRoundTripUserProperties(t *testing.T) {
	v := model.RFC9293()
	extra := []model.PropertySpec{
		{Name: "both-closing", Form: "reachable", Expr: "client.STATE == CLOSING && server.STATE == CLOSING"},
		{Name: "time-wait-left-by-its-timer", Form: "step", Expr: "client.STATE == TIME-WAIT && client.STATE' != TIME-WAIT => RULE == time-wait.timeout"},
	}
	rep := check(t, v, v.Config, Options{Properties: []string{"handshake-sync"}, Extra: extra})
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Errorf("the rebuilt report writes different JSON")
	}
	w, ok := back.Result("both-closing")
	if !ok || w.Witness == nil || w.Property.Form != "reachable" {
		t.Fatalf("the witness did not carry over: %+v", w)
	}
	if err := back.System().Replay(w.Witness.Start, w.Witness.Steps); err != nil {
		t.Errorf("witness: %v", err)
	}
	if last := w.Witness.Steps[len(w.Witness.Steps)-1].State; last.Ends[model.A].State != model.Closing || last.Ends[model.B].State != model.Closing {
		t.Errorf("the witness ends in %v/%v, not both CLOSING", last.Ends[model.A].State, last.Ends[model.B].State)
	}
}

// A trace edited so that a step is not one of the model's is refused,
// naming the step.
func TestReadReportRejectsAForeignStep(t *testing.T) {
	v, _ := model.Builtin("no-time-wait")
	data, err := json.Marshal(check(t, v, v.Config, Options{Properties: []string{OrderlyRelease.Name}}))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `"rules":["syn-sent.rcv-syn-ack"]`, `"rules":["listen.rcv-syn"]`, 1)
	if bad == string(data) {
		t.Fatal("the trace has no syn-sent.rcv-syn-ack step to edit")
	}
	_, err = ReadReport([]byte(bad))
	if err == nil || !strings.Contains(err.Error(), "step 3") {
		t.Errorf("got %v, want an error naming step 3", err)
	}
	for _, in := range []string{"", "{}", "[1]", `{"model":{"rules":[{"Name":"x"}]}}`} {
		if _, err := ReadReport([]byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

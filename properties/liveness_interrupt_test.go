package properties

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// TestInterruptedLivenessIsIncomplete cancels a liveness check of millions
// of states soon after it starts: the report, and its JSON, must say the
// search is incomplete, with no verdict.
func TestInterruptedLivenessIsIncomplete(t *testing.T) {
	cfg := model.DefaultConfig()
	cfg.Crash = 1
	sys, err := model.NewSystem(model.RFC9293(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	rep, err := Check(ctx, sys, Options{Properties: livenessNames()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Complete || rep.Liveness == nil || rep.Liveness.Complete || rep.Liveness.Stopped != explore.Interrupted {
		t.Fatalf("complete=%v liveness=%+v", rep.Complete, rep.Liveness)
	}
	for _, r := range rep.Results {
		if r.Verdict != Unknown {
			t.Errorf("%s: %s after an interruption", r.Property.Name, r.Verdict)
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Complete bool `json:"complete"`
		Liveness struct {
			Complete bool   `json:"complete"`
			Stopped  string `json:"stopped"`
		} `json:"liveness"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if j.Complete || j.Liveness.Complete || j.Liveness.Stopped != "interrupted" {
		t.Fatalf("JSON says complete=%v, liveness complete=%v stopped=%q", j.Complete, j.Liveness.Complete, j.Liveness.Stopped)
	}
}

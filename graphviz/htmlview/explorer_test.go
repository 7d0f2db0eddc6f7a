package htmlview

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties/conform"
)

func newTestExplorer(t *testing.T, variant string) *Explorer {
	t.Helper()
	v, ok := model.Builtin(variant)
	if !ok {
		t.Fatalf("no variant %s", variant)
	}
	sys, err := model.NewSystem(v, v.Config)
	if err != nil {
		t.Fatal(err)
	}
	return NewExplorer(sys)
}

func call(t *testing.T, x *Explorer, method, target string) (*httptest.ResponseRecorder, explorerState) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.Host = "127.0.0.1:7293"
	rec := httptest.NewRecorder()
	x.ServeHTTP(rec, req)
	var st explorerState
	if rec.Code == http.StatusOK && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
			t.Fatal(err)
		}
	}
	return rec, st
}

// Every step offered is a successor of the model, and taking them one by
// one builds a path the model replays.
func TestExplorerSteps(t *testing.T) {
	x := newTestExplorer(t, "rfc9293")
	_, st := call(t, x, "GET", "/api/state")
	if len(st.Choices) == 0 || st.Choices[0].Kind != "user call" {
		t.Fatalf("initial choices %+v", st.Choices)
	}
	for i := 0; i < 6; i++ {
		rec, next := call(t, x, "POST", "/api/step?i=0")
		if rec.Code != http.StatusOK || len(next.Trace.Steps) != i+2 {
			t.Fatalf("step %d: %d %s", i, rec.Code, rec.Body.String())
		}
	}
	if err := x.sys.Replay(x.path.Start, x.path.Steps); err != nil {
		t.Errorf("the explored path does not replay: %v", err)
	}
	if rec, _ := call(t, x, "POST", "/api/step?i=99"); rec.Code != http.StatusBadRequest {
		t.Errorf("a step that is not enabled: %d", rec.Code)
	}
	if rec, _ := call(t, x, "GET", "/api/step?i=0"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET changes the path: %d", rec.Code)
	}
	_, back := call(t, x, "POST", "/api/back")
	if len(back.Trace.Steps) != 6 {
		t.Errorf("back leaves %d states", len(back.Trace.Steps))
	}
}

// A lasso jumped to keeps its cycle.
func TestExplorerJumpToALasso(t *testing.T) {
	x := newTestExplorer(t, "rfc793-time-wait-rst")
	_, st := call(t, x, "POST", "/api/jump?property=eventually-closed")
	if st.Trace.LoopStart == 0 || !strings.Contains(st.Message, "repeat for ever") {
		t.Errorf("jump to a lasso: loop %d, message %q", st.Trace.LoopStart, st.Message)
	}
	_, st = call(t, x, "POST", "/api/jump?property=no-such")
	if !strings.Contains(st.Message, "unknown property") {
		t.Errorf("message %q", st.Message)
	}
}

func TestExplorerRefusesOtherHosts(t *testing.T) {
	x := newTestExplorer(t, "rfc9293")
	req := httptest.NewRequest("GET", "/api/state", nil)
	req.Host = "evil.example:7293"
	rec := httptest.NewRecorder()
	x.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("a request for another host: %d", rec.Code)
	}
}

// The path exports as a packetdrill script for either side, which the
// packetdrill runner accepts against that side of the same variant; a
// side that does not exist is refused.
func TestExplorerExportsPacketdrill(t *testing.T) {
	x := newTestExplorer(t, "no-time-wait")
	call(t, x, "POST", "/api/jump?property=orderly-release")
	if len(x.path.Steps) == 0 {
		t.Fatal("no counterexample to export")
	}
	for _, side := range []string{"client", "server"} {
		rec, _ := call(t, x, "GET", "/api/export?format=packetdrill&side="+side)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", side, rec.Code, rec.Body.String())
		}
		script, err := conform.Parse(side+".pkt", strings.NewReader(rec.Body.String()))
		if err != nil {
			t.Fatalf("%s: %v\n%s", side, err, rec.Body.String())
		}
		if res := conform.RunScript(script, x.sys.Variant()); res.Verdict != conform.Agrees {
			t.Errorf("%s: the exported script %s at line %d: %s\n%s", side, res.Verdict, res.Line, res.Reason, rec.Body.String())
		}
	}
	if rec, _ := call(t, x, "GET", "/api/export?format=packetdrill&side=peer"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "unknown side") {
		t.Errorf("an unknown side: %d %s", rec.Code, rec.Body.String())
	}
}

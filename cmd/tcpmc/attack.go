package main

import (
	"flag"
	"fmt"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// registerAttackFlags adds the attacker's flags to the model flags.
func registerAttackFlags(fs *flag.FlagSet) {
	fs.Int("attack", 0, fmt.Sprintf("segments an attacker in the network may forge (0-%d; 0: no attacker)", model.MaxAttack))
	fs.String("attacker", "blind", "what the attacker knows: blind (the address pair only: it guesses every sequence number) or on-path (it sees the segments in flight and forges with their numbers)")
	fs.String("attack-segments", "all", "segments the attacker forges: a list of rst, syn, ack, data, fin, or all")
	fs.String("attack-states", "all", "states of the endpoint a forged segment reaches: a list such as ESTABLISHED,FIN-WAIT-2, or all")
}

// attackLine says how a blind attacker's forged segment fared, for a
// violated property whose counterexample has one.
func attackLine(c model.Config, r properties.Result) string {
	a := r.Attack
	if a == nil {
		return ""
	}
	what := "sequence numbers"
	if model.KindOf(r.Counterexample.Steps[a.Step].Step.Seg).ReadsAck() {
		what = "pairs of sequence and acknowledgment numbers"
	}
	bound := ""
	if !a.Complete {
		bound = "at least "
	}
	return fmt.Sprintf("attack: %s%d of the %d %s the blind attacker may give its forged segment (step %d) lead to this violation",
		bound, a.Succeeded, a.OutOf, what, a.Step+1)
}

package model

import (
	"strings"
	"testing"
)

func TestAttackSettingsRoundTrip(t *testing.T) {
	c := DefaultConfig()
	for _, kv := range [][2]string{{"attack", "2"}, {"attacker", "on-path"}, {"attack-segments", "syn,rst"}, {"attack-states", "established,FIN_WAIT_2"}} {
		if err := ApplySetting(&c, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if c.Attack != 2 || c.Attacker != OnPath || c.AttackSegments != ForgeRST|ForgeSYN || c.AttackStates != 1<<Established|1<<FinWait2 {
		t.Fatalf("parsed %+v", c)
	}
	back := DefaultConfig()
	for _, s := range c.Settings() {
		if err := ApplySetting(&back, s.Name, s.Value); err != nil {
			t.Fatalf("%s=%s: %v", s.Name, s.Value, err)
		}
	}
	if back != c {
		t.Errorf("settings %v give %+v, not %+v", c.Settings(), back, c)
	}
	// Without an attacker its settings are left out, and "all" is one value.
	for _, s := range DefaultConfig().Settings() {
		if strings.HasPrefix(s.Name, "attack") {
			t.Errorf("setting %s written without an attacker", s.Name)
		}
	}
	all, _ := ParseAttackKinds("rst,syn,ack,data,fin")
	states, _ := ParseStateSet(strings.Join(stateNames[:], ","))
	if all != 0 || states != 0 {
		t.Errorf("every kind or state listed: %v %v, want the sets meaning all", all, states)
	}
}

func TestAttackSettingErrors(t *testing.T) {
	for _, kv := range [][3]string{
		{"attack", "4", "attack 4: want 0 to 3 forged segments"},
		{"attack", "two", `attack: "two" is not a number`},
		{"attacker", "eve", `attacker "eve": want blind or on-path`},
		{"attack-segments", "rst,psh", `unknown segment kind "psh"`},
		{"attack-states", "SYN-SENT,LISTENING", `unknown state "LISTENING"`},
	} {
		c := DefaultConfig()
		err := ApplySetting(&c, kv[0], kv[1])
		if err == nil || !strings.Contains(err.Error(), kv[2]) {
			t.Errorf("%s=%s: %v, want %q", kv[0], kv[1], err, kv[2])
		}
	}
	c := DefaultConfig()
	c.Attack = 7
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "attack 7") {
		t.Errorf("Validate: %v", err)
	}
}

// A variant file's attacker settings are checked with the file's line.
func TestAttackVariantFile(t *testing.T) {
	_, err := loadSpec("name: v\nconfig:\n  attack: 1\n  attack-segments: rst,bad\n")
	if err == nil || !strings.Contains(err.Error(), "v.yaml:4:") || !strings.Contains(err.Error(), `unknown segment kind "bad"`) {
		t.Errorf("got %v", err)
	}
	v, err := loadSpec("name: v\nknobs:\n  rst: rfc793\n  syn: rfc793\n  time-wait-rst: close\nconfig:\n  attack: 1\n")
	if err != nil {
		t.Fatal(err)
	}
	if v.Config.Attack != 1 {
		t.Errorf("attack %d", v.Config.Attack)
	}
	for _, name := range []string{"synchronized.rcv-rst-in-window", "synchronized.rcv-syn", "synchronized.rcv-syn-ack"} {
		if ruleIndex(v.Rules, name) < 0 {
			t.Errorf("rfc793 knobs: no rule %s", name)
		}
	}
}

func loadSpec(text string) (*Variant, error) {
	spec, err := ParseVariant([]byte(text), "v.yaml")
	if err != nil {
		return nil, err
	}
	return spec.Resolve()
}

func FuzzAttackSettings(f *testing.F) {
	for _, s := range []string{"rst", "rst,syn,ack,data,fin", "all", "", ",", "ESTABLISHED", "syn-rcvd,TIME_WAIT", "blind", "on-path", "3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range attackSettingNames {
			c := DefaultConfig()
			if err := ApplySetting(&c, name, s); err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("%s=%q: a multi-line error %q", name, s, err)
				}
				continue
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("%s=%q accepted but invalid: %v", name, s, err)
			}
		}
	})
}

// The attacker's successors, grouped by outcome and cached, are those of
// every value it may send, each (step, state) once, by its first value.
func TestAttackClassesAreEveryValue(t *testing.T) {
	v := RFC9293()
	cfg := v.Config
	for _, kv := range [][2]string{{"attack", "1"}, {"data", "1,0"}, {"incarnations", "1"}, {"loss", "0"}, {"dup", "0"}, {"reorder", "0"}, {"seq-space", "8"}, {"window", "2"}} {
		if err := ApplySetting(&cfg, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, attacker := range []Attacker{Blind, OnPath} {
		cfg.Attacker = attacker
		m, err := NewSystem(v, cfg)
		if err != nil {
			t.Fatal(err)
		}
		forked := m.Fork()
		type edge struct {
			st Step
			ns State
		}
		seen := map[State]bool{}
		queue := m.Initial()
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			var want []edge
			if s.Forged() < cfg.Attack {
				for target := A; target <= B; target++ {
					for _, kind := range AllForgeKinds.Kinds() {
						for _, seg := range m.ForgeCandidates(s, target, kind) {
							m.ForgeSuccessors(s, target, seg, func(st Step, ns State) {
								for _, e := range want {
									k := e.st
									k.Seg = st.Seg
									if k == st && e.ns == ns && KindOf(e.st.Seg) == kind {
										return
									}
								}
								want = append(want, edge{st, ns})
							})
						}
					}
				}
			}
			for _, succ := range []func(State, func(Step, State)){m.Successors, forked} {
				var got []edge
				succ(s, func(st Step, ns State) {
					if st.Kind == Forge {
						got = append(got, edge{st, ns})
					}
					if !seen[ns] {
						seen[ns] = true
						queue = append(queue, ns)
					}
				})
				if len(got) != len(want) {
					t.Fatalf("%s: %d forged successors, every value gives %d distinct", attacker, len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s: forged successor %d: %+v, want %+v", attacker, i, got[i].st, want[i].st)
					}
				}
			}
		}
		if len(seen) < 100 {
			t.Fatalf("%s: only %d states", attacker, len(seen))
		}
	}
}

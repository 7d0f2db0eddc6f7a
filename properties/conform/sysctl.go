package conform

import (
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/tcpmc/tcpmc/model"
)

// A script sets the sysctls it depends on (`sysctl -w name=value`,
// Linux's `set_sysctls.py /proc/sys/net/ipv4/name=value`). Those that
// select a stack choice the model has as a knob set it, for the whole
// script, when the variant is a built-in one.
var sysctlKnobs = map[string]model.Setting{
	// FreeBSD drops SYN with FIN in LISTEN and SYN-SENT.
	"net.inet.tcp.drop_synfin=1": {Name: "syn-fin", Value: "drop"},
	// Linux ignores a RST in TIME-WAIT, RFC 1337's fix F1 (ip-sysctl.rst: tcp_rfc1337).
	"net.ipv4.tcp_rfc1337=1": {Name: "time-wait-rst", Value: "ignore"},
}

var sysctlRE = regexp.MustCompile(`(?:sysctl\s+(?:-[a-z]+\s+)*|/proc/sys/)([a-z0-9_./]+)=(\S+)`)

// scriptSysctls lists, in order, the knob settings the sysctls a script
// sets before its first system call select, and the sysctl lines that
// select them.
func scriptSysctls(s *Script) (settings []model.Setting, lines []string) {
	chosen := map[string]model.Setting{}
	why := map[string]string{}
	for _, ev := range s.Events {
		if ev.Kind == SyscallEvent {
			break // later changes restore the defaults at the end
		}
		if ev.Kind != CommandEvent {
			continue
		}
		for _, m := range sysctlRE.FindAllStringSubmatch(ev.Text, -1) {
			name := strings.ReplaceAll(m[1], "/", ".")
			for k := range sysctlKnobs {
				if strings.HasPrefix(k, name+"=") {
					delete(chosen, sysctlKnobs[k].Name) // set again: the last value counts
				}
			}
			if set, ok := sysctlKnobs[name+"="+m[2]]; ok {
				chosen[set.Name], why[set.Name] = set, name+"="+m[2]
			}
		}
	}
	names := make([]string, 0, len(chosen))
	for n := range chosen {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		settings = append(settings, chosen[n])
		lines = append(lines, why[n])
	}
	return settings, lines
}

var (
	knobbedMu sync.Mutex
	knobbed   = map[string]*model.Variant{}
)

// variantFor is the variant a script runs against: v, with the knobs its
// sysctls select when v is built in; the settings made are described.
func variantFor(s *Script, v *model.Variant) (*model.Variant, []string, error) {
	settings, lines := scriptSysctls(s)
	if len(settings) == 0 {
		return v, nil, nil
	}
	var made []string
	for i, set := range settings {
		made = append(made, set.Name+": "+set.Value+" ("+lines[i]+")")
	}
	if b, ok := model.Builtin(v.Name); !ok || !reflect.DeepEqual(b.Rules, v.Rules) {
		return v, nil, notApplicable("the script sets %s, a knob only a built-in variant takes from a script", strings.Join(made, ", "))
	}
	if v.Spec != nil {
		// A knob the variant already sets: the same value needs nothing.
		var rest []model.Setting
		for _, set := range settings {
			same := false
			for _, k := range v.Spec.Knobs {
				if k.Name == set.Name && k.Value == set.Value {
					same = true
				}
			}
			if !same {
				rest = append(rest, set)
			}
		}
		if len(rest) == 0 {
			return v, made, nil
		}
		settings = rest
	}
	key := v.Name + "|" + strings.Join(made, "|")
	knobbedMu.Lock()
	defer knobbedMu.Unlock()
	if k, ok := knobbed[key]; ok {
		return k, made, nil
	}
	k, err := model.WithKnobs(v.Name, settings...)
	if err != nil {
		return v, nil, notApplicable("the script's sysctls select %s, which %s cannot take: %v", strings.Join(made, ", "), v.Name, err)
	}
	knobbed[key] = k
	return k, made, nil
}

package conform

import (
	"regexp"
	"sort"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// A script sets the sysctls it depends on (`sysctl -w name=value`,
// Linux's `set_sysctls.py /proc/sys/net/ipv4/name=value`). Those that
// select a stack choice the model has as a knob set it on the variant,
// for the whole script.
var sysctlKnobs = map[string]model.Setting{
	// FreeBSD drops SYN with FIN in LISTEN and SYN-SENT.
	"net.inet.tcp.drop_synfin=1": {Name: "syn-fin", Value: "drop"},
	// FreeBSD accepts any RST in the window, as RFC 793 did, instead of
	// RFC 5961's exact match and challenge ACK (tcp_input.c, V_tcp_insecure_rst).
	"net.inet.tcp.insecure_rst=1": {Name: "rst", Value: "rfc793"},
	// FreeBSD drops the connection on a SYN in the window, as RFC 793 did,
	// instead of RFC 5961's challenge ACK (tcp_input.c, V_tcp_insecure_syn).
	"net.inet.tcp.insecure_syn=1": {Name: "syn", Value: "freebsd"},
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

// variantFor is the variant a script runs against: v, with the knobs its
// sysctls select; the settings made are described.
func variantFor(s *Script, v *model.Variant) (*model.Variant, []string, error) {
	settings, lines := scriptSysctls(s)
	if len(settings) == 0 {
		return v, nil, nil
	}
	var made []string
	for i, set := range settings {
		made = append(made, set.Name+": "+set.Value+" ("+lines[i]+")")
	}
	k, err := model.WithKnobs(v, settings...)
	if err != nil {
		return v, nil, notApplicable("the script's sysctls select %s, which %s cannot take: %v", strings.Join(made, ", "), v.Name, err)
	}
	return k, made, nil
}

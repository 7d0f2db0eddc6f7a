package model

import (
	"strings"
	"testing"
)

// Variant-file mistakes get one line naming the line and what is wrong,
// in the file's own terms.
func TestVariantFileErrors(t *testing.T) {
	for _, c := range []struct {
		name, text, want string
	}{
		{"removed twice", "name: t\nbase: rfc9293\nremove:\n  - closed.rcv-ack\n  - closed.rcv-ack\n",
			`t.yaml:5: cannot remove rule "closed.rcv-ack": already removed at line 4`},
		{"a tab", "name: t\nbase: rfc9293\nremove:\n\t- closed.rcv-ack\n",
			"t.yaml:4: a tab in the indentation: indent with spaces"},
		{"indented too far", "name: t\nbase: rfc9293\nchange:\n  - name: closed.rcv-ack\n     why: x\n",
			"t.yaml:5: bad indentation: this line is indented more than the key before it"},
		{"indented too little", "name: t\nbase: rfc9293\nchange:\n  - name: closed.rcv-ack\n  why: x\n",
			"t.yaml:3: bad indentation in the block that starts here"},
		// An added rule before closed.rcv-ack takes every segment it
		// would answer: the error names the rule that shadows it, at
		// the line that adds it.
		{"shadowed", "name: t\nbase: rfc9293\nadd:\n  - name: my.rst\n    in: CLOSED\n    on: segment 1\n    if: \"!RST\"\n    send: <SEQ=0><CTL=RST>\n    before: closed.rcv-ack\n",
			`t.yaml:4: rule "closed.rcv-ack" can never fire: rule "my.rst", as this file writes it, takes all its cases`},
	} {
		spec, err := ParseVariant([]byte(c.text), "t.yaml")
		if err == nil {
			_, err = spec.Resolve()
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

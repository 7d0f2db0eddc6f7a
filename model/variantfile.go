package model

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// A variant file is YAML:
//
//	name: my-variant
//	description: one line
//	base: rfc9293              # a built-in variant (the default)
//	knobs:                     # see `tcpmc variants --knobs`
//	  time-wait: none
//	remove: [rule-name, ...]
//	change:                    # replace some fields of existing rules
//	  - name: fin-wait-2.rcv-fin
//	    next: CLOSED
//	add:                       # new rules, before or after an existing one
//	  - name: my-rule
//	    before: closing.rcv-rst
//	    in: TIME-WAIT
//	    on: segment 2
//	    if: RST
//	config:                    # the configuration for the expected verdicts
//	  incarnations: 2
//	expect:                    # verdicts, with or without a reason
//	  orderly-release: violated
//	  no-deadlock: {verdict: holds, why: ...}
//
// LoadVariantFile and ParseVariant report every problem as one line naming
// the file, the line and what is wrong.

var topKeys = []string{"name", "description", "base", "knobs", "remove", "change", "add", "config", "properties", "expect"}

// maxVariantFileBytes bounds what is read of a variant file: the
// built-in variants take a few kilobytes, and /dev/zero must not fill
// the memory.
const maxVariantFileBytes = 1 << 20

// LoadVariantFile reads and resolves a variant file.
func LoadVariantFile(path string) (*Variant, error) {
	data, err := readBounded(path, maxVariantFileBytes)
	if err != nil {
		return nil, &VariantError{File: path, Msg: err.Error()}
	}
	spec, err := ParseVariant(data, path)
	if err != nil {
		return nil, err
	}
	return spec.Resolve()
}

// readBounded reads at most limit bytes of a file, and fails on a larger
// one rather than read it all.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d KiB: a variant file is a short YAML text", limit>>10)
	}
	return data, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlHint says in a variant file's terms what YAML's parser reports
// about a misplaced line.
func yamlHint(msg string) string {
	switch {
	case strings.Contains(msg, "mapping values are not allowed"):
		return "bad indentation: this line is indented more than the key before it, or a value holds ': ' (quote it)"
	case strings.Contains(msg, "did not find expected '-' indicator"), strings.Contains(msg, "did not find expected key"):
		return "bad indentation in the block that starts here: one of its lines lines up with none of its keys or list items"
	case strings.Contains(msg, "could not find expected ':'"):
		return "a key without ':' after it, or a line indented as if it went on the one before"
	}
	return msg
}

// ParseVariant reads a variant file's text into a Spec without resolving
// it.
func ParseVariant(data []byte, file string) (*Spec, error) {
	s := &Spec{File: file, Line: 1}
	// YAML forbids tabs in indentation and says so in its own words.
	for i, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if strings.Contains(indent, "\t") {
			return nil, s.errorf(i+1, "a tab in the indentation: indent with spaces")
		}
		if !utf8.ValidString(line) {
			return nil, s.errorf(i+1, "not UTF-8 text")
		}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			return nil, s.errorf(n, "%s", yamlHint(m[2]))
		}
		if err.Error() == "EOF" {
			return nil, s.errorf(1, "the file is empty")
		}
		return nil, s.errorf(1, "%s", strings.TrimPrefix(msg, "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, s.errorf(1, "the file is empty")
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		return nil, s.errorf(max(more.Line, 1), "a second YAML document: a variant file holds one")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, s.errorf(root.Line, "a variant file is a mapping of keys (%s)", strings.Join(topKeys, ", "))
	}
	err := eachPair(s, root, topKeys, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "name":
			s.Name, err = scalar(s, v, key)
		case "description":
			s.Description, err = scalar(s, v, key)
		case "base":
			s.Base, err = scalar(s, v, key)
			s.baseLine = k.Line
		case "knobs":
			err = eachPair(s, v, nil, func(name string, k, kv *yaml.Node) error {
				val, err := scalar(s, kv, "knob "+name)
				s.Knobs = append(s.Knobs, Setting{Name: name, Value: val, Line: k.Line})
				return err
			})
		case "config":
			err = eachPair(s, v, nil, func(name string, k, cv *yaml.Node) error {
				val, err := scalar(s, cv, "config "+name)
				s.Config = append(s.Config, Setting{Name: name, Value: val, Line: k.Line})
				return err
			})
		case "remove":
			err = eachItem(s, v, key, func(item *yaml.Node) error {
				name, err := scalar(s, item, "remove")
				s.Remove = append(s.Remove, Located{Value: name, Line: item.Line})
				return err
			})
		case "change":
			err = eachItem(s, v, key, func(item *yaml.Node) error {
				c := RuleChange{Fields: map[string]string{}, Lines: map[string]int{}, Line: item.Line}
				err := eachPair(s, item, ruleFields, func(f string, fk, fv *yaml.Node) error {
					val, err := scalar(s, fv, f)
					if f == "name" {
						c.Name = val
					} else {
						c.Fields[f], c.Lines[f] = val, fk.Line
					}
					return err
				})
				if err == nil && c.Name == "" {
					err = s.errorf(item.Line, "a change needs the name of the rule it changes")
				}
				s.Change = append(s.Change, c)
				return err
			})
		case "add":
			err = eachItem(s, v, key, func(item *yaml.Node) error {
				a := RuleAddition{Line: item.Line, Lines: map[string]int{}}
				err := eachPair(s, item, append(append([]string{}, ruleFields...), "before", "after"), func(f string, fk, fv *yaml.Node) error {
					val, err := scalar(s, fv, f)
					switch f {
					case "before":
						a.Before = val
					case "after":
						a.After = val
					default:
						*fieldOf(&a.Rule, f) = val
						a.Lines[f] = fk.Line
					}
					return err
				})
				s.Add = append(s.Add, a)
				return err
			})
		case "properties":
			err = eachItem(s, v, key, func(item *yaml.Node) error {
				p, err := parsePropertyItem(s, item)
				s.Properties = append(s.Properties, p)
				return err
			})
		case "expect":
			err = eachPair(s, v, nil, func(prop string, k, ev *yaml.Node) error {
				e := Expectation{Property: prop}
				switch ev.Kind {
				case yaml.ScalarNode:
					e.Verdict = ev.Value
				case yaml.MappingNode:
					if err := eachPair(s, ev, []string{"verdict", "why"}, func(f string, _, fv *yaml.Node) error {
						val, err := scalar(s, fv, f)
						if f == "verdict" {
							e.Verdict = val
						} else {
							e.Why = val
						}
						return err
					}); err != nil {
						return err
					}
				default:
					return s.errorf(ev.Line, "expect %s: want holds, violated, or {verdict: ..., why: ...}", prop)
				}
				s.Expect = append(s.Expect, e)
				s.expectLines = append(s.expectLines, k.Line)
				return nil
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.Name == "" {
		return nil, s.errorf(1, "the variant needs a name")
	}
	return s, nil
}

// propertyKeys are the keys of an item of properties:.
var propertyKeys = []string{"name", "invariant", "step", "reachable", "leads-to", "from", "to", "why"}

// parsePropertyItem reads one user property:
//
//   - name: quiet-half-open
//     invariant: client.STATE == CLOSED => server.STATE != ESTABLISHED || !NET.EMPTY
//   - name: closes
//     leads-to: {from: client.APP.CLOSED, to: client.STATE == CLOSED}
func parsePropertyItem(s *Spec, item *yaml.Node) (PropertySpec, error) {
	p := PropertySpec{Where: fmt.Sprintf("%s:%d", s.File, item.Line)}
	formula := func(n *yaml.Node, what string) (string, string, int, error) {
		val, err := scalar(s, n, what)
		col := n.Column
		switch n.Style {
		case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
			col++
		case yaml.LiteralStyle, yaml.FoldedStyle:
			col = 0
		}
		return val, fmt.Sprintf("%s:%d", s.File, n.Line), col, err
	}
	var forms []string
	err := eachPair(s, item, propertyKeys, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "name":
			p.Name, err = scalar(s, v, key)
		case "why":
			p.Why, err = scalar(s, v, key)
		case "invariant", "step", "reachable":
			forms = append(forms, key)
			p.Form = key
			p.Expr, p.Where, p.Col, err = formula(v, key)
		case "leads-to":
			forms = append(forms, key)
			p.Form = key
			if v.Kind == yaml.MappingNode {
				return eachPair(s, v, []string{"from", "to"}, func(f string, _, fv *yaml.Node) error {
					var err error
					if f == "from" {
						p.From, p.Where, p.Col, err = formula(fv, "from")
					} else {
						p.To, _, p.ToCol, err = formula(fv, "to")
					}
					return err
				})
			}
			var text string
			text, p.Where, p.Col, err = formula(v, key)
			from, to, ok := strings.Cut(text, "~>")
			if err == nil && !ok {
				return s.errorf(v.Line, "leads-to: want FROM ~> TO, or from: and to:")
			}
			p.From, p.To = from, to
			if p.Col > 0 {
				p.ToCol = p.Col + len(from) + 2
			}
		case "from":
			p.From, p.Where, p.Col, err = formula(v, key)
		case "to":
			p.To, _, p.ToCol, err = formula(v, key)
		}
		return err
	})
	if err != nil {
		return p, err
	}
	if p.From != "" || p.To != "" {
		if p.Form == "" {
			forms, p.Form = append(forms, "leads-to"), "leads-to"
		}
		if p.Form != "leads-to" {
			return p, s.errorf(item.Line, "from: and to: belong to a leads-to property, not to %s", p.Form)
		}
	}
	switch {
	case p.Name == "":
		return p, s.errorf(item.Line, "a property needs a name")
	case !ValidPropertyName(p.Name):
		return p, s.errorf(item.Line, "%q is not a property name (letters, digits, '-', '_' and '.', starting with a letter, at most 64)", excerpt(p.Name))
	case len(forms) == 0:
		return p, s.errorf(item.Line, "property %s: say what it is: invariant:, step:, reachable: or leads-to:", p.Name)
	case len(forms) > 1:
		return p, s.errorf(item.Line, "property %s: one of invariant:, step:, reachable: and leads-to:, not %s", p.Name, strings.Join(forms, " and "))
	case p.Form == "leads-to" && (strings.TrimSpace(p.From) == "" || strings.TrimSpace(p.To) == ""):
		return p, s.errorf(item.Line, "property %s: a leads-to property needs both from and to", p.Name)
	}
	return p, nil
}

// ExpectLine is the line of the i-th expectation (0 if unknown).
func (s *Spec) ExpectLine(i int) int {
	if i < len(s.expectLines) {
		return s.expectLines[i]
	}
	return 0
}

func eachPair(s *Spec, n *yaml.Node, known []string, f func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return s.errorf(n.Line, "want a mapping of keys here, got %s", kindName(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return s.errorf(k.Line, "a key must be a plain name")
		}
		if first, dup := seen[k.Value]; dup {
			return s.errorf(k.Line, "%q given twice (first on line %d)", k.Value, first)
		}
		seen[k.Value] = k.Line
		if known != nil {
			ok := false
			for _, kn := range known {
				ok = ok || kn == k.Value
			}
			if !ok {
				return s.errorf(k.Line, "unknown key %q (want one of %s)", k.Value, strings.Join(known, ", "))
			}
		}
		if err := f(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func eachItem(s *Spec, n *yaml.Node, what string, f func(*yaml.Node) error) error {
	if n.Kind != yaml.SequenceNode {
		return s.errorf(n.Line, "%s: want a list, got %s", what, kindName(n))
	}
	for _, item := range n.Content {
		if err := f(item); err != nil {
			return err
		}
	}
	return nil
}

func scalar(s *Spec, n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", s.errorf(n.Line, "%s: want a single value, got %s", what, kindName(n))
	}
	return n.Value, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// YAML writes the spec as a variant file, in the order a reader expects.
func (s *Spec) YAML() []byte {
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	pair := func(m *yaml.Node, k string, v *yaml.Node) { m.Content = append(m.Content, str(k), v) }
	mapping := func() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }
	seq := func() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode} }
	root := mapping()
	pair(root, "name", str(s.Name))
	if s.Description != "" {
		pair(root, "description", str(s.Description))
	}
	base := s.Base
	if base == "" {
		base = "rfc9293"
	}
	pair(root, "base", str(base))
	if len(s.Knobs) > 0 {
		m := mapping()
		for _, k := range s.Knobs {
			pair(m, k.Name, str(k.Value))
		}
		pair(root, "knobs", m)
	}
	if len(s.Remove) > 0 {
		l := seq()
		l.Style = yaml.FlowStyle
		for _, r := range s.Remove {
			l.Content = append(l.Content, str(r.Value))
		}
		pair(root, "remove", l)
	}
	if len(s.Change) > 0 {
		l := seq()
		for _, c := range s.Change {
			m := mapping()
			pair(m, "name", str(c.Name))
			keys := make([]string, 0, len(c.Fields))
			for k := range c.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				pair(m, k, str(c.Fields[k]))
			}
			l.Content = append(l.Content, m)
		}
		pair(root, "change", l)
	}
	if len(s.Add) > 0 {
		l := seq()
		for _, a := range s.Add {
			m := mapping()
			r := a.Rule
			pair(m, "name", str(r.Name))
			if a.Before != "" {
				pair(m, "before", str(a.Before))
			}
			if a.After != "" {
				pair(m, "after", str(a.After))
			}
			for _, f := range ruleFields[1:] {
				if v := *fieldOf(&r, f); v != "" {
					pair(m, f, str(v))
				}
			}
			l.Content = append(l.Content, m)
		}
		pair(root, "add", l)
	}
	if len(s.Config) > 0 {
		m := mapping()
		for _, c := range s.Config {
			pair(m, c.Name, str(c.Value))
		}
		pair(root, "config", m)
	}
	if len(s.Properties) > 0 {
		l := seq()
		for _, p := range s.Properties {
			m := mapping()
			pair(m, "name", str(p.Name))
			if p.Form == "leads-to" {
				lt := mapping()
				pair(lt, "from", str(strings.TrimSpace(p.From)))
				pair(lt, "to", str(strings.TrimSpace(p.To)))
				pair(m, "leads-to", lt)
			} else {
				pair(m, p.Form, str(strings.TrimSpace(p.Expr)))
			}
			if p.Why != "" {
				pair(m, "why", str(p.Why))
			}
			l.Content = append(l.Content, m)
		}
		pair(root, "properties", l)
	}
	if len(s.Expect) > 0 {
		m := mapping()
		for _, e := range s.Expect {
			em := mapping()
			pair(em, "verdict", str(e.Verdict))
			if e.Why != "" {
				pair(em, "why", str(e.Why))
			}
			pair(m, e.Property, em)
		}
		pair(root, "expect", m)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		panic(err) // a tree of plain scalars always encodes
	}
	return buf.Bytes()
}

// BuiltinSpec returns the spec of a built-in variant other than rfc9293.
func BuiltinSpec(name string) (*Spec, bool) {
	for _, s := range builtinSpecs {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

package model

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// PropertySpec is a property a user writes, in a variant file, on the
// command line or through the Go API: a name, a form and formulas (see
// CompileFormula).
type PropertySpec struct {
	Name string
	// Form is one of PropertyForms: invariant (every reachable state),
	// step (every transition; may read primes and RULE), leads-to (every
	// state satisfying From is followed by one satisfying To, under the
	// fairness of the built-in liveness properties) or reachable (a
	// witness query: some reachable state satisfies Expr).
	Form     string
	Expr     string // invariant, step, reachable
	From, To string // leads-to
	Why      string
	// Where locates the property for error messages: "file:line" or the
	// flag that gave it; Col and ToCol are the columns (from 1) where Expr
	// (or From) and To start there, 0 when unknown.
	Where      string
	Col, ToCol int
}

// PropertyForms are the forms of PropertySpec, as variant files and flags
// name them.
var PropertyForms = []string{"invariant", "step", "leads-to", "reachable"}

var propertyName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// ValidPropertyName reports whether a user may name a property so.
func ValidPropertyName(name string) bool { return len(name) <= 64 && propertyName.MatchString(name) }

// ParsePropertyFlag reads the argument of --invariant, --step,
// --reachable or --leads-to: "NAME: EXPR" or just "EXPR" (the name is
// then FORM-N, N counting the flag's uses from 1); for leads-to the
// expression is "FROM ~> TO".
func ParsePropertyFlag(form, arg string, n int) (PropertySpec, error) {
	flag := "--" + form
	spec := PropertySpec{Form: form, Where: flag, Name: fmt.Sprintf("%s-%d", form, n)}
	body, col := arg, 1
	if i := strings.Index(arg, ":"); i >= 0 && !strings.HasPrefix(arg[i:], ":=") {
		name := strings.TrimSpace(arg[:i])
		if !ValidPropertyName(name) {
			return spec, fmt.Errorf("%s: %q is not a property name (letters, digits, '-', '_' and '.', starting with a letter, at most 64)", flag, excerpt(name))
		}
		spec.Name, body, col = name, arg[i+1:], i+2
	}
	if form != "leads-to" {
		if strings.TrimSpace(body) == "" {
			return spec, fmt.Errorf("%s: no expression (want [NAME:] EXPR)", flag)
		}
		spec.Expr, spec.Col = body, col
		return spec, nil
	}
	from, to, ok := strings.Cut(body, "~>")
	if !ok {
		return spec, fmt.Errorf("%s: want [NAME:] FROM ~> TO", flag)
	}
	if strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
		return spec, fmt.Errorf("%s: both sides of ~> need an expression", flag)
	}
	spec.From, spec.To, spec.Col, spec.ToCol = from, to, col, col+len(from)+2
	return spec, nil
}

// excerpt shortens what an error message quotes.
func excerpt(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// FormulaError is a problem in a user property's formula, located.
type FormulaError struct {
	Where    string // "file:line" or the flag
	Col      int    // column in the file or flag argument, 0 when unknown
	Property string
	Msg      string
}

func (e *FormulaError) Error() string {
	loc := e.Where
	if e.Col > 0 {
		if strings.HasPrefix(e.Where, "--") {
			loc = fmt.Sprintf("%s, column %d", e.Where, e.Col)
		} else {
			loc = fmt.Sprintf("%s:%d", e.Where, e.Col)
		}
	}
	return fmt.Sprintf("%s: property %s: %s", loc, e.Property, e.Msg)
}

// CompileProperty compiles the formulas of a property for the system:
// for leads-to, From and To; otherwise Expr (From is then nil).
func (m *System) CompileProperty(spec PropertySpec) (expr, to *Formula, err error) {
	fail := func(col int, msg string) error {
		return &FormulaError{Where: spec.Where, Col: col, Property: spec.Name, Msg: msg}
	}
	compile := func(src string, base int, step bool) (*Formula, error) {
		if len(src) > maxFormulaLength {
			return nil, fail(base, fmt.Sprintf("the formula is %d characters long; at most %d are allowed", len(src), maxFormulaLength))
		}
		f, err := m.CompileFormula(src, step)
		if err != nil {
			var ee *ExprError
			if errors.As(err, &ee) {
				col := 0
				if base > 0 {
					col = base + ee.Col - 1
				}
				if col == 0 {
					return nil, fail(0, err.Error())
				}
				return nil, fail(col, ee.Msg)
			}
			return nil, fail(0, err.Error())
		}
		return f, nil
	}
	switch spec.Form {
	case "invariant", "reachable":
		expr, err = compile(spec.Expr, spec.Col, false)
	case "step":
		expr, err = compile(spec.Expr, spec.Col, true)
	case "leads-to":
		if expr, err = compile(spec.From, spec.Col, false); err == nil {
			to, err = compile(spec.To, spec.ToCol, false)
		}
	default:
		err = fail(0, fmt.Sprintf("unknown form %q (want one of %s)", spec.Form, strings.Join(PropertyForms, ", ")))
	}
	return expr, to, err
}

// maxFormulaLength bounds a user's formula: beyond it, evaluating it on
// every state would dominate any search.
const maxFormulaLength = 4000

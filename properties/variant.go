package properties

import (
	"fmt"

	"github.com/tcpmc/tcpmc/model"
)

// LoadVariant reads a variant file (see model.ParseVariant) and checks that
// its expectations name known properties.
func LoadVariant(path string) (*model.Variant, error) {
	v, err := model.LoadVariantFile(path)
	if err != nil {
		return nil, err
	}
	for i, e := range v.Expect {
		if _, ok := Lookup(e.Property); !ok {
			return nil, &model.VariantError{File: path, Line: v.Spec.ExpectLine(i),
				Msg: fmt.Sprintf("expect: unknown property %q%s", e.Property, suggestProperty(e.Property))}
		}
	}
	return v, nil
}

func suggestProperty(name string) string {
	best, bestD := "", 4
	for _, p := range Catalog() {
		if d := distance(name, p.Name); d < bestD {
			best, bestD = p.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev = cur
	}
	return prev[len(b)]
}

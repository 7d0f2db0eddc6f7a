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
	own := map[string]bool{}
	for _, p := range v.Properties {
		if _, taken := Lookup(p.Name); taken {
			return nil, &model.VariantError{Msg: fmt.Sprintf("%s: property %s: the catalog has a property of that name", p.Where, p.Name)}
		}
		own[p.Name] = true
	}
	for i, e := range v.Expect {
		if _, ok := Lookup(e.Property); !ok && !own[e.Property] {
			var names []string
			for n := range own {
				names = append(names, n)
			}
			return nil, &model.VariantError{File: path, Line: v.Spec.ExpectLine(i),
				Msg: fmt.Sprintf("expect: unknown property %q%s", e.Property, suggestProperty(e.Property, names))}
		}
	}
	return v, nil
}

// suggestProperty offers the closest name of the catalog or of more.
func suggestProperty(name string, more []string) string {
	return model.DidYouMean(name, append(catalogNames(), more...))
}

package model

// Builtins lists the built-in variants.
func Builtins() []*Variant {
	return []*Variant{RFC9293()}
}

// Builtin finds a built-in variant by name.
func Builtin(name string) (*Variant, bool) {
	for _, v := range Builtins() {
		if v.Name == name {
			return v, true
		}
	}
	return nil, false
}

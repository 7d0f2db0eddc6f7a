package model

// LoadVariantFile reads a variant file (placeholder until the YAML reader
// lands).
func LoadVariantFile(path string) (*Variant, error) {
	return nil, &VariantError{File: path, Msg: "variant files are not supported yet"}
}

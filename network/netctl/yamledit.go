package netctl

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// editYAML loads a YAML file, sets each dotted path (keys matched without regard
// to case, as Fabric's viper does; missing keys are created) and writes the
// result to out. Comments of the sample configs are kept.
func editYAML(in, out string, set map[string]any) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("parse %s: %w", in, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return fmt.Errorf("%s: not a YAML document", in)
	}
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		var val yaml.Node
		if err := val.Encode(set[p]); err != nil {
			return fmt.Errorf("encode %s: %w", p, err)
		}
		if err := setPath(doc.Content[0], strings.Split(p, "."), &val); err != nil {
			return fmt.Errorf("%s: %s: %w", in, p, err)
		}
	}
	b, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

func setPath(m *yaml.Node, keys []string, val *yaml.Node) error {
	if m.Kind != yaml.MappingNode {
		// A scalar or empty value where a mapping is needed: replace it.
		*m = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, keys[0]) {
			if len(keys) == 1 {
				m.Content[i+1] = val
				return nil
			}
			return setPath(m.Content[i+1], keys[1:], val)
		}
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: keys[0]}
	if len(keys) == 1 {
		m.Content = append(m.Content, k, val)
		return nil
	}
	child := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, k, child)
	return setPath(child, keys[1:], val)
}

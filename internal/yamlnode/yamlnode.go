// Package yamlnode gives the YAML readers of ratescope (the configuration
// file and the plans file) one way to talk about a node in an error: where
// it stands (file:line) and what it is.
package yamlnode

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Errorf returns an error that starts with file:line of n.
func Errorf(file string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", file, n.Line, fmt.Sprintf(format, args...))
}

// IsNull reports whether n is YAML's null (`~`, `null` or nothing).
func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// Describe names a node's kind for messages: a scalar by its quoted value.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if IsNull(n) {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

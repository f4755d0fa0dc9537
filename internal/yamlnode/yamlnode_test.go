package yamlnode

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDescribeAndErrorf(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: {x: 1}\nb: [1]\nc: ~\nd: \"q\\\"v\"\ne:\n"), &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Content[0]
	want := map[string]string{"a": "a mapping", "b": "a list", "c": "nothing", "d": `"q\"v"`, "e": "nothing"}
	for i := 0; i < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if got := Describe(v); got != want[k.Value] {
			t.Errorf("Describe(%s) = %s, want %s", k.Value, got, want[k.Value])
		}
	}
	if err := Errorf("c.yaml", m.Content[5], "bad %s", "plan"); err.Error() != "c.yaml:3: bad plan" {
		t.Errorf("Errorf = %q, want c.yaml:3: bad plan", err)
	}
}

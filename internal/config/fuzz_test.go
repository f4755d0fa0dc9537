package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: any bytes give a configuration or an error naming the file;
// never a panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("../../examples/*.yaml")
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("partners:\n  - {name: a, keys: [a]}\n"))
	f.Add([]byte("fields: {latency: {key: d, unit: s}}\nroutes: [/a/{b}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for id, name := range c.Names() {
			if id == "" || name == "" {
				t.Fatalf("empty identifier or name in %v", c.Names())
			}
		}
	})
}

package errbody

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkNormalize(b *testing.B) {
	files, err := filepath.Glob(filepath.Join("testdata", "seeds", "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no seed bodies: %v", err)
	}
	var seeds, doubled [][]byte
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		seeds = append(seeds, body)
		doubled = append(doubled, jsonString(b, body))
	}
	run := func(name string, bodies [][]byte) {
		b.Run(name, func(b *testing.B) {
			size := 0
			for _, body := range bodies {
				size += len(body)
			}
			b.ReportAllocs()
			b.SetBytes(int64(size / len(bodies)))
			var n Normalizer
			i := 0
			for b.Loop() {
				env := n.Normalize(bodies[i])
				if env.Shape == ShapeUnknown {
					b.Fatalf("%s: unknown shape", files[i])
				}
				if i++; i == len(bodies) {
					i = 0
				}
			}
		})
	}
	run("seeds", seeds)
	run("double_encoded", doubled)
}

// Command benchlines writes the synthetic lines `make bench` loads
// (scripts/bench.sh): n lines of one format (internal/benchlines), the
// same bytes for the same n.
//
//	go run ./scripts/benchlines -format nginx-json -n 400000 > lines.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/ratescope/ratescope/internal/benchlines"
)

func main() {
	format := flag.String("format", "nginx-json", fmt.Sprintf("one of %v", benchlines.Formats))
	n := flag.Int("n", 400_000, "lines to write")
	flag.Parse()
	if err := write(*format, *n); err != nil {
		fmt.Fprintln(os.Stderr, "benchlines:", err)
		os.Exit(1)
	}
}

func write(format string, n int) error {
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	var line []byte
	var err error
	for i := range n {
		if line, err = benchlines.Line(line[:0], format, i); err != nil {
			return err
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return w.Flush()
}

package main

import (
	"fmt"
	"unicode/utf8"
)

// maxShownID is how much of a request id errors and tables show: ids are
// short, and one pasted by mistake (a whole log line, a 100k-character
// string) must not flood the terminal. JSON output keeps ids whole.
const maxShownID = 128

// clip returns s when it is at most n bytes, else its first n bytes (cut
// at a rune boundary) and how long it was.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

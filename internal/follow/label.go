package follow

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// pathLabel is the value of a path label for p. Prometheus label values
// must be valid UTF-8 (client_golang panics on anything else), while a
// file name is any bytes: each byte that is not part of valid UTF-8 is
// written as \xNN, as Go quotes it, so the label still tells files apart.
func pathLabel(p string) string {
	if utf8.ValidString(p) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02x`, p[i])
		} else {
			b.WriteString(p[i : i+n])
		}
		i += n
	}
	return b.String()
}

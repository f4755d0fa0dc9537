package schema

import (
	"errors"
	"fmt"
	"strings"
)

// splitStatements splits rendered SQL into statements. A statement ends at a
// ';' that is the last thing on its line (trailing blanks and a '--' comment
// may follow). '--' comments are removed, and so is a line left blank by
// removing one; quoted text ('…', `…`, "…") is kept as is. A ';' in the
// middle of a line is an error, as is an unterminated quote. Statements are
// returned trimmed and without their ';'; empty ones are dropped.
func splitStatements(sql string) ([]string, error) {
	var (
		stmts     []string
		cur       strings.Builder
		lineStart int  // offset in cur where the current line starts
		commented bool // the current line had a comment removed
		line      = 1
		quote     byte // the open quote, 0 outside quotes
		quoteLine int
	)
	endStatement := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			stmts = append(stmts, s)
		}
		cur.Reset()
		lineStart = 0
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		if quote != 0 {
			cur.WriteByte(c)
			switch c {
			case '\\':
				if i+1 < len(sql) {
					i++
					cur.WriteByte(sql[i])
					if sql[i] == '\n' {
						line++
						lineStart = cur.Len()
					}
				}
			case quote:
				quote = 0 // a doubled quote reopens at the next byte
			case '\n':
				line++
				lineStart = cur.Len()
			}
			continue
		}
		switch {
		case c == '\'' || c == '`' || c == '"':
			quote, quoteLine = c, line
			cur.WriteByte(c)
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			// Skip to the end of the line; the newline itself is handled
			// by the next iteration.
			for i+1 < len(sql) && sql[i+1] != '\n' {
				i++
			}
			commented = true
		case c == ';':
			if !restOfLineBlank(sql[i+1:]) {
				return nil, fmt.Errorf("line %d: ';' must end its line (one statement per ';'-terminated line)", line)
			}
			endStatement()
		case c == '\n':
			if commented {
				// Drop the blanks a comment left at the end of the line,
				// and the line itself when nothing else is left.
				s := cur.String()
				rest := strings.TrimRight(s[lineStart:], " \t\r")
				cur.Reset()
				cur.WriteString(s[:lineStart])
				if strings.TrimSpace(rest) != "" {
					cur.WriteString(rest)
					cur.WriteByte('\n')
				}
			} else {
				cur.WriteByte('\n')
			}
			line++
			lineStart = cur.Len()
			commented = false
		default:
			cur.WriteByte(c)
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("line %d: unterminated %c quote", quoteLine, quote)
	}
	endStatement()
	if len(stmts) == 0 {
		return nil, errors.New("no statements")
	}
	return stmts, nil
}

// restOfLineBlank reports whether s, up to its first newline, holds only
// blanks and possibly a '--' comment.
func restOfLineBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r':
		case '\n':
			return true
		case '-':
			return i+1 < len(s) && s[i+1] == '-'
		default:
			return false
		}
	}
	return true
}

package accesslog

// Parser parses lines of one format. It is reused line after line and keeps
// its scratch buffers between calls; it is not safe for concurrent use.
type Parser struct {
	format  Format
	scratch []byte    // backing store for unescaped/derived bytes of the current line
	js      jsonState // state of the JSON parser (json.go)
	mapping *Mapping  // configured keys of a custom JSON log (json_mapping.go)
}

// NewParser returns a parser for f. FormatAuto is not a parser format:
// detect the file's format first (Detect).
func NewParser(f Format) *Parser {
	return &Parser{format: f}
}

// Format returns the format the parser reads.
func (p *Parser) Format() Format { return p.format }

// Parse parses one line (without its trailing newline) into r, which is
// reset first. A collector's prefix in front of the server's line (a
// `docker compose logs` "name | ", a docker or kubectl timestamp) is skipped
// before parsing. The byte slices in r alias line and the parser's scratch
// buffer: they stay valid until the next call to Parse on p, and only while
// line is unchanged. A line that cannot be parsed yields a *ParseError.
func (p *Parser) Parse(line []byte, r *Record) error {
	r.Reset()
	p.scratch = p.scratch[:0]
	line = stripLogPrefix(line)
	switch p.format {
	case FormatNginx:
		return p.parseNginx(line, r)
	case FormatEnvoy:
		return p.parseEnvoy(line, r)
	case FormatAPIGW, FormatNginxJSON, FormatJSONL:
		return p.parseJSON(line, r)
	default:
		return &ParseError{Reason: "unknown_format", Detail: p.format.String()}
	}
}

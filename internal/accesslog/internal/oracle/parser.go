package oracle

// Parser parses lines of one format. It is reused line after line and keeps
// its scratch buffers between calls; it is not safe for concurrent use.
type Parser struct {
	format  Format
	line    Format    // the format of the line last parsed (differs from format for FormatMixed)
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

// LineFormat returns the format of the line last given to Parse: the
// parser's format, or for FormatMixed the format that line was read in
// (FormatAuto when it looked like none).
func (p *Parser) LineFormat() Format { return p.line }

// Parse parses one line (without its trailing newline) into r, which is
// reset first. A collector's prefix in front of the server's line (a
// `docker compose logs` "name | ", a docker or kubectl timestamp) is skipped
// before parsing; the client address loses brackets and port
// ("[2001:db8::1]:443" → 2001:db8::1). The byte slices in r alias line and the parser's scratch
// buffer: they stay valid until the next call to Parse on p, and only while
// line is unchanged. A line that cannot be parsed yields a *ParseError.
func (p *Parser) Parse(line []byte, r *Record) error {
	r.Reset()
	p.scratch = p.scratch[:0]
	line = stripLogPrefix(line)
	p.line = p.format
	if p.format == FormatMixed {
		p.line = detectLine(line)
		if p.line == FormatAuto {
			return &ParseError{Reason: "unknown_format", Detail: "the line looks like no supported format: " + quoteExcerpt(line, 0)}
		}
	}
	var err error
	switch p.line {
	case FormatNginx:
		err = p.parseNginx(line, r)
	case FormatEnvoy:
		err = p.parseEnvoy(line, r)
	case FormatALB:
		err = p.parseALB(line, r)
	case FormatAPIGW, FormatNginxJSON, FormatJSONL:
		err = p.parseJSON(line, r)
	default:
		return &ParseError{Reason: "unknown_format", Detail: p.format.String()}
	}
	// One form for every client address: no brackets, no port.
	r.ClientIP = hostOnly(r.ClientIP)
	return err
}

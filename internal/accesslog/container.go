package accesslog

import "bytes"

// Container runtimes wrap each line a container writes before it reaches
// /var/log/containers/*.log:
//
//	2022-07-22T12:24:12.325744791Z stdout F 10.0.0.1 - - [22/Jul/2022:12:24:12 +0000] "GET / HTTP/1.1" 200 …
//	{"log":"10.0.0.1 - - [22/Jul/2022:12:24:12 +0000] \"GET / HTTP/1.1\" 200 …\n","stream":"stdout","time":"2022-07-22T12:24:12.325744791Z"}
//
// The first is the CRI format (containerd, CRI-O): time, stream, a tag —
// F for a full line, P for a part continued on the next line, optionally
// followed by ":"-separated extra tags — and the content. The second is
// Docker's json-file driver: the content is a JSON string that ends with
// "\n" unless the line goes on in the next entry (Docker splits lines at
// 16 KiB). Unwrapper recognises both line by line, so a file may even mix
// them with bare lines; joining the parts of a split line is the caller's
// business (ingest.Core), because it needs state that outlives one line.

// Wrapper names a container-log wrapper.
type Wrapper uint8

// The wrappers Unwrap recognises.
const (
	WrapNone   Wrapper = iota // a bare line
	WrapCRI                   // containerd / CRI-O: "<time> <stream> <F|P> <content>"
	WrapDocker                // Docker json-file: {"log":"…","stream":…,"time":…}
)

// Unwrapper strips container-log wrappers. It keeps a buffer between
// calls; it is not safe for concurrent use.
type Unwrapper struct {
	buf []byte
}

// dockerPrefix starts every line of Docker's json-file driver: it writes
// the "log" member first.
var dockerPrefix = []byte(`{"log":`)

// Unwrap returns the content of a wrapped line and whether it is only a part
// of a longer line (CRI "P", or a Docker entry whose text does not end in a
// newline). A line with no wrapper comes back unchanged with WrapNone. The
// content of a Docker line is unescaped into the Unwrapper's buffer and
// stays valid until the next call; CRI content is a sub-slice of line.
func (u *Unwrapper) Unwrap(line []byte) (content []byte, partial bool, w Wrapper) {
	if c, partial, ok := unwrapCRI(line); ok {
		return c, partial, WrapCRI
	}
	if !bytes.HasPrefix(line, dockerPrefix) {
		return line, false, WrapNone
	}
	var d dockerEntry
	if !d.read(line) {
		return line, false, WrapNone
	}
	// Docker writes "log", "stream" and "time" (and, with some options,
	// "attrs"): a JSON access line that merely starts with a "log" key is
	// not a wrapper.
	logV, stream, when := d.get("log"), d.get("stream"), d.get("time")
	if logV == nil || logV.kind != jsonString || when == nil || when.kind != jsonString || stream == nil || stream.kind != jsonString {
		return line, false, WrapNone
	}
	if s := d.text(stream); string(s) != "stdout" && string(s) != "stderr" {
		return line, false, WrapNone
	}
	u.buf = appendUnescaped(u.buf[:0], line[logV.ts:logV.te])
	c := u.buf
	if n := len(c); n > 0 && c[n-1] == '\n' {
		c = c[:n-1]
		if n := len(c); n > 0 && c[n-1] == '\r' {
			c = c[:n-1]
		}
		return c, false, WrapDocker
	}
	return c, true, WrapDocker
}

// dockerMembers bounds the members of a Docker json-file entry.
const dockerMembers = 4

// dockerEntry holds the top-level members of a line read as a Docker
// json-file entry: a valid JSON object of at most dockerMembers members.
type dockerEntry struct {
	line      []byte
	n         int
	keys      [dockerMembers][]byte // as written
	esc       [dockerMembers]bool   // the key has escapes
	vals      [dockerMembers]jsonValue
	unescaped bool // get has compared unescaped keys (see get)
}

// read validates line as one JSON object and keeps its members; it fails
// on malformed JSON and on more than dockerMembers members.
func (d *dockerEntry) read(line []byte) bool {
	d.line = line
	i := skipSpaceAt(line, 0)
	if i >= len(line) || line[i] != '{' {
		return false
	}
	if i = skipSpaceAt(line, i+1); i < len(line) && line[i] == '}' {
		i++
	} else {
		for more := true; more; {
			raw, esc, at := memberKeyAt(line, i)
			if at < 0 || d.n == dockerMembers {
				return false
			}
			d.keys[d.n], d.esc[d.n] = raw, esc
			v := &d.vals[d.n]
			d.n++
			if at < len(line) && (line[at] == '{' || line[at] == '[') {
				*v = jsonValue{kind: jsonObject} // not a string: its kind is all get's callers ask
				if i = jsonValueEnd(line, at, 2); i < 0 {
					return false
				}
			} else {
				if !scalarAt(line, at, 2, v) {
					return false
				}
				i = v.end
			}
			var ok bool
			if i, more, ok = afterMember(line, i); !ok {
				return false
			}
		}
	}
	return skipSpaceAt(line, i) == len(line)
}

// get returns the value of the first member named name, as Unwrap has
// always looked members up: by the keys as written until a name is not
// found that way, by the unescaped keys from then on.
func (d *dockerEntry) get(name string) *jsonValue {
	if !d.unescaped {
		for i := range d.n {
			if string(d.keys[i]) == name {
				return &d.vals[i]
			}
		}
		d.unescaped = true
	}
	for i := range d.n {
		if jsonTextKey(d.keys[i], d.esc[i]) == name {
			return &d.vals[i]
		}
	}
	return nil
}

// text returns a string value's unescaped content.
func (d *dockerEntry) text(v *jsonValue) []byte {
	if !v.esc {
		return d.line[v.ts:v.te]
	}
	return appendUnescaped(nil, d.line[v.ts:v.te])
}

// unwrapCRI reads "<RFC 3339 time> <stdout|stderr> <F|P>[:tags] <content>".
// The content may be empty ("… stdout F" at the end of the line).
func unwrapCRI(line []byte) (content []byte, partial, ok bool) {
	n := rfc3339Len(line)
	if n == 0 || n >= len(line) || line[n] != ' ' {
		return nil, false, false
	}
	rest := line[n+1:]
	switch {
	case bytes.HasPrefix(rest, []byte("stdout ")), bytes.HasPrefix(rest, []byte("stderr ")):
		rest = rest[len("stdout "):]
	default:
		return nil, false, false
	}
	if len(rest) == 0 || (rest[0] != 'F' && rest[0] != 'P') {
		return nil, false, false
	}
	partial = rest[0] == 'P'
	tag := rest
	if sp := bytes.IndexByte(rest, ' '); sp >= 0 {
		tag, rest = rest[:sp], rest[sp+1:]
	} else {
		rest = nil
	}
	if len(tag) > 1 && tag[1] != ':' {
		return nil, false, false
	}
	return rest, partial, true
}

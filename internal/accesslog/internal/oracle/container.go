package oracle

import (
	"bytes"

	"github.com/valyala/fastjson"
)

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

// Unwrapper strips container-log wrappers. It keeps a JSON parser and a
// buffer between calls; it is not safe for concurrent use.
type Unwrapper struct {
	p   fastjson.Parser
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
	v, err := u.p.ParseBytes(line)
	if err != nil {
		return line, false, WrapNone
	}
	// Docker writes "log", "stream" and "time" (and, with some options,
	// "attrs"): a JSON access line that merely starts with a "log" key is
	// not a wrapper.
	logV, stream, when := v.Get("log"), v.GetStringBytes("stream"), v.Get("time")
	if logV == nil || logV.Type() != fastjson.TypeString || when == nil || when.Type() != fastjson.TypeString ||
		(string(stream) != "stdout" && string(stream) != "stderr") {
		return line, false, WrapNone
	}
	if o, _ := v.Object(); o.Len() > 4 {
		return line, false, WrapNone
	}
	s, _ := logV.StringBytes()
	u.buf = append(u.buf[:0], s...)
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

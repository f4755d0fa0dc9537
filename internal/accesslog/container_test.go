package accesslog

import "testing"

func TestUnwrap(t *testing.T) {
	var u Unwrapper
	f := func(line, want string, wantPartial bool, wantW Wrapper) {
		t.Helper()
		c, partial, w := u.Unwrap([]byte(line))
		if string(c) != want || partial != wantPartial || w != wantW {
			t.Errorf("Unwrap(%q) = %q, %v, %v; want %q, %v, %v", line, c, partial, w, want, wantPartial, wantW)
		}
	}
	f("2016-10-20T18:39:20.57606443Z stdout F a b", "a b", false, WrapCRI)
	f("2016-10-20T18:39:20.57606443Z stderr P a", "a", true, WrapCRI)
	f("2016-10-20T18:39:20.57606443Z stdout P:TAG1:TAG2 a", "a", true, WrapCRI)
	f("2016-10-20T18:39:20+02:00 stdout F", "", false, WrapCRI)
	f("2016-10-20T18:39:20Z stdout X a", "2016-10-20T18:39:20Z stdout X a", false, WrapNone)
	f("2016-10-20T18:39:20Z stdout Fx a", "2016-10-20T18:39:20Z stdout Fx a", false, WrapNone)
	f("2016-10-20T18:39:20Z [2016-10-20T18:39:20.000Z] \"GET / HTTP/1.1\"", "2016-10-20T18:39:20Z [2016-10-20T18:39:20.000Z] \"GET / HTTP/1.1\"", false, WrapNone)
	f(`{"log":"a \"b\"\n","stream":"stdout","time":"2016-10-20T18:39:20.57606443Z"}`, `a "b"`, false, WrapDocker)
	f(`{"log":"a\r\n","stream":"stderr","time":"2016-10-20T18:39:20Z"}`, `a`, false, WrapDocker)
	f(`{"log":"part","stream":"stdout","time":"2016-10-20T18:39:20Z"}`, `part`, true, WrapDocker)
	// JSON access lines that start with a "log" key are not wrappers.
	f(`{"log":"access","method":"GET","path":"/x","status":200}`, `{"log":"access","method":"GET","path":"/x","status":200}`, false, WrapNone)
	f(`{"log":"x","stream":"app","time":"t"}`, `{"log":"x","stream":"app","time":"t"}`, false, WrapNone)
	f(`{"log":"x","stream":"stdout"}`, `{"log":"x","stream":"stdout"}`, false, WrapNone)
	f(`{"log":1,"stream":"stdout","time":"t"}`, `{"log":1,"stream":"stdout","time":"t"}`, false, WrapNone)
	f(`{"log":"x\n","stream":"stdout","time":"t"`, `{"log":"x\n","stream":"stdout","time":"t"`, false, WrapNone)
}

package route

import "testing"

func TestTemplate(t *testing.T) {
	f := func(path, want string) {
		t.Helper()
		if got := string(Template(nil, []byte(path))); got != want {
			t.Errorf("Template(%q) = %q, want %q", path, got, want)
		}
	}
	f("", "")
	f("/", "/")
	f("/v1/bookings/123", "/v1/bookings/{id}")
	f("/v1/bookings/7", "/v1/bookings/{id}")
	f("/v1/bookings/456?expand=1", "/v1/bookings/{id}")
	f("/v1/vendors/550e8400-e29b-41d4-a716-446655440000", "/v1/vendors/{id}")
	f("/v1/bookings/req_01HZ9VBKX4/cancel", "/v1/bookings/{id}/cancel")
	f("/v1/vendors/V100001", "/v1/vendors/{id}")
	f("/api/v1/study/140410210038/card/comment", "/api/v1/study/{id}/card/comment")
	// ids that used to stay literal because they hold fewer than three digits
	f("/api/v1/bookings/BK-0F2XHH", "/api/v1/bookings/{id}")
	f("/api/v1/bookings/BK-JY76M7/cancel", "/api/v1/bookings/{id}/cancel")
	f("/orders/ord_8x7Kq2", "/orders/{id}")
	f("/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/orders/{id}")
	f("/commits/9fceb02d0ae598e95dc970b74767f19372d61af8", "/commits/{id}")
	f("/static/js/app.f4b70000.js", "/static/js/{id}")
	f("/blobs/aGVsbG8gd29ybGQhISEhISEhIQ", "/blobs/{id}")
	f("/days/2026-12-04", "/days/{id}")
	f("/api/v1/bookings/BK-GXXHVT", "/api/v1/bookings/{id}")
	f("/codes/QWERTY", "/codes/{id}")
	// words and versions stay
	f("/api/v1.2/users", "/api/v1.2/users")
	f("/1.0.0/acme/current/foo.png", "/1.0.0/acme/current/foo.png")
	f("/v1/oauth2/token", "/v1/oauth2/token")
	f("/oauth2/token", "/oauth2/token")
	f("/v2/s3/objects", "/v2/s3/objects")
	f("/v1/hash/sha256", "/v1/hash/sha256")
	f("/v1/i18n/strings", "/v1/i18n/strings")
	f("/auth/2fa/verify", "/auth/2fa/verify")
	f("/api-v2/service-types", "/api-v2/service-types")
	f("/pets/{petId}", "/pets/{petId}")
	f("/v1/users/me/contact/email", "/v1/users/me/contact/email")
	f("/wp-login.php", "/wp-login.php")
	f("/.git/config", "/.git/config")
	f("/v1/Users/Profile", "/v1/Users/Profile")
	f("/v1/getUserById", "/v1/getUserById")
	f("/v1/API/FAQ", "/v1/API/FAQ")
	f("/files/abcdefghijklmnop", "/files/abcdefghijklmnop")
	f("/a//b/", "/a//b/")
	f("/x#frag/1234", "/x")
	f("relative/42", "relative/{id}")
}

func TestTemplateAppends(t *testing.T) {
	dst := []byte("prefix:")
	if got := string(Template(dst, []byte("/v1/items/9"))); got != "prefix:/v1/items/{id}" {
		t.Fatalf("got %q", got)
	}
}

func TestTemplates(t *testing.T) {
	ts, err := Compile([]string{
		"/v1/users/me/contact/{kind}",
		"/api/v1/bookings/{ref}",
		"/api/v1/bookings/search",
		"/files/{name}",
	})
	if err != nil {
		t.Fatal(err)
	}
	f := func(path, want string) {
		t.Helper()
		if got := string(ts.Append(nil, []byte(path))); got != want {
			t.Errorf("Append(%q) = %q, want %q", path, got, want)
		}
	}
	f("/v1/users/me/contact/email", "/v1/users/me/contact/{kind}")
	f("/v1/users/me/contact/phone?x=1", "/v1/users/me/contact/{kind}")
	f("/api/v1/bookings/BK-0F2XHH", "/api/v1/bookings/{ref}")
	f("/api/v1/bookings/search", "/api/v1/bookings/search") // more literal segments win
	f("/api/v1/bookings/BK-0F2XHH/cancel", "/api/v1/bookings/{id}/cancel")
	f("/api/v1/bookings/", "/api/v1/bookings/") // {ref} needs a segment
	f("/files/readme", "/files/{name}")
	f("/v1/users/me/contact", "/v1/users/me/contact")
	f("/other/123", "/other/{id}")

	var none *Templates
	if got := string(none.Append(nil, []byte("/a/1"))); got != "/a/{id}" {
		t.Errorf("nil Templates: got %q", got)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, bad := range []string{"v1/x", "/v1/{id", "/v1/x{id}", "/v1/{}"} {
		if _, err := Compile([]string{bad}); err == nil {
			t.Errorf("Compile(%q): no error", bad)
		}
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"/v1/bookings/BK-0F2XHH", "/a//b", "/{x}/1?q", "/x.y-z_1"} {
		f.Add(s)
	}
	ts, _ := Compile([]string{"/a/{b}/c", "/{x}"})
	f.Fuzz(func(t *testing.T, path string) {
		out := Template(nil, []byte(path))
		if len(out) > len(path)+4*len(path) {
			t.Fatalf("template of %q grew to %q", path, out)
		}
		_ = ts.Append(nil, []byte(path))
	})
}

func BenchmarkTemplate(b *testing.B) {
	path := []byte("/v1/bookings/550e8400-e29b-41d4-a716-446655440000/passengers/12?expand=true")
	dst := make([]byte, 0, 128)
	b.ReportAllocs()
	b.SetBytes(int64(len(path)))
	for b.Loop() {
		dst = Template(dst[:0], path)
	}
}

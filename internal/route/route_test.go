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
	f("/v1/bookings/456?expand=1", "/v1/bookings/{id}")
	f("/v1/vendors/550e8400-e29b-41d4-a716-446655440000", "/v1/vendors/{id}")
	f("/v1/bookings/req_01HZ9VBKX4/cancel", "/v1/bookings/{id}/cancel")
	f("/v1/vendors/V100001", "/v1/vendors/{id}")
	f("/api/v1/study/140410210038/card/comment", "/api/v1/study/{id}/card/comment")
	f("/v1/oauth2/token", "/v1/oauth2/token")
	f("/v2/s3/objects", "/v2/s3/objects")
	f("/pets/{petId}", "/pets/{petId}")
	f("/v1/users/me/contact/email", "/v1/users/me/contact/email")
	f("/files/abcdefghijklmno1", "/files/{id}")
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

func BenchmarkTemplate(b *testing.B) {
	path := []byte("/v1/bookings/550e8400-e29b-41d4-a716-446655440000/passengers/12?expand=true")
	dst := make([]byte, 0, 128)
	b.ReportAllocs()
	b.SetBytes(int64(len(path)))
	for b.Loop() {
		dst = Template(dst[:0], path)
	}
}

package chtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// recorder keeps the errors AssertNoSecrets reports instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

// TestAssertNoSecretsFindsThem: the scanner finds a marker in a plain
// column, in an array column and in the dead letters, and nothing else.
func TestAssertNoSecretsFindsThem(t *testing.T) {
	db := MigratedDB(t)
	ctx := context.Background()
	for _, q := range []string{
		"INSERT INTO " + db.Table("requests") + " (time, request_id, user_agent, err_field_messages) SELECT now(), 'r1', 'ua MARKua1', ['x', 'y MARKarr2']",
		"INSERT INTO " + db.Table("rejected") + " (time, source, raw) SELECT now(), 's', 'raw MARKraw3'",
	} {
		if err := db.Conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{TB: t}
	AssertNoSecrets(rec, db, []string{"MARKua1", "MARKarr2", "MARKraw3", "MARKabsent4"})
	got := strings.Join(rec.errs, "\n")
	for _, want := range []string{"MARKua1\" stored in requests.user_agent", "MARKarr2\" stored in requests.err_field_messages", "MARKraw3\" stored in rejected.raw"} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %s\ngot:\n%s", want, got)
		}
	}
	if len(rec.errs) != 3 {
		t.Errorf("%d reports, want 3:\n%s", len(rec.errs), got)
	}
}

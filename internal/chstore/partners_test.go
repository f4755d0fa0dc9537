package chstore_test

import (
	"context"
	"testing"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

func TestPartnerMap(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	show := func(ids ...string) []string {
		t.Helper()
		var out []string
		for _, id := range ids {
			var name string
			if err := db.Conn.QueryRow(ctx, "SELECT "+chquery.Tables{Database: db.Name}.PartnerOf("x")+" FROM (SELECT ? AS x)", id).Scan(&name); err != nil {
				t.Fatal(err)
			}
			out = append(out, name)
		}
		return out
	}
	// An empty map shows every id as itself.
	if got := show("k-globex01", ""); got[0] != "k-globex01" || got[1] != "" {
		t.Errorf("empty map: %q", got)
	}
	m := chstore.PartnerMap{"k-globex01": "globex", "globex-prod": "globex", "globex": "globex", "k-acme01": "acme"}
	wrote, err := db.SyncPartners(ctx, m, "ratescope.yaml")
	if err != nil || !wrote {
		t.Fatalf("sync: wrote %v, %v", wrote, err)
	}
	if wrote, err := db.SyncPartners(ctx, m, "ratescope.yaml"); err != nil || wrote {
		t.Fatalf("sync of the same map: wrote %v, %v", wrote, err)
	}
	if got := show("k-globex01", "globex-prod", "k-acme01", "k-other"); got[0] != "globex" || got[1] != "globex" || got[2] != "acme" || got[3] != "k-other" {
		t.Errorf("map: %q", got)
	}
	if n, err := db.PartnerName(ctx, "globex-prod"); err != nil || n != "globex" {
		t.Errorf("PartnerName(globex-prod) = %q, %v", n, err)
	}
	// A new map replaces the old one.
	if _, err := db.SyncPartners(ctx, chstore.PartnerMap{"k-acme01": "acme-corp"}, "ratescope.yaml"); err != nil {
		t.Fatal(err)
	}
	if got := show("k-globex01", "k-acme01"); got[0] != "k-globex01" || got[1] != "acme-corp" {
		t.Errorf("replaced map: %q", got)
	}
}

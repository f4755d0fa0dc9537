package chstore

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// PartnerMap is the partner map as stored: identifier → name.
type PartnerMap map[string]string

// arrays returns the map as parallel arrays, sorted by identifier.
func (m PartnerMap) arrays() (ids, names []string) {
	ids = make([]string, 0, len(m))
	for id := range m {
		if id != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	names = make([]string, len(ids))
	for i, id := range ids {
		names[i] = m[id]
	}
	return ids, names
}

// SyncPartners makes m the partner map in ClickHouse, writing a new
// version only when it differs from the latest; source names where the
// map comes from (the configuration file). It reports whether it wrote.
func (db *DB) SyncPartners(ctx context.Context, m PartnerMap, source string) (bool, error) {
	ids, names := m.arrays()
	var (
		version          uint64
		curIDs, curNames []string
	)
	q := "SELECT version, ids, names FROM " + db.Table("partner_map") + " ORDER BY version DESC LIMIT 1"
	if err := db.Conn.QueryRow(ctx, q).Scan(&version, &curIDs, &curNames); err != nil {
		return false, fmt.Errorf("read the partner map: %w", err)
	}
	if slices.Equal(ids, curIDs) && slices.Equal(names, curNames) {
		return false, nil
	}
	b, err := db.Conn.PrepareBatch(ctx, "INSERT INTO "+db.Table("partner_map")+" (version, synced_at, source, ids, names)")
	if err != nil {
		return false, fmt.Errorf("write the partner map: %w", err)
	}
	if err := b.Append(version+1, time.Now().UTC().Truncate(time.Second), source, ids, names); err != nil {
		_ = b.Abort()
		return false, fmt.Errorf("write the partner map: %w", err)
	}
	if err := b.Send(); err != nil {
		return false, fmt.Errorf("write the partner map: %w", err)
	}
	if err := db.loadPartners(ctx); err != nil {
		return true, err
	}
	return true, nil
}

// PartnerName returns the name the latest partner map gives id (a name or
// any identifier), or id itself when the map does not know it: what a
// --partner filter compares chquery's Tables.Partner with.
func (db *DB) PartnerName(ctx context.Context, id string) (string, error) {
	var ids, names []string
	if err := db.Conn.QueryRow(ctx, "SELECT ids, names FROM "+db.Table("partner_map")+" ORDER BY version DESC LIMIT 1").Scan(&ids, &names); err != nil {
		return "", fmt.Errorf("read the partner map: %w", err)
	}
	name := id
	if i := slices.Index(ids, id); i >= 0 && i < len(names) {
		name = names[i]
	}
	return name, nil
}

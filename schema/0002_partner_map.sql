-- The partner map of ratescope.yaml: every identifier a partner is logged
-- under (key ids, client ids, consumer names, kh- caller ids, the name
-- itself) and the partner's name, as parallel arrays. ingest writes a new
-- row when the configuration's map changes; the row with the highest
-- version is the map. Reports (and dashboards) show
--   transform(partner, ids, names, partner)
-- over it, so each partner appears once, under its name (chstore.PartnerExpr).
CREATE TABLE IF NOT EXISTS {{.DB}}.partner_map {{.OnCluster}}
(
    version   UInt64,
    synced_at DateTime('UTC'),
    source    String,
    ids       Array(String),
    names     Array(String)
)
ENGINE = {{engine "partner_map" "MergeTree()"}}
ORDER BY version;

-- An empty map to begin with, so the map always has a row.
INSERT INTO {{.DB}}.partner_map (version, synced_at, source, ids, names)
SELECT toUInt64(0), now(), '', emptyArrayString(), emptyArrayString();

package loggen

import (
	"fmt"
	"strings"
	"time"
)

// plansYAML renders the sample's configuration: partners (name, key ids,
// plan), plans and per-IP limits — a ratescope.yaml.
func plansYAML(w *world) []byte {
	var b strings.Builder
	b.WriteString("# ratescope.yaml of the loggen sample: export RATESCOPE_CONFIG=<this file>,\n")
	b.WriteString("# or pass --config. manifest.json's rate_limits holds what the report should find.\n")
	fmt.Fprintf(&b, "warn: %v\n", warnLevel)
	b.WriteString("plans:\n")
	for _, p := range planDefs {
		fmt.Fprintf(&b, "  %s:\n", p.name)
		for _, l := range p.limits {
			fmt.Fprintf(&b, "    - name: %s\n", l.name)
			writeLimit(&b, "      ", l)
		}
	}
	b.WriteString("partners:\n")
	for _, p := range w.partners {
		ids := make([]string, len(p.keys))
		for i, k := range p.keys {
			ids[i] = k.id
		}
		fmt.Fprintf(&b, "  - {name: %s, keys: [%s], plan: %s}\n", p.name, strings.Join(ids, ", "), p.plan)
	}
	b.WriteString("ip_limits:\n")
	for _, l := range ipLimitDefs {
		fmt.Fprintf(&b, "  - name: %s\n", l.name)
		writeLimit(&b, "    ", l)
	}
	return []byte(b.String())
}

func writeLimit(b *strings.Builder, indent string, l limitDef) {
	switch {
	case l.rate > 0:
		fmt.Fprintf(b, "%srate: %v\n%sburst: %v\n", indent, l.rate, indent, l.burst)
	case l.quota > 0:
		fmt.Fprintf(b, "%squota: %d\n", indent, l.quota)
	default:
		fmt.Fprintf(b, "%slimit: %d\n%sper: %s\n", indent, l.limit, indent, durationText(l.per))
	}
	switch {
	case l.method != "" || l.path != "":
		fmt.Fprintf(b, "%smatch: {method: %s, path: %s}\n", indent, l.method, l.path)
	case l.pathPrefix != "":
		fmt.Fprintf(b, "%smatch: {path_prefix: %s}\n", indent, l.pathPrefix)
	}
}

func durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

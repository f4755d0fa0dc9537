package ratelimit

import (
	"time"
)

// Subject kinds of a MinuteRow.
const (
	SubjectPartner = "partner" // a partner of the plans file against its plan's limit
	SubjectIP      = "ip"      // a client IP against a per-IP limit
)

// MinuteRow is one subject measured against one limit over one minute of
// a report window (ComputeMinutes): the report's row for the window,
// broken down by the minute in which each measure was reached. Over the
// minutes of a window, the highest Utilization, the summed Throttled and
// the worst State are the window's row's (Aggregate), except that a rate-0
// limit's utilization (the requests it saw) is the minutes' sum.
type MinuteRow struct {
	Minute  time.Time `json:"minute"`
	Subject string    `json:"subject"` // SubjectPartner or SubjectIP
	// Partner is the partner's name (SubjectPartner), IP the client IP
	// (SubjectIP); the other is empty.
	Partner string `json:"partner,omitempty"`
	IP      string `json:"ip,omitempty"`
	Limit   string `json:"limit"`
	Kind    Kind   `json:"kind"`
	// Measure is the utilization that was highest in the minute.
	Measure Measure `json:"measure"`
	// Utilization is the highest the limit's measures reached at a
	// millisecond of the minute, rounded to 6 decimal places.
	Utilization float64 `json:"utilization"`
	// Throttled counts the minute's requests the limit rejected.
	Throttled uint64 `json:"throttled"`
	State     State  `json:"state"`
	// Peak is the highest 60 s (token bucket) or window count reached at
	// a millisecond of the minute.
	Peak uint64 `json:"peak"`
	// From and To are the window of the computation the minute comes from:
	// its simulations started at From (a full bucket, empty windows).
	From time.Time `json:"window_from"`
	To   time.Time `json:"window_to"`
}

// name is the subject's name as a Row names it.
func (m *MinuteRow) name() string {
	if m.Subject == SubjectIP {
		return m.IP
	}
	return m.Partner
}

// Aggregate folds minute rows into one row per subject and limit, as
// report rate-limits prints them: the highest utilization (its minute's
// measure, the earliest among equals), the highest peak, the summed
// throttled count and the worst state — a rate-0 limit's utilization is
// the minutes' sum. Rows carry no quota figures (quotas have no minutes).
// Which per-IP rows report rate-limits keeps of these (the IPs near or over
// a limit, else its busiest) is left to the caller (KeepIPRows).
func Aggregate(minutes []MinuteRow) []Row {
	type key struct{ subject, name, limit string }
	idx := map[key]int{}
	var out []Row
	for i := range minutes {
		m := &minutes[i]
		k := key{m.Subject, m.name(), m.Limit}
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			out = append(out, Row{Partner: m.name(), Limit: m.Limit, Kind: m.Kind, Measure: m.Measure, Utilization: m.Utilization, State: StateOK})
		} else if m.Measure == MeasureBlocked {
			out[j].Utilization = round6(out[j].Utilization + m.Utilization)
		} else if m.Utilization > out[j].Utilization {
			out[j].Utilization, out[j].Measure = m.Utilization, m.Measure
		}
		r := &out[j]
		r.Throttled += m.Throttled
		r.Peak = max(r.Peak, m.Peak)
		if m.State.rank() < r.State.rank() {
			r.State = m.State
		}
	}
	SortRows(out)
	return out
}

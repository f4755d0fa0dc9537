package oracle

import (
	"math"
	"strconv"
	"time"
)

// Readers of the values the JSON vocabulary names: durations, rate-limit
// counts, Retry-After in seconds or as an HTTP-date, exponent-form epochs.
// They do not allocate on the common path.

// epochFloat reads a JSON number in exponent form (1.763788427123e9) as
// epoch seconds, or milliseconds when it is that large.
func epochFloat(text []byte) (int64, int8, bool) {
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil || math.IsNaN(f) || f < 1e8 || f >= 1e14 {
		return 0, 0, false
	}
	if f < 1e11 {
		f *= 1000
	}
	return int64(math.Round(f)), 3, true
}

// jsonDuration reads a non-negative duration in the given unit and returns
// milliseconds.
func jsonDuration(text []byte, u jsonUnit) (float64, bool) {
	ms, ok := fieldSecondsMs(text) // the number × 1000
	if !ok {
		return 0, false
	}
	switch u {
	case unitS, unitDuration:
		return ms, true
	case unitNs:
		return ms / 1e9, true
	default:
		return ms / 1000, true
	}
}

// leadingInt reads the integer a rate-limit header starts with: "60", or
// the IETF draft's "100, 100;w=60" (→ 100).
func leadingInt(b []byte) (int64, bool) {
	end := 0
	for end < len(b) && '0' <= b[end] && b[end] <= '9' {
		end++
	}
	if end < len(b) {
		switch b[end] {
		case ',', ';', ' ':
		default:
			return 0, false
		}
	}
	return fieldUint(b[:end])
}

// retryAfterSeconds reads Retry-After as a number of seconds ("120", or a
// fraction rounded up: "1.5" → 2).
func retryAfterSeconds(b []byte) (int32, bool) {
	ms, ok := fieldSecondsMs(b)
	if !ok {
		return 0, false
	}
	secs := math.Ceil(ms/1000 - 1e-9)
	return int32(min(secs, math.MaxInt32)), true
}

// httpDate parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", the form
// HTTP uses for Retry-After) into epoch milliseconds.
func httpDate(b []byte) (int64, bool) {
	const layout = "Mon, 02 Jan 2006 15:04:05 GMT"
	if len(b) != len(layout) || b[3] != ',' || b[4] != ' ' || b[7] != ' ' || b[11] != ' ' ||
		b[16] != ' ' || b[19] != ':' || b[22] != ':' || string(b[25:]) != " GMT" {
		return 0, false
	}
	var mon int
	switch string(b[8:11]) {
	case "Jan":
		mon = 1
	case "Feb":
		mon = 2
	case "Mar":
		mon = 3
	case "Apr":
		mon = 4
	case "May":
		mon = 5
	case "Jun":
		mon = 6
	case "Jul":
		mon = 7
	case "Aug":
		mon = 8
	case "Sep":
		mon = 9
	case "Oct":
		mon = 10
	case "Nov":
		mon = 11
	case "Dec":
		mon = 12
	default:
		return 0, false
	}
	day, ok1 := fieldUint(b[5:7])
	year, ok2 := fieldUint(b[12:16])
	hh, ok3 := fieldUint(b[17:19])
	mm, ok4 := fieldUint(b[20:22])
	ss, ok5 := fieldUint(b[23:25])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return 0, false
	}
	t := time.Date(int(year), time.Month(mon), int(day), int(hh), int(mm), int(ss), 0, time.UTC)
	if t.Day() != int(day) { // 31 Nov and the like
		return 0, false
	}
	return t.UnixMilli(), true
}

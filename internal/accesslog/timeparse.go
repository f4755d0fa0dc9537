package accesslog

import "math"

// ParseTime reads a timestamp in any form access logs use and returns it as
// Unix epoch milliseconds with its precision (digits after the second):
//
//   - CLF: 22/Nov/2026:05:13:47 +0000 (precision 0)
//   - RFC 3339 / ISO 8601: 2026-11-22T05:13:47Z, 2026-11-22T05:13:47.123456+02:00,
//     with 'T' or a space between date and time
//   - epoch seconds, optionally fractional: 1795324427, 1795324427.123 (nginx $msec)
//   - epoch milliseconds: 1795324427123 (precision 3; a fraction adds digits)
//   - epoch microseconds (precision 6) and nanoseconds (precision 9):
//     1795324427123456, 1795324427123456789
//
// An epoch number's unit follows from its digit count (see parseEpoch).
// Dates that do not exist (31/Nov, 29/Feb outside leap years) fail, and so
// does any instant outside [MinTime, MaxTime): an access log does not come
// from 1970 or 2200, and such a time stored would be clamped or wrapped by
// ClickHouse's DateTime (1970 to 2106) into a wrong but plausible one.
//
// It does not allocate.
func ParseTime(b []byte) (ms int64, prec int8, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	switch {
	case b[0] >= '0' && b[0] <= '9' && len(b) >= 10 && b[4] == '-':
		ms, prec, ok = parseRFC3339(b)
	case b[0] >= '0' && b[0] <= '9' && len(b) >= 20 && b[2] == '/':
		ms, prec, ok = parseCLF(b)
	default:
		ms, prec, ok = parseEpoch(b)
	}
	if !ok || !TimeInRange(ms) {
		return 0, 0, false
	}
	return ms, prec, true
}

// The range of times ratescope accepts, in Unix milliseconds: from
// 2000-01-01T00:00:00Z (inclusive) to 2100-01-01T00:00:00Z (exclusive).
// It lies well inside what ClickHouse's DateTime holds on every supported
// server (1970-01-01 to 2106-02-07; 18.16 reads nothing after 2105), so a
// stored time is never clamped, wrapped or replaced by the ingest time.
const (
	MinTimeMs int64 = 946_684_800_000   // 2000-01-01T00:00:00Z
	MaxTimeMs int64 = 4_102_444_800_000 // 2100-01-01T00:00:00Z, excluded
)

// TimeInRange reports whether ms (Unix milliseconds) lies in
// [MinTimeMs, MaxTimeMs).
func TimeInRange(ms int64) bool { return ms >= MinTimeMs && ms < MaxTimeMs }

// months are the English month abbreviations CLF times use.
var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseCLF parses "02/Jan/2006:15:04:05 -0700".
func parseCLF(b []byte) (int64, int8, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return 0, 0, false
	}
	day, ok1 := num2(b, 0)
	year, ok2 := num4(b, 7)
	hh, ok3 := num2(b, 12)
	mm, ok4 := num2(b, 15)
	ss, ok5 := num2(b, 18)
	mon := monthNumber(b[3], b[4], b[5])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || mon == 0 {
		return 0, 0, false
	}
	off, ok := parseOffset(b[21:])
	if !ok {
		return 0, 0, false
	}
	return civil(year, mon, day, hh, mm, ss, 0, off)
}

// monthNumber returns the number (1–12) of the English month abbreviation
// "Jan" … "Dec" (exactly so capitalised), or 0.
func monthNumber(a, b, c byte) int {
	switch uint32(a)<<16 | uint32(b)<<8 | uint32(c) {
	case 'J'<<16 | 'a'<<8 | 'n':
		return 1
	case 'F'<<16 | 'e'<<8 | 'b':
		return 2
	case 'M'<<16 | 'a'<<8 | 'r':
		return 3
	case 'A'<<16 | 'p'<<8 | 'r':
		return 4
	case 'M'<<16 | 'a'<<8 | 'y':
		return 5
	case 'J'<<16 | 'u'<<8 | 'n':
		return 6
	case 'J'<<16 | 'u'<<8 | 'l':
		return 7
	case 'A'<<16 | 'u'<<8 | 'g':
		return 8
	case 'S'<<16 | 'e'<<8 | 'p':
		return 9
	case 'O'<<16 | 'c'<<8 | 't':
		return 10
	case 'N'<<16 | 'o'<<8 | 'v':
		return 11
	case 'D'<<16 | 'e'<<8 | 'c':
		return 12
	}
	return 0
}

// num2 reads the two decimal digits at b[i:i+2], which must exist.
func num2(b []byte, i int) (int, bool) {
	x, y := b[i]-'0', b[i+1]-'0' // a non-digit wraps above 9
	return int(x)*10 + int(y), x <= 9 && y <= 9
}

// num4 reads the four decimal digits at b[i:i+4], which must exist.
func num4(b []byte, i int) (int, bool) {
	hi, ok1 := num2(b, i)
	lo, ok2 := num2(b, i+2)
	return hi*100 + lo, ok1 && ok2
}

// parseOffset parses "+0000", "-07:00" or "Z" into seconds east of UTC.
func parseOffset(b []byte) (int, bool) {
	if len(b) == 1 && (b[0] == 'Z' || b[0] == 'z') {
		return 0, true
	}
	if len(b) != 5 && len(b) != 6 {
		return 0, false
	}
	sign := 1
	switch b[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, false
	}
	h, ok1 := num2(b, 1)
	rest := b[3:]
	if len(rest) == 3 {
		if rest[0] != ':' {
			return 0, false
		}
		rest = rest[1:]
	}
	m, ok2 := num2(rest, 0)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// parseRFC3339 parses "2006-01-02T15:04:05[.frac](Z|±hh:mm)"; a space may
// stand for the 'T', and a missing zone means UTC.
func parseRFC3339(b []byte) (int64, int8, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return 0, 0, false
	}
	year, ok1 := num4(b, 0)
	mon, ok2 := num2(b, 5)
	day, ok3 := num2(b, 8)
	hh, ok4 := num2(b, 11)
	mm, ok5 := num2(b, 14)
	ss, ok6 := num2(b, 17)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, 0, false
	}
	rest := b[19:]
	nanos, prec := 0, 0
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			if prec < 9 {
				nanos = nanos*10 + int(rest[i]-'0')
				prec++
			}
			i++
		}
		if i == 1 {
			return 0, 0, false
		}
		for p := prec; p < 9; p++ {
			nanos *= 10
		}
		rest = rest[i:]
	}
	off := 0
	if len(rest) > 0 {
		var ok bool
		if off, ok = parseOffset(rest); !ok {
			return 0, 0, false
		}
	}
	ms, _, ok := civil(year, mon, day, hh, mm, ss, nanos, off)
	if !ok {
		return 0, 0, false
	}
	return ms, int8(prec), true
}

// parseEpoch parses an epoch number; its digit count gives the unit, each
// range starting in 1973: 9–11 digits are seconds, 12–14 milliseconds, 15–17
// microseconds, 18–19 nanoseconds. Seconds and milliseconds may carry a
// fraction.
func parseEpoch(b []byte) (int64, int8, bool) {
	intPart, frac := b, []byte(nil)
	for i, c := range b {
		if c == '.' {
			intPart, frac = b[:i], b[i+1:]
			if len(frac) == 0 {
				return 0, 0, false
			}
			break
		}
	}
	if len(intPart) < 9 || len(intPart) > 19 {
		return 0, 0, false
	}
	n, ok := digits64(intPart)
	if !ok {
		return 0, 0, false
	}
	// Sub-second digits, at most nanoseconds; a trailing exponent or junk fails.
	fracNanos, prec := 0, 0
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		if prec < 9 {
			fracNanos = fracNanos*10 + int(c-'0')
			prec++
		}
	}
	for p := prec; p < 9; p++ {
		fracNanos *= 10
	}
	switch {
	case len(intPart) >= 15 && len(frac) > 0:
		return 0, 0, false
	case len(intPart) >= 18: // nanoseconds
		return n / 1e6, 9, true
	case len(intPart) >= 15: // microseconds
		return n / 1e3, 6, true
	case len(intPart) >= 12: // milliseconds
		return n, 3 + int8(min(prec, 6)), true
	default: // seconds
		return n*1000 + int64(fracNanos/1e6), int8(prec), true
	}
}

// digits64 parses up to 19 decimal digits, failing on overflow.
func digits64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// civil converts a calendar date and time at a UTC offset (seconds east)
// to epoch milliseconds, rejecting dates that do not exist (31 November,
// 29 February outside leap years). A leap second (ss 60) rolls over.
func civil(year, mon, day, hh, mm, ss, nanos, off int) (int64, int8, bool) {
	if mon < 1 || mon > 12 || day < 1 || day > daysIn(year, mon) || hh > 23 || mm > 59 || ss > 60 {
		return 0, 0, false
	}
	secs := daysFromCivil(year, mon, day)*86400 + int64(hh*3600+mm*60+ss-off)
	return secs*1000 + int64(nanos/1e6), 0, true
}

// daysFromCivil returns the number of days from 1970-01-01 to the given
// date of the proleptic Gregorian calendar (as time.Date counts them),
// without time.Date's normalisation work: eras of 400 years, years
// starting in March so that the leap day comes last.
func daysFromCivil(year, mon, day int) int64 {
	y := int64(year)
	if mon <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era-- // floor division
	}
	yoe := y - era*400 // [0, 399]
	mp := int64(mon+9) % 12
	doy := (153*mp+2)/5 + int64(day) - 1   // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return era*146097 + doe - 719468
}

// daysIn returns the number of days of month mon (1–12) in year.
func daysIn(year, mon int) int {
	switch mon {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

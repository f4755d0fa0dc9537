package accesslog

import (
	"testing"
	"time"
)

// TestCivilMatchesTimeDate checks the calendar arithmetic of civil
// against time.Date for every day of the years four-digit fields can
// hold, at times and offsets that roll over day, month and year
// boundaries, leap seconds included.
func TestCivilMatchesTimeDate(t *testing.T) {
	clocks := [][4]int{{0, 0, 0, 0}, {23, 59, 60, 999_999_999}, {12, 30, 5, 123_456_789}}
	offsets := []int{0, 14 * 3600, -(23*3600 + 59*60)}
	step := 1
	if testing.Short() {
		step = 7
	}
	for year := 0; year <= 9999; year++ {
		for mon := 1; mon <= 12; mon++ {
			for day := 1; day <= daysIn(year, mon); day += step {
				for i, c := range clocks {
					off := offsets[(year+mon+day+i)%len(offsets)]
					got, _, ok := civil(year, mon, day, c[0], c[1], c[2], c[3], off)
					want := time.Date(year, time.Month(mon), day, c[0], c[1], c[2], c[3], time.UTC).UnixMilli() - int64(off)*1000
					if !ok || got != want {
						t.Fatalf("civil(%04d-%02d-%02d %v off %d) = %d %v, want %d", year, mon, day, c, off, got, ok, want)
					}
				}
			}
		}
	}
}

// TestMonthNumber checks the month switch against the abbreviations, and
// that near misses are no month.
func TestMonthNumber(t *testing.T) {
	for i, m := range months {
		if got := monthNumber(m[0], m[1], m[2]); got != i+1 {
			t.Errorf("monthNumber(%q) = %d, want %d", m, got, i+1)
		}
	}
	for _, m := range []string{"jan", "JAN", "Jam", "Spe", "\x00\x00\x00", "Dex"} {
		if got := monthNumber(m[0], m[1], m[2]); got != 0 {
			t.Errorf("monthNumber(%q) = %d, want 0", m, got)
		}
	}
}

package chquery_test

import (
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
)

// A statement as text, arguments written in: what a dashboard panel holds.
func ExampleStatement_Text() {
	t := chquery.Tables{Database: "ratescope"}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s := t.SummaryPartners(from, from.Add(24*time.Hour), chquery.Cover{})
	text, err := s.Text()
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Name)
	fmt.Println(s.SQL)
	fmt.Println(text)
	// Output:
	// summary.partners
	// SELECT transform(partner, arrayConcat([''], (SELECT ids FROM `ratescope`.partner_map ORDER BY version DESC LIMIT 1)), arrayConcat([''], (SELECT names FROM `ratescope`.partner_map ORDER BY version DESC LIMIT 1)), partner) AS p FROM `ratescope`.requests WHERE kind = 1 AND time >= ? AND time < ? AND p != '' GROUP BY p
	// SELECT transform(partner, arrayConcat([''], (SELECT ids FROM `ratescope`.partner_map ORDER BY version DESC LIMIT 1)), arrayConcat([''], (SELECT names FROM `ratescope`.partner_map ORDER BY version DESC LIMIT 1)), partner) AS p FROM `ratescope`.requests WHERE kind = 1 AND time >= toDateTime(1772323200) AND time < toDateTime(1772409600) AND p != '' GROUP BY p
}

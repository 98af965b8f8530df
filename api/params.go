package api

import (
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
)

// Paging limits of the items endpoint.
const (
	defaultLimit = 100
	maxLimit     = 10000
)

// queryParam is one query parameter as the client sent it, copied out of
// fiber's reused buffers.
type queryParam struct{ key, value string }

// queryParams returns the request's query parameters in the order sent,
// rejecting unknown names (with the list of allowed ones) and repeats.
func queryParams(c *fiber.Ctx, allowed []string) ([]queryParam, error) {
	var (
		params []queryParam
		err    error
	)
	seen := map[string]bool{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if err != nil {
			return
		}
		key := string(k)
		switch {
		case !containsString(allowed, key):
			err = badRequest("unknown query parameter %q; this endpoint takes %s", key, strings.Join(allowed, ", "))
		case seen[key]:
			err = badRequest("query parameter %q is given more than once", key)
		default:
			seen[key] = true
			params = append(params, queryParam{key, string(v)})
		}
	})
	return params, err
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// encodeQuery writes params back as a query string, in their order.
func encodeQuery(params []queryParam) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.key))
		b.WriteByte('=')
		// Commas separate list values: keep them readable.
		b.WriteString(strings.ReplaceAll(url.QueryEscape(p.value), "%2C", ","))
	}
	return b.String()
}

// withParam returns params with key set to value (replaced in place, or
// appended), leaving the original untouched.
func withParam(params []queryParam, key, value string) []queryParam {
	out := make([]queryParam, 0, len(params)+1)
	found := false
	for _, p := range params {
		if p.key == key {
			p.value, found = value, true
		}
		out = append(out, p)
	}
	if !found {
		out = append(out, queryParam{key, value})
	}
	return out
}

// withoutParam returns params without key.
func withoutParam(params []queryParam, key string) []queryParam {
	out := make([]queryParam, 0, len(params))
	for _, p := range params {
		if p.key != key {
			out = append(out, p)
		}
	}
	return out
}

// parseBBox parses an OGC bbox (minLon,minLat,maxLon,maxLat, or six values
// with heights, which are ignored) in CRS84. A box whose west edge is east
// of its east edge crosses the antimeridian and becomes two boxes.
func parseBBox(s string) ([]orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, badRequest("bbox %q must have 4 numbers (minLon,minLat,maxLon,maxLat) or 6 with heights", s)
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, ok := parseDecimal(strings.TrimSpace(p))
		if !ok {
			return nil, badRequest("bbox %q: %q is not a number (write plain decimals such as 120.5)", s, p)
		}
		v[i] = f
	}
	minLon, minLat, maxLon, maxLat := v[0], v[1], v[2], v[3]
	if len(v) == 6 {
		minLon, minLat, maxLon, maxLat = v[0], v[1], v[3], v[4]
	}
	for _, lon := range []float64{minLon, maxLon} {
		if lon < -180 || lon > 180 {
			return nil, badRequest("bbox %q: longitude %v is outside -180..180", s, lon)
		}
	}
	for _, lat := range []float64{minLat, maxLat} {
		if lat < -90 || lat > 90 {
			return nil, badRequest("bbox %q: latitude %v is outside -90..90", s, lat)
		}
	}
	if minLat > maxLat {
		return nil, badRequest("bbox %q: the south edge %v is north of the north edge %v", s, minLat, maxLat)
	}
	if minLon > maxLon {
		return []orb.Bound{
			{Min: orb.Point{minLon, minLat}, Max: orb.Point{180, maxLat}},
			{Min: orb.Point{-180, minLat}, Max: orb.Point{maxLon, maxLat}},
		}, nil
	}
	return []orb.Bound{{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}}, nil
}

// parseLimit parses limit: a whole number of at least 1. Values above
// maxLimit are capped (the response shows the cap in numberReturned and
// in the next link).
func parseLimit(s string) (int, error) {
	n, err := parseWhole(s)
	if err != nil {
		return 0, badRequest("limit %q must be a whole number from 1 to %d", s, maxLimit)
	}
	if n < 1 {
		return 0, badRequest("limit %d must be at least 1", n)
	}
	return min(n, maxLimit), nil
}

func parseOffset(s string) (int, error) {
	n, err := parseWhole(s)
	if err != nil || n < 0 {
		return 0, badRequest("offset %q must be a whole number of 0 or more", s)
	}
	return n, nil
}

// maxDecimalLength bounds a number's text: no coordinate, distance or
// count needs more, and ParseFloat's work stays small.
const maxDecimalLength = 64

// isDecimal reports whether s is a plain decimal number as people write
// it: an optional minus sign, digits with an optional fraction, and an
// optional exponent. It refuses what Go's parsers also take (hexadecimal
// 0x1p4, digit separators 1_000, a plus sign, inf, nan), which clients do
// not mean and caches would key apart.
func isDecimal(s string) bool {
	if s == "" || len(s) > maxDecimalLength {
		return false
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	whole := digits()
	fraction := 0
	if i < len(s) && s[i] == '.' {
		i++
		fraction = digits()
		if fraction == 0 {
			return false
		}
	}
	if whole == 0 && fraction == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseDecimal reads a plain decimal number (isDecimal) that is finite
// as a float64.
func parseDecimal(s string) (float64, bool) {
	if !isDecimal(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseWhole reads a whole number written in decimal digits only, with
// an optional minus sign (no plus sign, separators or spaces).
func parseWhole(s string) (int, error) {
	body := strings.TrimPrefix(s, "-")
	if body == "" || len(body) > 18 || strings.TrimLeft(body, "0123456789") != "" {
		return 0, badRequest("%q is not a whole number", s)
	}
	return strconv.Atoi(s)
}

// yearRange is an inclusive range of target years.
type yearRange struct{ from, to int }

func (r yearRange) contains(y int) bool { return y >= r.from && y <= r.to }

// parseDatetime reads an RFC 3339 instant or interval (date-times, dates,
// or bare years; ".." or empty for an open end) as the range of whole years
// it touches: features carry a target year, the whole year being its time.
func parseDatetime(s string) (yearRange, error) {
	if s == "" {
		return yearRange{}, badRequest("datetime is empty")
	}
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		y, err := parseYear(s)
		if err != nil {
			return yearRange{}, err
		}
		return yearRange{y, y}, nil
	}
	r := yearRange{from: math.MinInt, to: math.MaxInt}
	var err error
	if start != ".." && start != "" {
		if r.from, err = parseYear(start); err != nil {
			return yearRange{}, err
		}
	}
	if end != ".." && end != "" {
		if r.to, err = parseYear(end); err != nil {
			return yearRange{}, err
		}
	}
	if r.from == math.MinInt && r.to == math.MaxInt {
		return yearRange{}, badRequest("datetime %q: at least one end of the interval must be given", s)
	}
	if r.from > r.to {
		return yearRange{}, badRequest("datetime %q: the interval ends before it starts", s)
	}
	return r, nil
}

func parseYear(s string) (int, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Year(), nil
		}
	}
	return 0, badRequest("datetime %q is not an RFC 3339 date-time (2025-06-30T00:00:00Z), date (2025-06-30), year (2025) or interval (2020/2025, ../2025)", s)
}

// sortKey is one term of sortby: a property name and direction.
type sortKey struct {
	property   string
	descending bool
}

func parseSortBy(s string, sortable []string) ([]sortKey, error) {
	var keys []sortKey
	terms := strings.Split(s, ",")
	if len(terms) > len(sortable) {
		return nil, badRequest("sortby lists %d terms; there are only %d sortable properties (%s)", len(terms), len(sortable), strings.Join(sortable, ", "))
	}
	for _, term := range terms {
		term = strings.TrimSpace(term)
		k := sortKey{property: term}
		switch {
		case strings.HasPrefix(term, "-"):
			k = sortKey{property: term[1:], descending: true}
		case strings.HasPrefix(term, "+"):
			k.property = term[1:]
		}
		if !containsString(sortable, k.property) {
			return nil, badRequest("sortby: cannot sort on %q; sortable properties are %s", k.property, strings.Join(sortable, ", "))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package api

import (
	"math/rand/v2"
	"testing"
)

// TestPageQueryEncodesAsWithParam checks the links' query strings put
// together from parameters escaped once against encodeQuery of the
// parameter lists withoutParam and withParam make, the way the links were
// made before, on random parameter lists (keys present or not, in any
// order, values needing escapes).
func TestPageQueryEncodesAsWithParam(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	keys := []string{"f", "bbox", "limit", "offset", "kind", "filter", "crs"}
	values := []string{"", "html", "119.1,25.9,119.4,26.2", "a b&c=d", "名字", "100", "%2C,%", "http://www.opengis.net/def/crs/EPSG/0/4326", "x+y"}
	for k := 0; k < 2000; k++ {
		var params []queryParam
		for _, i := range rng.Perm(len(keys))[:rng.IntN(len(keys)+1)] {
			params = append(params, queryParam{keys[i], values[rng.IntN(len(values))]})
		}
		pq := newPageQuery(params)
		limit := queryParam{"limit", values[rng.IntN(len(values))]}
		offset := queryParam{"offset", "250"}
		for _, c := range []struct {
			drop string
			sets []queryParam
			want string
		}{
			{"", nil, encodeQuery(params)},
			{"f", nil, encodeQuery(withoutParam(params, "f"))},
			{"f", []queryParam{{"f", "html"}}, encodeQuery(withParam(withoutParam(params, "f"), "f", "html"))},
			{"", []queryParam{offset}, encodeQuery(withParam(params, "offset", "250"))},
			{"", []queryParam{limit, offset}, encodeQuery(withParam(withParam(params, "limit", limit.value), "offset", "250"))},
		} {
			if got := pq.encode(c.drop, c.sets); got != c.want {
				t.Fatalf("params %v drop %q sets %v: %q, want %q", params, c.drop, c.sets, got, c.want)
			}
		}
	}
}

package postgis

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func randomGeometries(rng *rand.Rand, n int) []orb.Geometry {
	pt := func() orb.Point { return orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90} }
	line := func() orb.LineString {
		l := make(orb.LineString, 2+rng.IntN(5))
		for i := range l {
			l[i] = pt()
		}
		return l
	}
	ring := func() orb.Ring {
		r := orb.Ring(append(line(), pt()))
		return append(r, r[0])
	}
	poly := func() orb.Polygon {
		p := orb.Polygon{}
		for range 1 + rng.IntN(3) {
			p = append(p, ring())
		}
		return p
	}
	var out []orb.Geometry
	for len(out) < n {
		switch rng.IntN(7) {
		case 0:
			out = append(out, pt())
		case 1:
			out = append(out, orb.MultiPoint(line()))
		case 2:
			out = append(out, line())
		case 3:
			out = append(out, orb.MultiLineString{line(), line()})
		case 4:
			out = append(out, poly())
		case 5:
			out = append(out, orb.MultiPolygon{poly(), poly(), poly()}[:1+rng.IntN(3)])
		case 6:
			out = append(out, orb.Collection{pt(), line(), poly()})
		}
	}
	return out
}

// TestEWKBRoundTrip: orb → go-geom → EWKB → go-geom → orb gives every
// geometry type back exactly.
func TestEWKBRoundTrip(t *testing.T) {
	for i, g := range randomGeometries(rand.New(rand.NewPCG(1, 2)), 500) {
		b, err := EncodeEWKB(g)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeEWKB(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, back) {
			t.Fatalf("geometry %d (%s) came back as %v", i, g.GeoJSONType(), back)
		}
	}
	if _, err := EncodeEWKB(nil); err == nil {
		t.Fatal("a nil geometry encoded")
	}
	if _, err := DecodeEWKB([]byte{1, 2, 3}); err == nil {
		t.Fatal("garbage decoded")
	}
}

// TestEWKBAgainstPostGIS: PostGIS reads planmap's EWKB as the same
// geometry (its GeoJSON at full precision), with SRID 4326, and planmap
// reads PostGIS's EWKB, Z dropped, exactly.
func TestEWKBAgainstPostGIS(t *testing.T) {
	c, db := importedDB(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for i, g := range randomGeometries(rand.New(rand.NewPCG(3, 4)), 200) {
		b, _ := EncodeEWKB(g)
		var srid int
		var gj string
		var back []byte
		if err := conn.QueryRow(ctx, "SELECT ST_SRID(g), ST_AsGeoJSON(g, 17), ST_AsEWKB(g) FROM (SELECT ST_GeomFromEWKB($1) AS g) x", b).Scan(&srid, &gj, &back); err != nil {
			t.Fatal(err)
		}
		if srid != SRID {
			t.Fatalf("SRID %d", srid)
		}
		pg, err := geojson.UnmarshalGeometry([]byte(gj))
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDistance(g, pg.Geometry()); d > 1e-12 && g.GeoJSONType() != "GeometryCollection" {
			t.Fatalf("geometry %d: PostGIS reads it %g degrees away", i, d)
		}
		got, err := DecodeEWKB(back)
		if err != nil || !reflect.DeepEqual(got, g) {
			t.Fatalf("geometry %d: PostGIS's EWKB decodes as %v (%v)", i, got, err)
		}
	}
	var zb []byte
	if err := conn.QueryRow(ctx, "SELECT ST_AsEWKB(ST_GeomFromText('SRID=4490;LINESTRING Z (1 2 3, 4 5 6)'))").Scan(&zb); err != nil {
		t.Fatal(err)
	}
	if g, err := DecodeEWKB(zb); err != nil || !reflect.DeepEqual(g, orb.LineString{{1, 2}, {4, 5}}) {
		t.Fatalf("a 3D line decodes as %v (%v)", g, err)
	}
}

package geo

import (
	"fmt"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func TestVertices(t *testing.T) {
	a, b, c, d := orb.Point{0, 0}, orb.Point{1, 0}, orb.Point{1, 1}, orb.Point{0, 1}
	square := orb.Ring{a, b, c, d, a}
	hole := orb.Ring{{0.2, 0.2}, {0.2, 0.4}, {0.4, 0.4}, {0.2, 0.2}}
	tests := []struct {
		name string
		g    orb.Geometry
		want []orb.Point
	}{
		{"nil", nil, nil},
		{"point", a, []orb.Point{a}},
		{"multipoint", orb.MultiPoint{a, c}, []orb.Point{a, c}},
		{"linestring", orb.LineString{a, b, c}, []orb.Point{a, b, c}},
		{"ring keeps its closing position", square, []orb.Point{a, b, c, d, a}},
		{"multilinestring in order", orb.MultiLineString{{a, b}, {c, d}}, []orb.Point{a, b, c, d}},
		{"polygon exterior then hole", orb.Polygon{square, hole}, append(slices.Clone([]orb.Point(square)), hole...)},
		{"multipolygon", orb.MultiPolygon{{orb.Ring{a, b, c, a}}, {orb.Ring{c, d, a, c}}}, []orb.Point{a, b, c, a, c, d, a, c}},
		{"collection", orb.Collection{a, orb.LineString{b, c}}, []orb.Point{a, b, c}},
		{"bound as closed ring", orb.Bound{Min: a, Max: c}, []orb.Point{a, b, c, d, a}},
		{"empty polygon", orb.Polygon{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Vertices(tt.g)
			if len(got) != len(tt.want) || (len(got) > 0 && !slices.Equal(got, tt.want)) {
				t.Errorf("Vertices = %v, want %v", got, tt.want)
			}
			if n := VertexCount(tt.g); n != len(tt.want) {
				t.Errorf("VertexCount = %d, want %d", n, len(tt.want))
			}
		})
	}
}

func TestVerticesDoesNotAlias(t *testing.T) {
	ls := orb.LineString{{1, 2}, {3, 4}}
	got := Vertices(ls)
	got[0] = orb.Point{9, 9}
	if ls[0] != (orb.Point{1, 2}) {
		t.Fatalf("writing to Vertices' result changed the geometry: %v", ls)
	}
}

func ExampleVertices() {
	park := orb.Polygon{{{120.6, 28.0}, {120.7, 28.0}, {120.7, 28.1}, {120.6, 28.0}}}
	fmt.Println(VertexCount(park), Vertices(park)[1])
	// Output: 4 [120.7 28]
}

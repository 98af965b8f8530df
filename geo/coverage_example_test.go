package geo_test

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/geo"
)

// A point 0.1° north of a stretch of the equator is one meridian arc,
// 11,057.4 m, from it; a point inside a polygon is at distance 0.
func ExampleDistance() {
	equator := orb.LineString{{120, 0}, {121, 0}}
	fmt.Printf("%.1f m\n", geo.Distance(orb.Point{120.5, 0.1}, equator))

	square := orb.Polygon{{{120, 27}, {120.1, 27}, {120.1, 27.1}, {120, 27.1}, {120, 27}}}
	fmt.Printf("%.1f m\n", geo.Distance(orb.Point{120.05, 27.05}, square))
	// Output:
	// 11057.4 m
	// 0.0 m
}

// Prepare a geometry once to measure it against many others.
func ExampleNewShape() {
	railway := geo.NewShape(orb.LineString{{120.0, 27.0}, {120.0, 28.0}})
	for _, station := range []orb.Point{{120.0, 27.5}, {120.01, 27.5}, {120.0, 28.5}} {
		fmt.Printf("%.0f m\n", railway.Distance(geo.NewShape(station)))
	}
	// Output:
	// 0 m
	// 988 m
	// 55412 m
}

// The buffer of a line is a WGS84 polygon whose outline is the distance
// away from the line.
func ExampleBuffer() {
	line := orb.LineString{{120.0, 27.0}, {120.2, 27.0}}
	buf, err := geo.Buffer([]orb.Geometry{line}, 1000)
	if err != nil {
		fmt.Println(err)
		return
	}
	poly := buf.(orb.Polygon)
	d := geo.Distance(poly[0][0], line)
	fmt.Printf("%s with %d ring, outline %.1f m from the line\n", buf.GeoJSONType(), len(poly), d)
	// Output:
	// Polygon with 1 ring, outline 1000.6 m from the line
}

// Which targets lie within 2 km of which corridor, and what is left out.
func ExampleCorridors_Coverage() {
	corridors, err := geo.NewCorridors(
		[]string{"coastal-expressway", "inland-railway"},
		[]orb.Geometry{
			orb.LineString{{120.8, 27.5}, {120.9, 28.0}},
			orb.LineString{{120.3, 27.5}, {120.4, 28.0}},
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	targets := []geo.CoverageTarget{
		{Layer: "ports", ID: "harbour", Kind: "port", Status: "operational", Geometry: orb.Point{120.88, 27.8}},
		{Layer: "ports", ID: "dry-port", Kind: "multimodal_hub", Status: "planned", Geometry: orb.Point{120.6, 27.8}},
		{Layer: "industrial-parks", ID: "park", Kind: "industrial_park", Status: "planned",
			Geometry: orb.Polygon{{{120.34, 27.7}, {120.38, 27.7}, {120.38, 27.74}, {120.34, 27.74}, {120.34, 27.7}}}},
	}
	report, err := corridors.Coverage(context.Background(), targets, geo.CoverageOptions{Distance: 2000})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, r := range report.Results {
		fmt.Printf("%s: nearest %s at %.0f m, covered %v", targets[i].ID, corridors.ID(r.Nearest), r.Distance, r.Covered)
		if r.HasShare {
			fmt.Printf(", %.0f%% of its area", 100*r.CoveredShare)
		}
		fmt.Println()
	}
	s := report.Summary
	fmt.Printf("%d of %d covered; ports %d/%d; uncovered %v\n", s.Covered, s.Targets, s.ByLayer["ports"].Covered, s.ByLayer["ports"].Targets, s.Uncovered)
	// Output:
	// harbour: nearest coastal-expressway at 1951 m, covered true
	// dry-port: nearest inland-railway at 23291 m, covered false
	// park: nearest inland-railway at 0 m, covered true, 61% of its area
	// 2 of 3 covered; ports 1/2; uncovered [dry-port]
}

package crs_test

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/planmap/planmap/geo/crs"
)

// A point in Wenzhou into CGCS2000 / 3-degree Gauss–Krüger CM 120E, which
// writes northing first.
func ExampleCRS_FromCRS84() {
	c, err := crs.Builtin().Lookup("EPSG:4549")
	if err != nil {
		panic(err)
	}
	p, err := c.FromCRS84(orb.Point{120.5, 28})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.URI(), c.NorthingFirst())
	fmt.Printf("northing %.3f easting %.3f\n", p[0], p[1])
	back, _ := c.ToCRS84(p)
	fmt.Printf("lon %.9f lat %.9f\n", back[0], back[1])
	// Output:
	// http://www.opengis.net/def/crs/EPSG/0/4549 true
	// northing 3098542.495 easting 549181.286
	// lon 120.500000000 lat 28.000000000
}

// The short forms all name the same CRS.
func ExampleRegistry_Lookup() {
	reg := crs.Builtin()
	for _, ref := range []string{"EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "http://www.opengis.net/def/crs/EPSG/0/4326"} {
		c, _ := reg.Lookup(ref)
		fmt.Println(c.Code(), c.NorthingFirst())
	}
	_, err := reg.Lookup("EPSG:27700")
	fmt.Println(errors.Is(err, crs.ErrUnsupported))
	// Output:
	// EPSG:4326 true
	// EPSG:4326 true
	// EPSG:4326 true
	// true
}

// Overlaying planmap's WGS 84 features on a Gaode basemap: GCJ-02 moves
// Wenzhou by about 500 m; the inverse brings it back.
func ExampleCRS_GeometryFromCRS84_gcj02() {
	gcj, _ := crs.Builtin().Lookup(crs.GCJ02URI)
	line := orb.LineString{{120.6994, 27.9943}, {120.6520, 28.0160}}
	out, _ := gcj.GeometryFromCRS84(line)
	fmt.Printf("%.6f\n", out)
	back, _ := gcj.GeometryToCRS84(out)
	fmt.Printf("%.6f\n", back)
	// Output:
	// [[120.703458 27.991018] [120.655968 28.012628]]
	// [[120.699400 27.994300] [120.652000 28.016000]]
}

// A bbox-crs box in EPSG:4549 (northing, easting) into the CRS84 box that
// contains it, for filtering.
func ExampleCRS_BoundToCRS84() {
	c, _ := crs.Builtin().Lookup("EPSG:4549")
	b, _ := c.BoundToCRS84(orb.Bound{Min: orb.Point{3050000, 480000}, Max: orb.Point{3150000, 600000}})
	fmt.Printf("%.5f %.5f %.5f %.5f\n", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	// Output:
	// 119.79579 27.55917 121.02101 28.46523
}

// Between two projected CRSs through CRS84: Gauss–Krüger to UTM 51N
// (cs2cs EPSG:4549 EPSG:32651 gives the same to the millimetre).
func ExampleTransform() {
	reg := crs.Builtin()
	from, _ := reg.Lookup("EPSG:4549")
	to, _ := reg.Lookup("EPSG:32651")
	g, _ := crs.Transform(orb.Point{3098542.495, 549181.286}, from, to)
	fmt.Printf("%.3f\n", g)
	// Output:
	// [254149.758 3099721.473]
}

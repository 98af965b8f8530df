package cql2_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data/cql2"
)

func Example() {
	q := cql2.Queryables{
		"name":     {Type: cql2.TypeString},
		"floors":   {Type: cql2.TypeInteger},
		"geometry": {Type: cql2.TypeGeometry},
	}
	e, err := cql2.Parse(`floors > 5 AND name LIKE 'Tower%' AND S_INTERSECTS(geometry, BBOX(120, 27, 121, 28))`, cql2.Text, q)
	if err != nil {
		fmt.Println(err)
		return
	}
	f := geojson.NewFeature(orb.Point{120.65, 28.0})
	f.Properties = geojson.Properties{"name": "Tower A", "floors": 12.0}
	fmt.Println(e.Match(cql2.FromGeoJSON(f)))

	b, ok := e.Bounds()
	fmt.Println(b, ok)

	where, args, _ := e.SQL(cql2.TypedColumns("geom"))
	fmt.Println(where)
	fmt.Println(args[:2])
	// Output:
	// true
	// {[120 27] [121 28]} true
	// ((("floors") > $1::double precision) AND (("name") LIKE $2::text) AND ST_Intersects(("geom"), ST_GeomFromEWKB($3::bytea)))
	// [5 Tower%]
}

func ExampleParse_error() {
	q := cql2.Queryables{"floors": {Type: cql2.TypeInteger}, "name": {Type: cql2.TypeString}}
	_, err := cql2.Parse(`floors > 5 AND name =)`, cql2.Text, q)
	fmt.Println(err)
	_, err = cql2.Parse(`{"op":"=","args":[{"property":"name"},5]}`, cql2.JSON, q)
	fmt.Println(err)
	// Output:
	// cql2: at 21: expected a value after '=', found ')'
	// cql2: at 38: cannot compare property name (string) with number literal (number)
}

func ExampleExpr_SQL_jsonb() {
	q := cql2.Queryables{"height": {Type: cql2.TypeNumber}}
	e, _ := cql2.Parse(`height BETWEEN 10 AND 20`, cql2.Text, q)
	where, args, _ := e.SQL(cql2.JSONBColumns("props", "geom"))
	fmt.Println(where)
	fmt.Println(args)
	// Output:
	// ((CASE WHEN jsonb_typeof("props"->'height') = 'number' THEN ("props"->>'height')::double precision END) BETWEEN $1::double precision AND $2::double precision)
	// [10 20]
}

func ExampleConformanceClasses() {
	for _, c := range cql2.ConformanceClasses()[:3] {
		fmt.Println(c)
	}
	// Output:
	// http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2
	// http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators
	// http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison
}

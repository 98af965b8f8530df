package wfs

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func randomGeometry(rng *rand.Rand) orb.Geometry {
	pt := func() orb.Point {
		return orb.Point{float64(rng.Intn(360_000_000)-180_000_000) / 1e6, float64(rng.Intn(180_000_000)-90_000_000) / 1e6}
	}
	line := func(n int) orb.LineString {
		ls := make(orb.LineString, n)
		for i := range ls {
			ls[i] = pt()
		}
		return ls
	}
	ring := func() orb.Ring {
		r := orb.Ring(line(3 + rng.Intn(5)))
		return append(r, r[0])
	}
	poly := func() orb.Polygon {
		p := orb.Polygon{ring()}
		for i := rng.Intn(3); i > 0; i-- {
			p = append(p, ring())
		}
		return p
	}
	switch rng.Intn(6) {
	case 0:
		return pt()
	case 1:
		return line(2 + rng.Intn(6))
	case 2:
		return poly()
	case 3:
		mp := orb.MultiPoint{pt(), pt()}
		return mp
	case 4:
		return orb.MultiLineString{line(2), line(3 + rng.Intn(3))}
	}
	return orb.MultiPolygon{poly(), poly()}
}

// TestGMLRoundTrip writes random geometries in GML 3.2 and 3.1.1, in every
// axis order form, and reads them back exactly.
func TestGMLRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(15))
	forms := []string{URN4326, HTTP4326, Short4326, URNCRS84, HTTPCRS84}
	for i := 0; i < 2000; i++ {
		g := randomGeometry(rng)
		form := forms[i%len(forms)]
		c, err := parseCRS(form, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, v32 := range []bool{true, false} {
			var b strings.Builder
			w := &gmlWriter{v32: v32, crs: c}
			var buf = newBuffer()
			w.b = buf
			w.geometry(g, "g1")
			if w.err != nil {
				t.Fatal(w.err)
			}
			b.WriteString(`<r xmlns:gml="` + nsGML32 + `">` + buf.String() + `</r>`)
			root, err := parseXML([]byte(b.String()), DefaultLimits)
			if err != nil {
				t.Fatalf("%s: %v", b.String(), err)
			}
			// The reader's default is the opposite order: only srsName
			// can make it right.
			other := wgs84URN
			if c.SwapXY {
				other = crs{Name: URNCRS84, EPSG: 4326}
			}
			got, err := gmlReader{crs: other}.geometry(root.Children[0])
			if err != nil {
				t.Fatalf("%s: %v", b.String(), err)
			}
			if !orb.Equal(got, g) {
				t.Fatalf("v32=%v %s: read %v, wrote %v\n%s", v32, form, got, g, b.String())
			}
			if c.SwapXY && !strings.Contains(buf.String(), "srsName=\""+form+"\"") {
				t.Fatalf("srsName not written: %s", buf.String())
			}
		}
	}
}

// TestGML2Coordinates reads GML 2 geometries with their separators, and
// WFS 1.0 transactions longitude first whatever the srsName says.
func TestGML2Coordinates(t *testing.T) {
	cases := []struct {
		doc        string
		lonLatOnly bool
		want       orb.Geometry
	}{
		{`<gml:Point xmlns:gml="http://www.opengis.net/gml"><gml:coordinates>120.5,28.25</gml:coordinates></gml:Point>`, true, orb.Point{120.5, 28.25}},
		{`<gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="urn:ogc:def:crs:EPSG::4326"><gml:coordinates>120.5,28.25</gml:coordinates></gml:Point>`, true, orb.Point{120.5, 28.25}},
		{`<gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="urn:ogc:def:crs:EPSG::4326"><gml:coordinates>28.25,120.5</gml:coordinates></gml:Point>`, false, orb.Point{120.5, 28.25}},
		{`<gml:LineString xmlns:gml="http://www.opengis.net/gml" srsName="EPSG:4326"><gml:coordinates cs=" " ts=";" decimal=",">1,5 2;3 4,25</gml:coordinates></gml:LineString>`, false, orb.LineString{{1.5, 2}, {3, 4.25}}},
		{`<gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="EPSG:4326"><gml:coord><gml:X>1</gml:X><gml:Y>2</gml:Y></gml:coord></gml:Point>`, false, orb.Point{1, 2}},
		{`<gml:MultiPolygon xmlns:gml="http://www.opengis.net/gml" srsName="EPSG:4326"><gml:polygonMember><gml:Polygon><gml:outerBoundaryIs><gml:LinearRing><gml:coordinates>0,0 1,0 1,1 0,0</gml:coordinates></gml:LinearRing></gml:outerBoundaryIs></gml:Polygon></gml:polygonMember></gml:MultiPolygon>`, false,
			orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}},
		{`<gml:Curve xmlns:gml="http://www.opengis.net/gml" srsName="EPSG:4326"><gml:segments><gml:LineStringSegment><gml:posList srsDimension="3">1 2 9 3 4 9</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve>`, false, orb.LineString{{1, 2}, {3, 4}}},
	}
	for _, c := range cases {
		root, err := parseXML([]byte(c.doc), DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		r := gmlReader{crs: crs{Name: Short4326, EPSG: 4326}, lonLatOnly: c.lonLatOnly}
		got, err := r.geometry(root)
		if err != nil {
			t.Fatalf("%s: %v", c.doc, err)
		}
		if !orb.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.doc, got, c.want)
		}
	}
}

// FuzzParseXMLRequest: no request document makes the parser panic, loop
// or accept a DOCTYPE.
func FuzzParseXMLRequest(f *testing.F) {
	seeds := []string{
		`<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" service="WFS" version="2.0.0" count="3"><wfs:Query typeNames="planmap:ports"><fes:Filter><fes:And><fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><fes:ValueReference>name</fes:ValueReference><fes:Literal>温*</fes:Literal></fes:PropertyIsLike><fes:BBOX><gml:Envelope xmlns:gml="http://www.opengis.net/gml/3.2"><gml:lowerCorner>27 120</gml:lowerCorner><gml:upperCorner>28 121</gml:upperCorner></gml:Envelope></fes:BBOX></fes:And></fes:Filter><fes:SortBy><fes:SortProperty><fes:ValueReference>id</fes:ValueReference><fes:SortOrder>DESC</fes:SortOrder></fes:SortProperty></fes:SortBy></wfs:Query></wfs:GetFeature>`,
		`<wfs:Transaction xmlns:wfs="http://www.opengis.net/wfs" service="WFS" version="1.0.0"><wfs:Update typeName="planmap:ports"><wfs:Property><wfs:Name>status</wfs:Name><wfs:Value>planned</wfs:Value></wfs:Property><ogc:Filter xmlns:ogc="http://www.opengis.net/ogc"><ogc:FeatureId fid="ports.a"/></ogc:Filter></wfs:Update><wfs:Delete typeName="planmap:ports"><ogc:Filter xmlns:ogc="http://www.opengis.net/ogc"><ogc:FeatureId fid="ports.b"/></ogc:Filter></wfs:Delete></wfs:Transaction>`,
		`<GetCapabilities service="WFS"><AcceptVersions><Version>1.1.0</Version></AcceptVersions></GetCapabilities>`,
		`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`,
		`<a><b></a>`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		op, e := parseXMLRequest(doc, Limits{MaxBytes: 1 << 16, MaxDepth: 16, MaxTokens: 5000})
		if op == nil {
			t.Fatal("nil operation")
		}
		if e == nil && strings.Contains(strings.ToUpper(string(doc)), "<!DOCTYPE") {
			t.Fatalf("accepted a DOCTYPE: %q", doc)
		}
		if e != nil && e.Code == "" {
			t.Fatalf("exception without a code: %v", e)
		}
	})
}

func newBuffer() *bytes.Buffer { return &bytes.Buffer{} }

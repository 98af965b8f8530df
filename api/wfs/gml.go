package wfs

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// GML namespaces.
const (
	nsGML32 = "http://www.opengis.net/gml/3.2"
	nsGML   = "http://www.opengis.net/gml" // GML 2 and 3.1.1
)

// gmlWriter writes geometries as GML 3.2 (v32) or GML 3.1.1, in the
// CRS and axis order of crs.
type gmlWriter struct {
	b   *bytes.Buffer
	v32 bool
	crs crs
	err error
}

// geometry writes g; id names it (GML 3.2 requires a gml:id on every
// geometry object: members get id.1, id.2, ...).
func (w *gmlWriter) geometry(g orb.Geometry, id string) {
	w.write(g, id, true)
}

func (w *gmlWriter) open(name, id string, top bool) {
	w.b.WriteString("<gml:")
	w.b.WriteString(name)
	if w.v32 && id != "" {
		w.b.WriteString(` gml:id="`)
		xmlEscape(w.b, id)
		w.b.WriteByte('"')
	}
	if top {
		w.b.WriteString(` srsName="`)
		xmlEscape(w.b, w.crs.Name)
		w.b.WriteString(`" srsDimension="2"`)
	}
	w.b.WriteByte('>')
}

func (w *gmlWriter) close(name string) {
	w.b.WriteString("</gml:")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

func (w *gmlWriter) write(g orb.Geometry, id string, top bool) {
	member := func(i int) string {
		if id == "" {
			return ""
		}
		return id + "." + strconv.Itoa(i+1)
	}
	switch g := g.(type) {
	case orb.Point:
		w.open("Point", id, top)
		w.b.WriteString("<gml:pos>")
		w.positions([]orb.Point{g})
		w.b.WriteString("</gml:pos>")
		w.close("Point")
	case orb.LineString:
		w.open("LineString", id, top)
		w.posList(g)
		w.close("LineString")
	case orb.Ring:
		w.write(orb.Polygon{g}, id, top)
	case orb.Bound:
		w.write(g.ToPolygon(), id, top)
	case orb.Polygon:
		w.open("Polygon", id, top)
		for i, r := range g {
			tag := "exterior"
			if i > 0 {
				tag = "interior"
			}
			w.b.WriteString("<gml:" + tag + "><gml:LinearRing>")
			w.posList(r)
			w.b.WriteString("</gml:LinearRing></gml:" + tag + ">")
		}
		w.close("Polygon")
	case orb.MultiPoint:
		w.open("MultiPoint", id, top)
		for i, p := range g {
			w.b.WriteString("<gml:pointMember>")
			w.write(p, member(i), false)
			w.b.WriteString("</gml:pointMember>")
		}
		w.close("MultiPoint")
	case orb.MultiLineString:
		name, mem := "MultiLineString", "lineStringMember"
		if w.v32 {
			name, mem = "MultiCurve", "curveMember"
		}
		w.open(name, id, top)
		for i, l := range g {
			w.b.WriteString("<gml:" + mem + ">")
			w.write(l, member(i), false)
			w.b.WriteString("</gml:" + mem + ">")
		}
		w.close(name)
	case orb.MultiPolygon:
		name, mem := "MultiPolygon", "polygonMember"
		if w.v32 {
			name, mem = "MultiSurface", "surfaceMember"
		}
		w.open(name, id, top)
		for i, p := range g {
			w.b.WriteString("<gml:" + mem + ">")
			w.write(p, member(i), false)
			w.b.WriteString("</gml:" + mem + ">")
		}
		w.close(name)
	case orb.Collection:
		w.open("MultiGeometry", id, top)
		for i, m := range g {
			w.b.WriteString("<gml:geometryMember>")
			w.write(m, member(i), false)
			w.b.WriteString("</gml:geometryMember>")
		}
		w.close("MultiGeometry")
	default:
		if w.err == nil {
			w.err = fmt.Errorf("wfs: cannot write a %T as GML", g)
		}
	}
}

func (w *gmlWriter) posList(pts []orb.Point) {
	w.b.WriteString(`<gml:posList>`)
	w.positions(pts)
	w.b.WriteString("</gml:posList>")
}

func (w *gmlWriter) positions(pts []orb.Point) {
	var num [32]byte
	for i, p := range pts {
		q, err := w.crs.toCRS(p)
		if err != nil && w.err == nil {
			w.err = fmt.Errorf("wfs: converting to %s: %w", w.crs.Name, err)
		}
		if i > 0 {
			w.b.WriteByte(' ')
		}
		w.b.Write(strconv.AppendFloat(num[:0], q[0], 'f', -1, 64))
		w.b.WriteByte(' ')
		w.b.Write(strconv.AppendFloat(num[:0], q[1], 'f', -1, 64))
	}
}

// gmlReader reads GML 2, 3.1.1 and 3.2 geometries.
type gmlReader struct {
	// crs is the CRS of coordinates with no srsName of their own.
	crs     crs
	resolve CRSResolver
	// lonLatOnly: axis order is always longitude first (WFS 1.0, whose
	// clients write x/y whatever the srsName says).
	lonLatOnly bool
	dim        int
}

// errNotGeometry: the element is not a GML geometry.
var errNotGeometry = errors.New("not a GML geometry")

// geometry reads the geometry element n.
func (r gmlReader) geometry(n *node) (orb.Geometry, error) {
	if name := n.attr("srsName"); name != "" {
		c, err := parseCRS(name, r.resolve)
		if err != nil {
			return nil, err
		}
		if r.lonLatOnly {
			c.SwapXY = false
		}
		r.crs = c
	}
	if d := n.attr("srsDimension"); d != "" {
		k, err := strconv.Atoi(d)
		if err != nil || k < 2 || k > 4 {
			return nil, fmt.Errorf("%s: srsDimension %q must be 2, 3 or 4", n.Local, d)
		}
		r.dim = k
	}
	switch n.Local {
	case "Point":
		pts, err := r.coords(n)
		if err != nil {
			return nil, err
		}
		if len(pts) != 1 {
			return nil, fmt.Errorf("a Point needs one position, got %d", len(pts))
		}
		return pts[0], nil
	case "LineString", "LineStringSegment":
		pts, err := r.coords(n)
		if err != nil {
			return nil, err
		}
		if len(pts) < 2 {
			return nil, fmt.Errorf("a LineString needs at least 2 positions, got %d", len(pts))
		}
		return orb.LineString(pts), nil
	case "Curve":
		var line orb.LineString
		segs := n.child("segments")
		if segs == nil {
			return nil, errors.New("a Curve needs segments")
		}
		for _, s := range segs.Children {
			g, err := r.geometry(s)
			if err != nil {
				return nil, err
			}
			ls, ok := g.(orb.LineString)
			if !ok {
				return nil, fmt.Errorf("curve segment %s is not supported", s.Local)
			}
			if len(line) > 0 && line[len(line)-1] == ls[0] {
				ls = ls[1:]
			}
			line = append(line, ls...)
		}
		return line, nil
	case "Polygon", "PolygonPatch":
		return r.polygon(n)
	case "Surface":
		var mp orb.MultiPolygon
		patches := n.child("patches")
		if patches == nil {
			return nil, errors.New("a Surface needs patches")
		}
		for _, p := range patches.Children {
			poly, err := r.polygon(p)
			if err != nil {
				return nil, err
			}
			mp = append(mp, poly)
		}
		if len(mp) == 1 {
			return mp[0], nil
		}
		return mp, nil
	case "MultiPoint":
		var mp orb.MultiPoint
		err := r.members(n, []string{"pointMember", "pointMembers"}, func(g orb.Geometry) error {
			p, ok := g.(orb.Point)
			if !ok {
				return fmt.Errorf("a MultiPoint member is a %s", g.GeoJSONType())
			}
			mp = append(mp, p)
			return nil
		})
		return mp, err
	case "MultiLineString", "MultiCurve":
		var ml orb.MultiLineString
		err := r.members(n, []string{"lineStringMember", "curveMember", "curveMembers", "lineStringMembers"}, func(g orb.Geometry) error {
			switch l := g.(type) {
			case orb.LineString:
				ml = append(ml, l)
			case orb.MultiLineString:
				ml = append(ml, l...)
			default:
				return fmt.Errorf("a %s member is a %s", n.Local, g.GeoJSONType())
			}
			return nil
		})
		return ml, err
	case "MultiPolygon", "MultiSurface":
		var mp orb.MultiPolygon
		err := r.members(n, []string{"polygonMember", "surfaceMember", "surfaceMembers", "polygonMembers"}, func(g orb.Geometry) error {
			switch p := g.(type) {
			case orb.Polygon:
				mp = append(mp, p)
			case orb.MultiPolygon:
				mp = append(mp, p...)
			default:
				return fmt.Errorf("a %s member is a %s", n.Local, g.GeoJSONType())
			}
			return nil
		})
		return mp, err
	case "MultiGeometry":
		var c orb.Collection
		err := r.members(n, []string{"geometryMember", "geometryMembers"}, func(g orb.Geometry) error {
			c = append(c, g)
			return nil
		})
		return c, err
	case "Envelope", "Box":
		b, err := r.envelope(n)
		if err != nil {
			return nil, err
		}
		return b.ToPolygon(), nil
	}
	return nil, fmt.Errorf("%w: <%s>", errNotGeometry, n.Local)
}

func (r gmlReader) members(n *node, names []string, add func(orb.Geometry) error) error {
	count := 0
	for _, m := range n.Children {
		found := false
		for _, name := range names {
			if m.Local == name {
				found = true
			}
		}
		if !found {
			continue
		}
		for _, g := range m.Children {
			geom, err := r.geometry(g)
			if err != nil {
				return err
			}
			if err := add(geom); err != nil {
				return err
			}
			count++
		}
	}
	if count == 0 {
		return fmt.Errorf("%s has no members", n.Local)
	}
	return nil
}

func (r gmlReader) polygon(n *node) (orb.Polygon, error) {
	var poly orb.Polygon
	ring := func(b *node) error {
		lr := b.child("LinearRing")
		if lr == nil {
			return fmt.Errorf("%s needs a LinearRing", b.Local)
		}
		pts, err := r.coords(lr)
		if err != nil {
			return err
		}
		if len(pts) < 4 {
			return fmt.Errorf("a LinearRing needs at least 4 positions, got %d", len(pts))
		}
		poly = append(poly, orb.Ring(pts))
		return nil
	}
	ext := n.child("exterior")
	if ext == nil {
		ext = n.child("outerBoundaryIs")
	}
	if ext == nil {
		return nil, errors.New("a Polygon needs an exterior ring")
	}
	if err := ring(ext); err != nil {
		return nil, err
	}
	for _, c := range n.Children {
		if c.Local == "interior" || c.Local == "innerBoundaryIs" {
			if err := ring(c); err != nil {
				return nil, err
			}
		}
	}
	return poly, nil
}

// envelope reads a gml:Envelope (lowerCorner, upperCorner) or a GML 2
// gml:Box as a lon/lat bound.
func (r gmlReader) envelope(n *node) (orb.Bound, error) {
	if name := n.attr("srsName"); name != "" {
		c, err := parseCRS(name, r.resolve)
		if err != nil {
			return orb.Bound{}, err
		}
		if r.lonLatOnly {
			c.SwapXY = false
		}
		r.crs = c
	}
	var pts []orb.Point
	if lo, hi := n.child("lowerCorner"), n.child("upperCorner"); lo != nil && hi != nil {
		for _, c := range []*node{lo, hi} {
			p, err := r.parsePositions(c.text(), 0)
			if err != nil {
				return orb.Bound{}, err
			}
			if len(p) != 1 {
				return orb.Bound{}, fmt.Errorf("%s needs one position", c.Local)
			}
			pts = append(pts, p[0])
		}
	} else {
		var err error
		if pts, err = r.coords(n); err != nil {
			return orb.Bound{}, err
		}
		if len(pts) != 2 {
			return orb.Bound{}, fmt.Errorf("%s needs two corners, got %d", n.Local, len(pts))
		}
	}
	// The corners are in lon/lat already; a projected box is bounded by
	// its corners' images (close enough for a query).
	return orb.Bound{Min: pts[0], Max: pts[0]}.Extend(pts[1]), nil
}

// coords reads the positions of a simple geometry element: posList, pos,
// coordinates (GML 2) or coord.
func (r gmlReader) coords(n *node) ([]orb.Point, error) {
	dim := r.dim
	if dim == 0 {
		dim = 2
	}
	if pl := n.child("posList"); pl != nil {
		if d := pl.attr("srsDimension"); d != "" {
			k, err := strconv.Atoi(d)
			if err != nil || k < 2 || k > 4 {
				return nil, fmt.Errorf("posList srsDimension %q must be 2, 3 or 4", d)
			}
			dim = k
		}
		return r.parsePositions(pl.text(), dim)
	}
	if cs := n.child("coordinates"); cs != nil {
		return r.parseCoordinates(cs)
	}
	var pts []orb.Point
	for _, c := range n.Children {
		switch c.Local {
		case "pos":
			p, err := r.parsePositions(c.text(), 0)
			if err != nil {
				return nil, err
			}
			if len(p) != 1 {
				return nil, errors.New("a pos holds one position")
			}
			pts = append(pts, p[0])
		case "coord":
			x, y := c.child("X"), c.child("Y")
			if x == nil || y == nil {
				return nil, errors.New("a coord needs X and Y")
			}
			p, err := r.point(x.text(), y.text())
			if err != nil {
				return nil, err
			}
			pts = append(pts, p)
		case "pointProperty", "pointRep":
			for _, g := range c.Children {
				geom, err := r.geometry(g)
				if err != nil {
					return nil, err
				}
				p, ok := geom.(orb.Point)
				if !ok {
					return nil, errors.New("a pointProperty holds a Point")
				}
				pts = append(pts, p)
			}
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%s has no coordinates", n.Local)
	}
	return pts, nil
}

// parsePositions reads whitespace-separated numbers, dim per position
// (0: the number of numbers in a single pos, 2 or 3).
func (r gmlReader) parsePositions(s string, dim int) ([]orb.Point, error) {
	fields := strings.Fields(s)
	if dim == 0 {
		dim = len(fields)
		if dim < 2 || dim > 4 {
			return nil, fmt.Errorf("a position has %d numbers, want 2 or 3", dim)
		}
	}
	if len(fields)%dim != 0 || len(fields) == 0 {
		return nil, fmt.Errorf("%d numbers do not make positions of %d", len(fields), dim)
	}
	pts := make([]orb.Point, 0, len(fields)/dim)
	for i := 0; i < len(fields); i += dim {
		p, err := r.point(fields[i], fields[i+1])
		if err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	return pts, nil
}

// parseCoordinates reads GML 2 coordinates with their cs, ts and decimal
// separators.
func (r gmlReader) parseCoordinates(n *node) ([]orb.Point, error) {
	cs, ts, dec := ",", " ", "."
	if v := n.attr("cs"); v != "" {
		cs = v
	}
	if v := n.attr("ts"); v != "" {
		ts = v
	}
	if v := n.attr("decimal"); v != "" {
		dec = v
	}
	text := n.text()
	var tuples []string
	if strings.TrimSpace(ts) == "" {
		tuples = strings.Fields(text)
	} else {
		for _, t := range strings.Split(text, ts) {
			if t = strings.TrimSpace(t); t != "" {
				tuples = append(tuples, t)
			}
		}
	}
	var pts []orb.Point
	for _, t := range tuples {
		parts := strings.Split(t, cs)
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("coordinate tuple %q needs 2 or 3 values", t)
		}
		fix := func(s string) string {
			s = strings.TrimSpace(s)
			if dec != "." {
				s = strings.ReplaceAll(s, dec, ".")
			}
			return s
		}
		p, err := r.point(fix(parts[0]), fix(parts[1]))
		if err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return nil, errors.New("coordinates are empty")
	}
	return pts, nil
}

func (r gmlReader) point(xs, ys string) (orb.Point, error) {
	x, err1 := strconv.ParseFloat(xs, 64)
	y, err2 := strconv.ParseFloat(ys, 64)
	if err1 != nil || err2 != nil || math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
		return orb.Point{}, fmt.Errorf("coordinate %q %q is not a pair of finite numbers", xs, ys)
	}
	c := r.crs
	if r.lonLatOnly {
		c.SwapXY = false
	}
	p, err := c.fromCRS(orb.Point{x, y})
	if err != nil {
		return orb.Point{}, fmt.Errorf("converting from %s: %w", c.Name, err)
	}
	return p, nil
}

// xmlEscape writes s escaped for XML text and attribute values.
func xmlEscape(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '&':
			rep = "&amp;"
		case '"':
			rep = "&quot;"
		case '\'':
			rep = "&apos;"
		case '\n':
			rep = "&#xA;"
		case '\r':
			rep = "&#xD;"
		case '\t':
			rep = "&#x9;"
		default:
			if s[i] < 0x20 {
				rep = "\uFFFD"
			} else {
				continue
			}
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}

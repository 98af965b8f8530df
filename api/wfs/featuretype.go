package wfs

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// Property value types, as XML Schema names them.
const (
	xsString  = "string"
	xsInt     = "int"
	xsLong    = "long"
	xsDouble  = "double"
	xsBoolean = "boolean"
	// xsJSON is an array or object property, written as its JSON text.
	xsJSON = "json"
)

// geometryProperty is the name of every feature type's geometry.
const geometryProperty = "geometry"

// maxTypeSamples bounds the features read to guess the property types of
// a layer outside the planning vocabulary.
const maxTypeSamples = 1000

// featureType is one layer as WFS describes it.
type featureType struct {
	view *data.LayerView
	// layer is the layer id; name the XML element name (the id, made a
	// valid XML name).
	layer, name string
	props       []propDef
	byName      map[string]*propDef
	// geomTypes are the GeoJSON geometry types the layer takes.
	geomTypes []string
	standard  bool
}

type propDef struct {
	name string
	typ  string
}

// xmlName turns a layer id into an XML element name.
func xmlName(id string) string {
	if id != "" && isNameStart(id[0]) {
		return id
	}
	return "_" + id
}

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// validNCName reports whether s can be an unprefixed XML element name.
func validNCName(s string) bool {
	if s == "" || !isNameStart(s[0]) || strings.HasPrefix(strings.ToLower(s), "xml") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isNameStart(c) || c == '-' || c == '.' || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// newFeatureType describes a layer view: planning layers from the
// planning vocabulary, other layers from the values their features hold.
func newFeatureType(v *data.LayerView) *featureType {
	ft := &featureType{view: v, layer: v.Meta.ID, name: xmlName(v.Meta.ID), byName: map[string]*propDef{}}
	add := func(name, typ string) {
		if _, dup := ft.byName[name]; dup || name == geometryProperty || !validNCName(name) {
			return
		}
		ft.props = append(ft.props, propDef{name: name, typ: typ})
		ft.byName[name] = &ft.props[len(ft.props)-1]
	}
	ft.standard = data.IsStandard(ft.layer)
	var extra []string
	if ft.standard {
		for _, name := range append(slices.Clone(data.CommonProperties), data.LayerProperties[ft.layer]...) {
			typ := xsString
			switch name {
			case "target_year":
				typ = xsInt
			case "home_point":
				typ = xsJSON
			}
			add(name, typ)
		}
		ft.geomTypes = data.GeometryTypes[ft.layer]
		for _, name := range v.PropertyNames() {
			if _, ok := ft.byName[name]; !ok {
				extra = append(extra, name)
			}
		}
	} else {
		extra = v.PropertyNames()
	}
	types, geoms := sampleTypes(v, extra, !ft.standard)
	for _, name := range extra {
		add(name, types[name])
	}
	if !ft.standard {
		ft.geomTypes = geoms
	}
	// Rebuild the index: appending may have moved the slice.
	for i := range ft.props {
		ft.byName[ft.props[i].name] = &ft.props[i]
	}
	return ft
}

// sampleTypes guesses property types (and, when asked, the geometry
// types) from up to maxTypeSamples features spread over the layer.
func sampleTypes(v *data.LayerView, names []string, geoms bool) (map[string]string, []string) {
	kinds := map[string]map[string]bool{}
	geomSet := map[string]bool{}
	n := v.Len()
	step := 1
	if n > maxTypeSamples {
		step = n / maxTypeSamples
	}
	for i := 0; i < n; i += step {
		f := v.Feature(v.At(i))
		for _, name := range names {
			val, ok := f.Properties[name]
			if !ok || val == nil {
				continue
			}
			if kinds[name] == nil {
				kinds[name] = map[string]bool{}
			}
			kinds[name][valueKind(val)] = true
		}
		if geoms && f.Geometry != nil {
			geomSet[f.Geometry.GeoJSONType()] = true
		}
	}
	types := map[string]string{}
	for _, name := range names {
		k := kinds[name]
		switch {
		case len(k) == 1 && k[xsInt]:
			types[name] = xsInt
		case len(k) == 1 && k[xsLong], len(k) == 2 && k[xsInt] && k[xsLong]:
			types[name] = xsLong
		case len(k) > 0 && !k[xsString] && !k[xsBoolean] && !k[xsJSON]:
			types[name] = xsDouble
		case len(k) == 1 && k[xsBoolean]:
			types[name] = xsBoolean
		case len(k) == 1 && k[xsJSON]:
			types[name] = xsJSON
		default:
			types[name] = xsString
		}
	}
	var gt []string
	for t := range geomSet {
		gt = append(gt, t)
	}
	slices.Sort(gt)
	return types, gt
}

func valueKind(v any) string {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<31 {
			return xsInt
		}
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return xsLong
		}
		return xsDouble
	case bool:
		return xsBoolean
	case string:
		return xsString
	}
	return xsJSON
}

// geometryPropertyType is the GML property type of the layer's geometry.
func (ft *featureType) geometryPropertyType(v32 bool) string {
	set := map[string]bool{}
	for _, t := range ft.geomTypes {
		set[t] = true
	}
	only := func(types ...string) bool {
		if len(set) == 0 {
			return false
		}
		for t := range set {
			if !slices.Contains(types, t) {
				return false
			}
		}
		return true
	}
	pick := func(v31, v32name string) string {
		if v32 {
			return "gml:" + v32name + "PropertyType"
		}
		return "gml:" + v31 + "PropertyType"
	}
	switch {
	case only("Point"):
		return "gml:PointPropertyType"
	case only("Point", "MultiPoint"):
		return "gml:MultiPointPropertyType"
	case only("LineString"):
		return pick("LineString", "Curve")
	case only("LineString", "MultiLineString"):
		return pick("MultiLineString", "MultiCurve")
	case only("Polygon"):
		return pick("Polygon", "Surface")
	case only("Polygon", "MultiPolygon"):
		return pick("MultiPolygon", "MultiSurface")
	}
	return "gml:GeometryPropertyType"
}

// propertyName resolves a property reference: "status", "planmap:status",
// "planmap:ports/planmap:status". The geometry is "geometry".
func (ft *featureType) propertyName(ref string) (string, error) {
	name := strings.TrimSpace(ref)
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	if name == geometryProperty {
		return name, nil
	}
	if _, ok := ft.byName[name]; !ok {
		names := make([]string, 0, len(ft.props)+1)
		for _, p := range ft.props {
			names = append(names, p.name)
		}
		return "", fmt.Errorf("%s has no property %q; it has %s and %s", ft.name, ref, strings.Join(names, ", "), geometryProperty)
	}
	return name, nil
}

// textValue writes a property value as XML text.
func textValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// parseValue reads a property value written as text.
func (ft *featureType) parseValue(name, text string) (any, error) {
	p := ft.byName[name]
	typ := xsString
	if p != nil {
		typ = p.typ
	}
	s := strings.TrimSpace(text)
	switch typ {
	case xsInt, xsLong, xsDouble:
		if s == "" {
			return nil, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("property %s: %q is not a number", name, text)
		}
		return f, nil
	case xsBoolean:
		switch s {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		case "":
			return nil, nil
		}
		return nil, fmt.Errorf("property %s: %q is not a boolean", name, text)
	case xsJSON:
		if s == "" {
			return nil, nil
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("property %s: %q is not JSON text", name, text)
		}
		return v, nil
	}
	return text, nil
}

// completeProperties gives every property of a planning layer's schema
// that a WFS feature left out the value null: in GML an absent optional
// property has no value, while the planning rules want each one present.
func (ft *featureType) completeProperties(p geojson.Properties) {
	if !ft.standard {
		return
	}
	for _, d := range ft.props {
		if _, ok := p[d.name]; !ok && (slices.Contains(data.CommonProperties, d.name) || slices.Contains(data.LayerProperties[ft.layer], d.name)) {
			p[d.name] = nil
		}
	}
}

// bound returns the layer's envelope, or false when it has no features.
func (ft *featureType) bound() (orb.Bound, bool) {
	if ft.view.Len() == 0 {
		return orb.Bound{}, false
	}
	return ft.view.Bound(), true
}

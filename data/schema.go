package data

import "github.com/paulmach/orb"

// Statuses is the status vocabulary shared by every planning layer.
var Statuses = []string{"planned", "under_construction", "operational", "proposed"}

// Precisions is the geometry_precision vocabulary: how a geometry was made.
var Precisions = []string{"approximate", "schematic", "surveyed"}

// Modes is the corridors layer's mode vocabulary.
var Modes = []string{"rail", "road", "metro", "water", "concept"}

// Kinds is each planning layer's kind vocabulary.
var Kinds = map[string][]string{
	IndustrialParks: {"industrial_park", "cooperation_platform", "industrial_cluster", "pilot_zone",
		"innovation_base", "new_district", "eco_tourism_park", "business_district"},
	Corridors: {"high_speed_rail", "railway", "suburban_rail", "metro", "expressway", "urban_expressway",
		"highway", "bridge", "tunnel", "shipping_channel", "concept_corridor"},
	Ports:    {"port", "port_area", "cruise_terminal", "airport", "rail_hub", "multimodal_hub"},
	Enclaves: {"science_enclave", "industrial_enclave", "headquarters_enclave"},
}

// GeometryTypes is each planning layer's allowed geometry types.
var GeometryTypes = map[string][]string{
	IndustrialParks: {orb.Polygon{}.GeoJSONType(), orb.MultiPolygon{}.GeoJSONType()},
	Corridors:       {orb.LineString{}.GeoJSONType(), orb.MultiLineString{}.GeoJSONType()},
	Ports:           {orb.Point{}.GeoJSONType(), orb.Polygon{}.GeoJSONType()},
	Enclaves:        {orb.Polygon{}.GeoJSONType(), orb.MultiPolygon{}.GeoJSONType()},
}

// CommonProperties are the properties every feature of a planning layer
// carries (null where unknown).
var CommonProperties = []string{"id", "name", "name_en", "kind", "status", "target_year", "city",
	"county", "source_doc", "source_excerpt", "geometry_precision", "placement_note"}

// LayerProperties are the extra properties of particular planning layers.
var LayerProperties = map[string][]string{
	Corridors: {"mode"},
	Enclaves:  {"home", "host", "home_point"},
}

// MaxExcerptRunes bounds source_excerpt's length in characters.
const MaxExcerptRunes = 60

// MaxDecimals bounds the number of decimals in planning-layer coordinates.
const MaxDecimals = 6

// IsStandard reports whether id is one of the four planning layers.
func IsStandard(id string) bool {
	_, ok := Kinds[id]
	return ok
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

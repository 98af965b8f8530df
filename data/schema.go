package data

// The vocabularies below are views of the one table in vocabulary.go, kept
// as plain lists and maps for the code that only needs the values.

// Statuses is the status vocabulary shared by every planning layer.
var Statuses = termValues(vocabulary.Statuses)

// Precisions is the geometry_precision vocabulary: how a geometry was made.
var Precisions = termValues(vocabulary.Precisions)

// Modes is the corridors layer's mode vocabulary.
var Modes = termValues(vocabulary.Modes)

// Kinds is each planning layer's kind vocabulary.
var Kinds = layerMap(func(l LayerTerms) []string { return termValues(l.Kinds) })

// GeometryTypes is each planning layer's allowed geometry types.
var GeometryTypes = layerMap(func(l LayerTerms) []string { return l.GeometryTypes })

// CommonProperties are the properties every feature of a planning layer
// carries (null where unknown).
var CommonProperties = []string{"id", "name", "name_en", "kind", "status", "target_year", "city",
	"county", "source_doc", "source_excerpt", "geometry_precision", "placement_note"}

// LayerProperties are the extra properties of particular planning layers.
var LayerProperties = layerMap(func(l LayerTerms) []string { return l.Properties })

// MaxExcerptRunes bounds source_excerpt's length in characters.
const MaxExcerptRunes = 60

// MaxDecimals bounds the number of decimals in planning-layer coordinates.
const MaxDecimals = 6

// IsStandard reports whether id is one of the planning layers.
func IsStandard(id string) bool {
	return vocabulary.Layer(id) != nil
}

// layerMap maps each planning layer's id to what pick takes from its entry
// (layers for which pick gives nothing are left out).
func layerMap(pick func(LayerTerms) []string) map[string][]string {
	m := map[string][]string{}
	for _, l := range vocabulary.Layers {
		if v := pick(l); len(v) > 0 {
			m[l.ID] = v
		}
	}
	return m
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

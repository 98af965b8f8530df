package data

import (
	"slices"

	"github.com/paulmach/orb"
)

// Term is one value of a planning vocabulary: a layer's kind, a status, a
// corridor mode or a geometry precision, with the labels and colour every
// reader shows it with.
type Term struct {
	// Value is what features carry in their property.
	Value string `json:"value"`
	// ZH and EN are the labels in simplified Chinese and in English.
	ZH string `json:"zh"`
	EN string `json:"en"`
	// Colour is a CSS hex colour (#rrggbb) the map draws the value in.
	Colour string `json:"colour"`
	// Line is, for a status, how lines and outlines of that status are
	// drawn: one of LineStyles.
	Line string `json:"line,omitempty"`
	// Mode is, for a corridors kind, the corridor mode it belongs to.
	Mode string `json:"mode,omitempty"`
}

// LayerTerms is one planning layer's entry in the vocabulary table.
type LayerTerms struct {
	ID string `json:"id"`
	// ZH and EN are the layer's title in the two languages.
	ZH string `json:"zh"`
	EN string `json:"en"`
	// Colour is the layer's swatch colour: its first kind's.
	Colour string `json:"colour"`
	// GeometryTypes are the GeoJSON geometry types the layer takes.
	GeometryTypes []string `json:"geometry_types"`
	// Properties are the properties the layer's features carry beyond
	// CommonProperties.
	Properties []string `json:"properties,omitempty"`
	// Kinds is the layer's kind vocabulary, in legend order.
	Kinds []Term `json:"kinds"`
}

// VocabularyTable is planmap's one table of planning vocabulary: the
// planning layers with their kinds, the statuses, the corridor modes and
// the geometry precisions, each with Chinese and English labels and a
// colour. Validation, the queryables, the search facets, the map style,
// the generator and the web map's legend all read it.
type VocabularyTable struct {
	// Layers are the planning layers in their display order.
	Layers     []LayerTerms `json:"layers"`
	Statuses   []Term       `json:"statuses"`
	Modes      []Term       `json:"modes"`
	Precisions []Term       `json:"geometry_precisions"`
}

// Line styles of statuses, from built to merely proposed.
const (
	LineSolid  = "solid"
	LineDashed = "dashed"
	LineDotted = "dotted"
	LineFaint  = "faint"
)

// LineStyles lists the status line styles.
var LineStyles = []string{LineSolid, LineDashed, LineDotted, LineFaint}

var (
	polygonTypes = []string{orb.Polygon{}.GeoJSONType(), orb.MultiPolygon{}.GeoJSONType()}
	lineTypes    = []string{orb.LineString{}.GeoJSONType(), orb.MultiLineString{}.GeoJSONType()}
	placeTypes   = []string{orb.Point{}.GeoJSONType(), orb.Polygon{}.GeoJSONType()}
)

// vocabulary is the table itself. Colours are chosen so that no two kinds
// look alike: TestVocabularyColours checks their CIE76 colour differences.
var vocabulary = VocabularyTable{
	Layers: []LayerTerms{
		{ID: IndustrialParks, ZH: "产业园区与平台", EN: "Industrial parks and platforms", GeometryTypes: polygonTypes, Kinds: []Term{
			{Value: "industrial_park", ZH: "产业园区", EN: "Industrial park", Colour: "#c0504d"},
			{Value: "cooperation_platform", ZH: "合作平台", EN: "Cooperation platform", Colour: "#d6336c"},
			{Value: "industrial_cluster", ZH: "产业集聚区", EN: "Industrial cluster", Colour: "#8c5a3c"},
			{Value: "pilot_zone", ZH: "试验示范区", EN: "Pilot zone", Colour: "#862e9c"},
			{Value: "innovation_base", ZH: "科创基地", EN: "Innovation base", Colour: "#00c5dd"},
			{Value: "new_district", ZH: "新区新城", EN: "New district", Colour: "#f3a300"},
			{Value: "eco_tourism_park", ZH: "生态旅游园区", EN: "Eco-tourism park", Colour: "#74a832"},
			{Value: "business_district", ZH: "商务街区", EN: "Business district", Colour: "#f9989c"},
			{Value: "urban_cluster", ZH: "城镇群与一体化区域", EN: "Urban cluster", Colour: "#d6ab86"},
		}},
		{ID: Corridors, ZH: "交通与发展走廊", EN: "Corridors", GeometryTypes: lineTypes, Properties: []string{"mode"}, Kinds: []Term{
			{Value: "high_speed_rail", ZH: "高速铁路", EN: "High-speed rail", Colour: "#a61e1e", Mode: "rail"},
			{Value: "railway", ZH: "铁路", EN: "Railway", Colour: "#484a62", Mode: "rail"},
			{Value: "suburban_rail", ZH: "市域铁路", EN: "Suburban rail", Colour: "#5f3dc4", Mode: "rail"},
			{Value: "metro", ZH: "城市轨道", EN: "Metro", Colour: "#1c7ed6", Mode: "metro"},
			{Value: "expressway", ZH: "高速公路", EN: "Expressway", Colour: "#f08c00", Mode: "road"},
			{Value: "urban_expressway", ZH: "城市快速路", EN: "Urban expressway", Colour: "#d3b03f", Mode: "road"},
			{Value: "highway", ZH: "干线公路", EN: "Highway", Colour: "#a98467", Mode: "road"},
			{Value: "bridge", ZH: "桥梁", EN: "Bridge", Colour: "#adb5bd", Mode: "road"},
			{Value: "tunnel", ZH: "隧道", EN: "Tunnel", Colour: "#577576", Mode: "road"},
			{Value: "shipping_channel", ZH: "航道", EN: "Shipping channel", Colour: "#1098ad", Mode: "water"},
			{Value: "concept_corridor", ZH: "概念走廊", EN: "Concept corridor", Colour: "#b2a3d9", Mode: "concept"},
		}},
		{ID: Ports, ZH: "港口、枢纽与能源", EN: "Ports, hubs and energy sites", GeometryTypes: placeTypes, Kinds: []Term{
			{Value: "port", ZH: "港口", EN: "Port", Colour: "#1e45a2"},
			{Value: "port_area", ZH: "港区", EN: "Port area", Colour: "#4c6ef5"},
			{Value: "cruise_terminal", ZH: "邮轮码头", EN: "Cruise terminal", Colour: "#e599f7"},
			{Value: "airport", ZH: "机场", EN: "Airport", Colour: "#7048e8"},
			{Value: "rail_hub", ZH: "铁路枢纽", EN: "Rail hub", Colour: "#5f4730"},
			{Value: "multimodal_hub", ZH: "综合枢纽", EN: "Multimodal hub", Colour: "#087f5b"},
			{Value: "energy_site", ZH: "能源项目", EN: "Energy site", Colour: "#862e4f"},
		}},
		{ID: Enclaves, ZH: "飞地", EN: "Enclaves", GeometryTypes: polygonTypes, Properties: []string{"home", "host", "home_point"}, Kinds: []Term{
			{Value: "science_enclave", ZH: "科创飞地", EN: "Science enclave", Colour: "#f06595"},
			{Value: "industrial_enclave", ZH: "产业飞地", EN: "Industrial enclave", Colour: "#d9480f"},
			{Value: "headquarters_enclave", ZH: "总部飞地", EN: "Headquarters enclave", Colour: "#a61e4d"},
		}},
		{ID: EcologicalSpaces, ZH: "生态空间", EN: "Ecological spaces", GeometryTypes: polygonTypes, Kinds: []Term{
			{Value: "reservoir", ZH: "水库", EN: "Reservoir", Colour: "#5ebbfd"},
			{Value: "nature_reserve", ZH: "自然保护区", EN: "Nature reserve", Colour: "#2b8a3e"},
			{Value: "wetland_park", ZH: "湿地公园", EN: "Wetland park", Colour: "#18cb98"},
			{Value: "ecological_park", ZH: "生态园", EN: "Ecological park", Colour: "#48cb64"},
			{Value: "marine_area", ZH: "海洋生态区", EN: "Marine area", Colour: "#76becb"},
			{Value: "ecological_belt", ZH: "生态带与屏障", EN: "Ecological belt", Colour: "#8cc41d"},
		}},
	},
	Statuses: []Term{
		{Value: "operational", ZH: "已建成", EN: "Operational", Colour: "#2b8a3e", Line: LineSolid},
		{Value: "under_construction", ZH: "在建", EN: "Under construction", Colour: "#e67700", Line: LineDashed},
		{Value: "planned", ZH: "规划", EN: "Planned", Colour: "#1971c2", Line: LineDotted},
		{Value: "proposed", ZH: "谋划", EN: "Proposed", Colour: "#868e96", Line: LineFaint},
	},
	Modes: []Term{
		{Value: "rail", ZH: "铁路", EN: "Rail", Colour: "#a61e1e"},
		{Value: "road", ZH: "公路", EN: "Road", Colour: "#f08c00"},
		{Value: "metro", ZH: "轨道", EN: "Metro", Colour: "#1c7ed6"},
		{Value: "water", ZH: "水运", EN: "Water", Colour: "#1098ad"},
		{Value: "concept", ZH: "概念", EN: "Concept", Colour: "#b2a3d9"},
	},
	Precisions: []Term{
		{Value: "surveyed", ZH: "测绘", EN: "Surveyed", Colour: "#2b8a3e"},
		{Value: "approximate", ZH: "近似", EN: "Approximate", Colour: "#e67700"},
		{Value: "schematic", ZH: "示意", EN: "Schematic", Colour: "#868e96"},
	},
}

func init() {
	for i := range vocabulary.Layers {
		l := &vocabulary.Layers[i]
		l.Colour = l.Kinds[0].Colour
	}
}

// Vocabulary returns the vocabulary table. It is shared: treat it as
// read-only.
func Vocabulary() *VocabularyTable { return &vocabulary }

// Layer returns the entry of a planning layer, or nil.
func (v *VocabularyTable) Layer(id string) *LayerTerms {
	for i := range v.Layers {
		if v.Layers[i].ID == id {
			return &v.Layers[i]
		}
	}
	return nil
}

// Kind returns a layer's kind term.
func (v *VocabularyTable) Kind(layerID, kind string) (Term, bool) {
	if l := v.Layer(layerID); l != nil {
		return findTerm(l.Kinds, kind)
	}
	return Term{}, false
}

// Status returns a status term.
func (v *VocabularyTable) Status(status string) (Term, bool) { return findTerm(v.Statuses, status) }

// Values returns the allowed values of a layer's property when the table
// fixes them (kind, status, mode, geometry_precision of a planning layer),
// else nil.
func (v *VocabularyTable) Values(layerID, property string) []string {
	l := v.Layer(layerID)
	if l == nil {
		return nil
	}
	switch property {
	case "kind":
		return termValues(l.Kinds)
	case "status":
		return termValues(v.Statuses)
	case "geometry_precision":
		return termValues(v.Precisions)
	case "mode":
		if slices.Contains(l.Properties, "mode") {
			return termValues(v.Modes)
		}
	}
	return nil
}

// StatusesDrawn returns the statuses drawn in a line style, in table order.
func (v *VocabularyTable) StatusesDrawn(line string) []string {
	var out []string
	for _, t := range v.Statuses {
		if t.Line == line {
			out = append(out, t.Value)
		}
	}
	return out
}

func findTerm(terms []Term, value string) (Term, bool) {
	for _, t := range terms {
		if t.Value == value {
			return t, true
		}
	}
	return Term{}, false
}

func termValues(terms []Term) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = t.Value
	}
	return out
}

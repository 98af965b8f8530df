// Package cql2 parses, type-checks, evaluates and translates OGC CQL2 filter
// expressions (OGC 21-065r2, Common Query Language) for planmap.
//
// Both encodings, cql2-text and cql2-json, parse into one abstract syntax tree
// ([Node]) that is checked against the layer's [Queryables]: an unknown
// property, a comparison of a string property with a number, a LIKE on a
// number and the like are reported as an [*Error] carrying the byte offset
// of the offending token, so an API can answer 400 pointing at the position:
//
//	cql2: at 17: expected a value after '=', found ')'
//
// A parsed [Expr] can be
//   - evaluated in memory with [Expr.Match] on any [Feature] (properties as
//     decoded by encoding/json, geometry as orb in CRS84);
//   - reduced to a bounding box every match must intersect with [Expr.Bounds],
//     so a store can ask its spatial index first;
//   - translated into a parameterized PostgreSQL/PostGIS WHERE clause with
//     [Expr.SQL], values always passed as arguments ($1, $2, ...);
//   - re-projected: [Expr.MapGeometries] maps every geometry literal through a
//     caller's function (filter-crs handling stays with the caller).
//
// Evaluation uses SQL's three-valued logic: a comparison with a missing or
// null property is unknown, NOT unknown is unknown, and only features for
// which the whole filter is true match. This is what PostgreSQL does with the
// translated SQL, so both paths select the same features.
//
// Implemented: Basic CQL2 (comparisons, AND/OR/NOT, IS [NOT] NULL, string,
// number, boolean, DATE and TIMESTAMP literals, property-property
// comparisons), advanced comparison operators (LIKE with % and _ and
// backslash escapes, BETWEEN, IN), case-insensitive comparison (CASEI), basic
// spatial functions with every WKT and GeoJSON geometry literal and BBOX, the
// other spatial functions (S_CONTAINS, S_WITHIN, S_DISJOINT, S_EQUALS,
// S_TOUCHES, S_CROSSES, S_OVERLAPS, evaluated with simplefeatures' RelateNG
// port of JTS), and arithmetic (+ - * / % div ^). Not implemented, refused
// with a clear error: temporal functions (T_*), array functions (A_*),
// ACCENTI, custom functions. [ConformanceClasses] lists exactly the
// implemented classes.
//
// Work is bounded by [Limits]: input length, nesting depth, node count,
// geometry coordinate count and LIKE pattern length. LIKE patterns compile to
// a matcher that runs in O(len(value) × len(pattern)), never a backtracking
// regular expression.
package cql2

// Conformance class URIs of CQL2 (OGC 21-065r2) and of OGC API - Features -
// Part 3: Filtering (OGC 19-079r2) that this package implements.
const (
	ConfBasicCQL2            = "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2"
	ConfAdvancedComparison   = "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators"
	ConfCaseInsensitive      = "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison"
	ConfBasicSpatial         = "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions"
	ConfBasicSpatialPlus     = "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus"
	ConfSpatialFunctions     = "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions"
	ConfPropertyProperty     = "http://www.opengis.net/spec/cql2/1.0/conf/property-property"
	ConfArithmetic           = "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic"
	ConfCQL2Text             = "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"
	ConfCQL2JSON             = "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json"
	ConfFeaturesFilter       = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
	ConfFeaturesFeatures     = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter"
	ConfQueryables           = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables"
	ConfQueryablesParameters = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters"
)

// ConformanceClasses returns the conformance class URIs this package
// implements, CQL2 ones first, then those of Features Part 3. An API that
// filters with this package (in memory or through [Expr.SQL]) declares
// exactly these. queryables-query-parameters is included because it only
// needs equality on queryables, which Basic CQL2 gives.
func ConformanceClasses() []string {
	return []string{
		ConfBasicCQL2,
		ConfAdvancedComparison,
		ConfCaseInsensitive,
		ConfBasicSpatial,
		ConfBasicSpatialPlus,
		ConfSpatialFunctions,
		ConfPropertyProperty,
		ConfArithmetic,
		ConfCQL2Text,
		ConfCQL2JSON,
		ConfFeaturesFilter,
		ConfFeaturesFeatures,
		ConfQueryables,
		ConfQueryablesParameters,
	}
}

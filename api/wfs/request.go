package wfs

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/planmap/planmap/data"
)

// Request is one WFS request as the transport received it.
type Request struct {
	// Args are the KVP arguments (query string, or a form body) in order.
	Args []KV
	// Body is the XML request document of a POST.
	Body []byte
}

// KV is one KVP argument.
type KV struct{ Key, Value string }

// Response is what to answer.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
	Header      map[string]string
}

// Operation names.
const (
	opGetCapabilities     = "GetCapabilities"
	opDescribeFeatureType = "DescribeFeatureType"
	opGetFeature          = "GetFeature"
	opGetPropertyValue    = "GetPropertyValue"
	opTransaction         = "Transaction"
	opListStoredQueries   = "ListStoredQueries"
	opDescribeStored      = "DescribeStoredQueries"
)

var operations = []string{opGetCapabilities, opDescribeFeatureType, opGetFeature, opGetPropertyValue, opTransaction, opListStoredQueries, opDescribeStored}

// getFeatureByID is the stored query every WFS 2.0 server offers.
const getFeatureByID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"

// operation is a parsed request.
type operation struct {
	name    string
	version string
	// typeNames: DescribeFeatureType's.
	typeNames    []string
	outputFormat string
	// GetFeature and GetPropertyValue.
	queries        []query
	count          int // -1: not given
	startIndex     int
	hits           bool
	valueReference string
	// byIDQuery: the GetFeatureById stored query (one bare feature).
	byIDQuery bool
	tx        *transaction
}

// query is one Query of a GetFeature.
type query struct {
	typeNames []string
	srsName   string
	// filter is a <Filter> element; bbox and ids the KVP shortcuts.
	filter        *node
	bbox          *bboxArg
	ids           []string
	propertyNames []string
	sortBy        []data.SortKey
}

type bboxArg struct {
	coords [4]float64
	crs    string
}

// parseKVP reads a KVP request.
func parseKVP(args []KV, lim Limits) (*operation, *Exception) {
	p := map[string]string{}
	for _, a := range args {
		p[strings.ToUpper(a.Key)] = a.Value
	}
	op := &operation{count: -1}
	if v := p["VERSION"]; v == V200 || v == V110 {
		op.version = v
	} else {
		op.version = V200
	}
	service, ok := p["SERVICE"]
	if !ok || service == "" {
		return op, missing("service")
	}
	if !strings.EqualFold(service, "WFS") {
		return op, invalid("service", "service is %q; this is a WFS", service)
	}
	req, ok := p["REQUEST"]
	if !ok || req == "" {
		return op, missing("request")
	}
	for _, name := range operations {
		if strings.EqualFold(req, name) {
			op.name = name
		}
	}
	if op.name == "" {
		return op, exception(CodeOperationNotSupported, "request", "request %q is not an operation of this service; it offers %s", req, strings.Join(operations, ", "))
	}
	if op.name == opTransaction {
		return op, exception(CodeOperationNotSupported, "request", "Transaction is sent as an XML document in a POST body")
	}
	if e := negotiateVersion(op, p["VERSION"], p["ACCEPTVERSIONS"]); e != nil {
		return op, e
	}
	op.outputFormat = p["OUTPUTFORMAT"]
	switch op.name {
	case opGetCapabilities, opListStoredQueries, opDescribeStored:
		return op, nil
	case opDescribeFeatureType:
		names := p["TYPENAMES"]
		if names == "" {
			names = p["TYPENAME"]
		}
		op.typeNames = splitList(names)
		return op, nil
	}
	// GetFeature and GetPropertyValue.
	if op.name == opGetPropertyValue {
		op.valueReference = p["VALUEREFERENCE"]
		if op.valueReference == "" {
			return op, missing("valueReference")
		}
	}
	if e := readPaging(op, p["COUNT"], p["MAXFEATURES"], p["STARTINDEX"], p["RESULTTYPE"]); e != nil {
		return op, e
	}
	if lang := p["FILTER_LANGUAGE"]; lang != "" && !strings.Contains(strings.ToLower(lang), "fes") && !strings.Contains(strings.ToLower(lang), "filter") {
		return op, invalid("filter_language", "filter_language %q is not supported; send Filter Encoding XML", lang)
	}
	if sq := p["STOREDQUERY_ID"]; sq != "" {
		if sq != getFeatureByID {
			return op, invalid("storedQuery_id", "stored query %q is not offered; the one stored query is %s", sq, getFeatureByID)
		}
		id := p["ID"]
		if id == "" {
			return op, missing("id")
		}
		op.byIDQuery = true
		op.queries = []query{{ids: []string{id}, srsName: p["SRSNAME"]}}
		return op, nil
	}
	typeNames := p["TYPENAMES"]
	if typeNames == "" {
		typeNames = p["TYPENAME"]
	}
	ids := p["RESOURCEID"]
	if ids == "" {
		ids = p["FEATUREID"]
	}
	if typeNames == "" && ids == "" {
		return op, missing(typeNamesParam(op.version))
	}
	filters, err := splitParenthesized(p["FILTER"])
	if err != nil {
		return op, exception(CodeOperationParsingFailed, "filter", "%v", err)
	}
	propLists, _ := splitParenthesized(p["PROPERTYNAME"])
	exclusive := 0
	for _, k := range []string{"FILTER", "BBOX", "RESOURCEID", "FEATUREID"} {
		if p[k] != "" {
			exclusive++
		}
	}
	if exclusive > 1 {
		return op, invalid("filter", "filter, bbox and resourceId cannot be combined in one request")
	}
	var bbox *bboxArg
	if v := p["BBOX"]; v != "" {
		b, e := parseBBoxArg(v)
		if e != nil {
			return op, e
		}
		bbox = b
	}
	sortBy, e := parseSortBy(p["SORTBY"])
	if e != nil {
		return op, e
	}
	names := splitTypeNames(typeNames)
	if typeNames == "" {
		names = [][]string{nil}
	}
	if len(filters) > 1 && len(filters) != len(names) {
		return op, invalid("filter", "%d filters for %d type names", len(filters), len(names))
	}
	for i, tn := range names {
		q := query{typeNames: tn, srsName: p["SRSNAME"], bbox: bbox, sortBy: sortBy}
		if ids != "" {
			q.ids = splitList(ids)
		}
		if len(filters) > 0 {
			f := filters[0]
			if len(filters) > 1 {
				f = filters[i]
			}
			root, err := parseXML([]byte(f), lim)
			if err != nil {
				return op, exception(CodeOperationParsingFailed, "filter", "the filter is not well-formed XML: %v", err)
			}
			if root.Local != "Filter" {
				return op, exception(CodeOperationParsingFailed, "filter", "the filter's root element is <%s>, want <Filter>", root.Local)
			}
			q.filter = root
		}
		if len(propLists) > 0 {
			pl := propLists[0]
			if len(propLists) > 1 && i < len(propLists) {
				pl = propLists[i]
			}
			q.propertyNames = splitList(pl)
		}
		op.queries = append(op.queries, q)
	}
	return op, nil
}

func typeNamesParam(version string) string {
	if version == V110 {
		return "typeName"
	}
	return "typeNames"
}

// negotiateVersion picks the version of a GetCapabilities (from
// AcceptVersions, highest supported first in the client's order) or checks
// the version of any other operation.
func negotiateVersion(op *operation, version, accept string) *Exception {
	if op.name == opGetCapabilities {
		if accept != "" {
			for _, v := range splitList(accept) {
				if v == V200 || v == V110 {
					op.version = v
					return nil
				}
			}
			return exception(CodeVersionNegotiationFailed, "acceptVersions", "none of %s is supported; this service speaks %s and %s", accept, V200, V110)
		}
		if version == V110 {
			op.version = V110
		} else {
			op.version = V200
		}
		return nil
	}
	switch version {
	case "":
		return missing("version")
	case V200, V110:
		op.version = version
		return nil
	}
	return invalid("version", "version %q is not supported; use %s or %s", version, V200, V110)
}

func readPaging(op *operation, count, maxFeatures, start, resultType string) *Exception {
	c, name := count, "count"
	if c == "" {
		c, name = maxFeatures, "maxFeatures"
	}
	if c != "" {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 0 {
			return invalid(name, "%s must be a whole number, 0 or more; got %q", name, c)
		}
		op.count = n
	}
	if start != "" {
		n, err := strconv.Atoi(strings.TrimSpace(start))
		if err != nil || n < 0 {
			return invalid("startIndex", "startIndex must be a whole number, 0 or more; got %q", start)
		}
		op.startIndex = n
	}
	switch strings.ToLower(resultType) {
	case "", "results":
	case "hits":
		op.hits = true
	default:
		return invalid("resultType", "resultType must be results or hits, got %q", resultType)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// splitTypeNames reads typeNames: a comma list of queries, each one type
// name or a parenthesised list (a join, which is refused later).
func splitTypeNames(s string) [][]string {
	if strings.HasPrefix(strings.TrimSpace(s), "(") {
		parts, _ := splitParenthesized(s)
		var out [][]string
		for _, p := range parts {
			out = append(out, splitList(p))
		}
		return out
	}
	var out [][]string
	for _, n := range splitList(s) {
		out = append(out, []string{n})
	}
	return out
}

// splitParenthesized splits "(a)(b)" into its parts; a value without a
// leading parenthesis is one part.
func splitParenthesized(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if s[0] != '(' {
		return []string{s}, nil
	}
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			if depth == 0 {
				start = i + 1
			}
			depth++
		case ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced parentheses in %q", s)
			}
			if depth == 0 {
				parts = append(parts, s[start:i])
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced parentheses in %q", s)
	}
	return parts, nil
}

// parseBBoxArg reads the KVP BBOX: four numbers and an optional CRS.
func parseBBoxArg(v string) (*bboxArg, *Exception) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 5 {
		return nil, invalid("bbox", "bbox must be 4 numbers and an optional CRS, got %q", v)
	}
	b := &bboxArg{}
	for i := 0; i < 4; i++ {
		f, err := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
		if err != nil || f != f {
			return nil, invalid("bbox", "bbox value %q is not a number", parts[i])
		}
		b.coords[i] = f
	}
	if len(parts) == 5 {
		b.crs = strings.TrimSpace(parts[4])
	}
	if b.coords[0] > b.coords[2] || b.coords[1] > b.coords[3] {
		return nil, invalid("bbox", "bbox %q has a minimum above its maximum", v)
	}
	return b, nil
}

// parseSortBy reads "name ASC,status DESC" (2.0) or "name A,status D"
// (1.1).
func parseSortBy(v string) ([]data.SortKey, *Exception) {
	var keys []data.SortKey
	for _, term := range splitList(v) {
		fields := strings.Fields(term)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, invalid("sortBy", "sortBy term %q must be a property and ASC or DESC", term)
		}
		k := data.SortKey{Property: fields[0]}
		if len(fields) == 2 {
			switch strings.ToUpper(fields[1]) {
			case "ASC", "A":
			case "DESC", "D":
				k.Descending = true
			default:
				return nil, invalid("sortBy", "sortBy order %q must be ASC or DESC", fields[1])
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// WFS namespaces.
const (
	nsWFS1 = "http://www.opengis.net/wfs"
	nsWFS2 = "http://www.opengis.net/wfs/2.0"
)

// parseXMLRequest reads a POSTed request document.
func parseXMLRequest(body []byte, lim Limits) (*operation, *Exception) {
	op := &operation{count: -1, version: V200}
	root, err := parseXML(body, lim)
	if err != nil {
		return op, exception(CodeOperationParsingFailed, "", "the request is not a well-formed XML document: %v", err)
	}
	if v := root.attr("version"); v == V110 || v == V100 {
		op.version = v
	}
	for _, name := range operations {
		if root.Local == name {
			op.name = name
		}
	}
	if op.name == "" {
		return op, exception(CodeOperationNotSupported, "request", "<%s> is not an operation of this service; it offers %s", root.Local, strings.Join(operations, ", "))
	}
	if s := root.attr("service"); s != "" && !strings.EqualFold(s, "WFS") {
		return op, invalid("service", "service is %q; this is a WFS", s)
	}
	v := root.attr("version")
	if v == V200 && root.Space == nsWFS1 {
		// The namespace names the schema the document follows: GDAL sends
		// WFS 1.1 documents labelled 2.0.0, and gets the 1.1 answer it
		// reads (as GeoServer, which dispatches on the namespace, does).
		v, op.version = V110, V110
	}
	if op.name == opGetCapabilities {
		var accept []string
		if av := root.child("AcceptVersions"); av != nil {
			for _, c := range av.children("Version") {
				accept = append(accept, c.text())
			}
		}
		return op, negotiateVersion(op, v, strings.Join(accept, ","))
	}
	if op.name == opTransaction && v == V100 {
		op.version = V100
	} else if e := negotiateVersion(op, v, ""); e != nil {
		return op, e
	}
	op.outputFormat = root.attr("outputFormat")
	switch op.name {
	case opListStoredQueries, opDescribeStored:
		return op, nil
	case opDescribeFeatureType:
		for _, c := range root.children("TypeName") {
			op.typeNames = append(op.typeNames, c.text())
		}
		return op, nil
	case opTransaction:
		tx, e := parseTransaction(root, op.version)
		op.tx = tx
		return op, e
	}
	if op.name == opGetPropertyValue {
		op.valueReference = root.attr("valueReference")
		if op.valueReference == "" {
			return op, missing("valueReference")
		}
	}
	if e := readPaging(op, root.attr("count"), root.attr("maxFeatures"), root.attr("startIndex"), root.attr("resultType")); e != nil {
		return op, e
	}
	if sq := root.child("StoredQuery"); sq != nil {
		if sq.attr("id") != getFeatureByID {
			return op, invalid("StoredQuery", "stored query %q is not offered; the one stored query is %s", sq.attr("id"), getFeatureByID)
		}
		for _, prm := range sq.children("Parameter") {
			if prm.attr("name") == "ID" || prm.attr("name") == "id" {
				op.byIDQuery = true
				op.queries = []query{{ids: []string{prm.text()}}}
			}
		}
		if !op.byIDQuery {
			return op, missing("ID")
		}
		return op, nil
	}
	for _, qn := range root.children("Query") {
		tn := qn.attr("typeNames")
		if tn == "" {
			tn = qn.attr("typeName")
		}
		q := query{srsName: qn.attr("srsName")}
		q.typeNames = strings.FieldsFunc(tn, func(r rune) bool { return r == ' ' || r == ',' })
		if len(q.typeNames) == 0 {
			return op, missing(typeNamesParam(op.version))
		}
		for _, c := range qn.Children {
			switch c.Local {
			case "Filter":
				q.filter = c
			case "PropertyName":
				q.propertyNames = append(q.propertyNames, c.text())
			case "SortBy":
				for _, sp := range c.children("SortProperty") {
					ref := sp.child("ValueReference")
					if ref == nil {
						ref = sp.child("PropertyName")
					}
					if ref == nil {
						return op, invalid("SortBy", "a SortProperty needs a property")
					}
					k := data.SortKey{Property: ref.text()}
					if o := sp.child("SortOrder"); o != nil && slices.Contains([]string{"DESC", "D"}, strings.ToUpper(o.text())) {
						k.Descending = true
					}
					q.sortBy = append(q.sortBy, k)
				}
			}
		}
		op.queries = append(op.queries, q)
	}
	if len(op.queries) == 0 {
		return op, missing("Query")
	}
	return op, nil
}

// looksLikeXML reports whether a body is an XML document (else KVP).
func looksLikeXML(body []byte) bool {
	b := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

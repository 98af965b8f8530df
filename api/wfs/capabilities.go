package wfs

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Output formats.
const (
	formatGML32 = "application/gml+xml; version=3.2"
	formatGML31 = "text/xml; subtype=gml/3.1.1"
	formatJSON  = "application/json"
)

// outputFormats lists the GetFeature formats of a version, default first.
func outputFormats(version string) []string {
	if version == V110 {
		return []string{formatGML31, "GML3", formatJSON, "application/geo+json"}
	}
	return []string{formatGML32, "text/xml; subtype=gml/3.2", formatJSON, "application/geo+json"}
}

// outputKind resolves an outputFormat: "gml" or "json".
func outputKind(version, format string) (string, *Exception) {
	f := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(format), " ", ""))
	switch f {
	case "", "gml3", "gml32", "application/gml+xml", "text/xml":
		return "gml", nil
	case "application/json", "application/geo+json", "json", "geojson", "application/vnd.geo+json":
		return "json", nil
	}
	if version == V110 && (f == "text/xml;subtype=gml/3.1.1" || f == "application/gml+xml;version=3.1") {
		return "gml", nil
	}
	if version == V200 && (f == "application/gml+xml;version=3.2" || f == "text/xml;subtype=gml/3.2") {
		return "gml", nil
	}
	return "", invalid("outputFormat", "outputFormat %q is not offered in WFS %s; use %s", format, version, strings.Join(outputFormats(version), ", "))
}

func (s *Service) capabilities(op *operation, env *Env) (*Response, *Exception) {
	var b bytes.Buffer
	esc := func(str string) { xmlEscape(&b, str) }
	url := env.URL
	writable := env.Apply != nil
	v2 := op.version == V200
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if v2 {
		fmt.Fprintf(&b, `<wfs:WFS_Capabilities version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:%s="%s" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">`, s.Prefix, s.Namespace)
	} else {
		fmt.Fprintf(&b, `<wfs:WFS_Capabilities version="1.1.0" xmlns:wfs="http://www.opengis.net/wfs" xmlns:ows="http://www.opengis.net/ows" xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:%s="%s" xsi:schemaLocation="http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.1.0/wfs.xsd">`, s.Prefix, s.Namespace)
	}
	b.WriteString(`<ows:ServiceIdentification><ows:Title>`)
	esc(s.Title)
	b.WriteString(`</ows:Title><ows:Abstract>`)
	esc(s.Abstract)
	fmt.Fprintf(&b, `</ows:Abstract><ows:ServiceType>WFS</ows:ServiceType><ows:ServiceTypeVersion>%s</ows:ServiceTypeVersion><ows:Fees>NONE</ows:Fees><ows:AccessConstraints>Transactions need an editor's token (HTTP Basic password or Bearer)</ows:AccessConstraints></ows:ServiceIdentification>`, op.version)
	b.WriteString(`<ows:ServiceProvider><ows:ProviderName>planmap</ows:ProviderName><ows:ServiceContact/></ows:ServiceProvider>`)

	b.WriteString(`<ows:OperationsMetadata>`)
	operation := func(name string, params func()) {
		fmt.Fprintf(&b, `<ows:Operation name="%s"><ows:DCP><ows:HTTP><ows:Get xlink:href="`, name)
		esc(url)
		b.WriteString(`"/><ows:Post xlink:href="`)
		esc(url)
		b.WriteString(`"/></ows:HTTP></ows:DCP>`)
		if params != nil {
			params()
		}
		b.WriteString(`</ows:Operation>`)
	}
	values := func(name string, vals ...string) {
		fmt.Fprintf(&b, `<ows:Parameter name="%s">`, name)
		if v2 {
			b.WriteString(`<ows:AllowedValues>`)
		}
		for _, v := range vals {
			b.WriteString(`<ows:Value>`)
			esc(v)
			b.WriteString(`</ows:Value>`)
		}
		if v2 {
			b.WriteString(`</ows:AllowedValues>`)
		}
		b.WriteString(`</ows:Parameter>`)
	}
	operation(opGetCapabilities, func() {
		values("AcceptVersions", V200, V110)
		values("AcceptFormats", "text/xml")
	})
	operation(opDescribeFeatureType, func() {
		if v2 {
			values("outputFormat", formatGML32)
		} else {
			values("outputFormat", formatGML31)
		}
	})
	getFeatureParams := func() {
		values("resultType", "results", "hits")
		values("outputFormat", outputFormats(op.version)...)
	}
	operation(opGetFeature, getFeatureParams)
	if v2 {
		operation(opGetPropertyValue, getFeatureParams)
		operation(opListStoredQueries, nil)
		operation(opDescribeStored, nil)
	}
	if writable {
		operation(opTransaction, func() {
			values("inputFormat", outputFormats(op.version)[0])
			values("releaseAction", "ALL")
		})
	}
	constraint := func(name, value string) {
		if v2 {
			fmt.Fprintf(&b, `<ows:Constraint name="%s"><ows:NoValues/><ows:DefaultValue>%s</ows:DefaultValue></ows:Constraint>`, name, value)
		} else {
			fmt.Fprintf(&b, `<ows:Constraint name="%s"><ows:Value>%s</ows:Value></ows:Constraint>`, name, value)
		}
	}
	if v2 {
		tf := func(ok bool) string {
			if ok {
				return "TRUE"
			}
			return "FALSE"
		}
		constraint("ImplementsBasicWFS", "TRUE")
		constraint("ImplementsTransactionalWFS", tf(writable))
		constraint("ImplementsLockingWFS", "FALSE")
		constraint("KVPEncoding", "TRUE")
		constraint("XMLEncoding", "TRUE")
		constraint("SOAPEncoding", "FALSE")
		constraint("ImplementsInheritance", "FALSE")
		constraint("ImplementsRemoteResolve", "FALSE")
		constraint("ImplementsResultPaging", "TRUE")
		constraint("ImplementsStandardJoins", "FALSE")
		constraint("ImplementsSpatialJoins", "FALSE")
		constraint("ImplementsTemporalJoins", "FALSE")
		constraint("ImplementsFeatureVersioning", "FALSE")
		constraint("ManageStoredQueries", "FALSE")
		constraint("CountDefault", strconv.Itoa(s.CountDefault))
	} else {
		constraint("DefaultMaxFeatures", strconv.Itoa(s.CountDefault))
	}
	b.WriteString(`</ows:OperationsMetadata>`)

	b.WriteString(`<wfs:FeatureTypeList>`)
	if !v2 {
		b.WriteString(`<wfs:Operations><wfs:Operation>Query</wfs:Operation>`)
		if writable {
			b.WriteString(`<wfs:Operation>Insert</wfs:Operation><wfs:Operation>Update</wfs:Operation><wfs:Operation>Delete</wfs:Operation>`)
		}
		b.WriteString(`</wfs:Operations>`)
	}
	for _, v := range env.Snapshot.Layers() {
		ft := newFeatureType(v)
		b.WriteString(`<wfs:FeatureType><wfs:Name>`)
		esc(s.qualified(ft))
		b.WriteString(`</wfs:Name><wfs:Title>`)
		esc(v.Meta.Title)
		b.WriteString(`</wfs:Title><wfs:Abstract>`)
		abstract := v.Meta.Description
		if v.Meta.License != "" {
			abstract += " Licence: " + v.Meta.License + "."
		}
		if v.Meta.Attribution != "" {
			abstract += " " + v.Meta.Attribution + "."
		}
		esc(strings.TrimSpace(abstract))
		b.WriteString(`</wfs:Abstract><ows:Keywords><ows:Keyword>planning</ows:Keyword><ows:Keyword>`)
		esc(v.Meta.ID)
		b.WriteString(`</ows:Keyword></ows:Keywords>`)
		if v2 {
			fmt.Fprintf(&b, `<wfs:DefaultCRS>%s</wfs:DefaultCRS><wfs:OtherCRS>%s</wfs:OtherCRS><wfs:OtherCRS>%s</wfs:OtherCRS>`, URN4326, URNCRS84, HTTP4326)
			for _, c := range s.OtherCRS {
				b.WriteString("<wfs:OtherCRS>")
				esc(c)
				b.WriteString("</wfs:OtherCRS>")
			}
		} else {
			fmt.Fprintf(&b, `<wfs:DefaultSRS>%s</wfs:DefaultSRS><wfs:OtherSRS>%s</wfs:OtherSRS>`, URN4326, Short4326)
			for _, c := range s.OtherCRS {
				b.WriteString("<wfs:OtherSRS>")
				esc(c)
				b.WriteString("</wfs:OtherSRS>")
			}
		}
		b.WriteString(`<wfs:OutputFormats>`)
		for _, f := range outputFormats(op.version) {
			b.WriteString(`<wfs:Format>`)
			esc(f)
			b.WriteString(`</wfs:Format>`)
		}
		b.WriteString(`</wfs:OutputFormats>`)
		if bb, ok := ft.bound(); ok {
			fmt.Fprintf(&b, `<ows:WGS84BoundingBox><ows:LowerCorner>%s %s</ows:LowerCorner><ows:UpperCorner>%s %s</ows:UpperCorner></ows:WGS84BoundingBox>`,
				num(bb.Min[0]), num(bb.Min[1]), num(bb.Max[0]), num(bb.Max[1]))
		}
		b.WriteString(`</wfs:FeatureType>`)
	}
	b.WriteString(`</wfs:FeatureTypeList>`)
	s.filterCapabilities(&b, v2)
	b.WriteString(`</wfs:WFS_Capabilities>`)
	return xmlResponse(b.Bytes()), nil
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// filterCapabilities declares exactly the filters filter.go evaluates.
func (s *Service) filterCapabilities(b *bytes.Buffer, v2 bool) {
	if v2 {
		b.WriteString(`<fes:Filter_Capabilities><fes:Conformance>`)
		for _, c := range [][2]string{
			{"ImplementsQuery", "TRUE"}, {"ImplementsAdHocQuery", "TRUE"}, {"ImplementsFunctions", "FALSE"},
			{"ImplementsResourceId", "TRUE"}, {"ImplementsMinStandardFilter", "TRUE"}, {"ImplementsStandardFilter", "TRUE"},
			{"ImplementsMinSpatialFilter", "TRUE"}, {"ImplementsSpatialFilter", "FALSE"}, {"ImplementsMinTemporalFilter", "FALSE"},
			{"ImplementsTemporalFilter", "FALSE"}, {"ImplementsVersionNav", "FALSE"}, {"ImplementsSorting", "TRUE"},
			{"ImplementsExtendedOperators", "FALSE"}, {"ImplementsMinimumXPath", "FALSE"}, {"ImplementsSchemaElementFunc", "FALSE"},
		} {
			fmt.Fprintf(b, `<fes:Constraint name="%s"><ows:NoValues/><ows:DefaultValue>%s</ows:DefaultValue></fes:Constraint>`, c[0], c[1])
		}
		b.WriteString(`</fes:Conformance><fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/></fes:Id_Capabilities>`)
		b.WriteString(`<fes:Scalar_Capabilities><fes:LogicalOperators/><fes:ComparisonOperators>`)
		for _, op := range []string{"PropertyIsEqualTo", "PropertyIsNotEqualTo", "PropertyIsLessThan", "PropertyIsGreaterThan",
			"PropertyIsLessThanOrEqualTo", "PropertyIsGreaterThanOrEqualTo", "PropertyIsLike", "PropertyIsNull", "PropertyIsNil", "PropertyIsBetween"} {
			fmt.Fprintf(b, `<fes:ComparisonOperator name="%s"/>`, op)
		}
		b.WriteString(`</fes:ComparisonOperators></fes:Scalar_Capabilities>`)
		b.WriteString(`<fes:Spatial_Capabilities><fes:GeometryOperands><fes:GeometryOperand name="gml:Envelope"/></fes:GeometryOperands><fes:SpatialOperators><fes:SpatialOperator name="BBOX"/></fes:SpatialOperators></fes:Spatial_Capabilities>`)
		b.WriteString(`</fes:Filter_Capabilities>`)
		return
	}
	b.WriteString(`<ogc:Filter_Capabilities><ogc:Spatial_Capabilities><ogc:GeometryOperands><ogc:GeometryOperand>gml:Envelope</ogc:GeometryOperand></ogc:GeometryOperands>`)
	b.WriteString(`<ogc:SpatialOperators><ogc:SpatialOperator name="BBOX"/></ogc:SpatialOperators></ogc:Spatial_Capabilities>`)
	b.WriteString(`<ogc:Scalar_Capabilities><ogc:LogicalOperators/><ogc:ComparisonOperators>`)
	for _, op := range []string{"LessThan", "GreaterThan", "LessThanEqualTo", "GreaterThanEqualTo", "EqualTo", "NotEqualTo", "Like", "Between", "NullCheck"} {
		fmt.Fprintf(b, `<ogc:ComparisonOperator>%s</ogc:ComparisonOperator>`, op)
	}
	b.WriteString(`</ogc:ComparisonOperators></ogc:Scalar_Capabilities><ogc:Id_Capabilities><ogc:EID/><ogc:FID/></ogc:Id_Capabilities></ogc:Filter_Capabilities>`)
}

// describeFeatureType writes an XML Schema for the asked feature types
// (all when none is named).
func (s *Service) describeFeatureType(op *operation, env *Env) (*Response, *Exception) {
	v2 := op.version == V200
	if f := strings.ToLower(strings.ReplaceAll(op.outputFormat, " ", "")); f != "" && f != "xmlschema" && f != "text/xml" &&
		!strings.Contains(f, "gml") && f != "application/xml" {
		return nil, invalid("outputFormat", "DescribeFeatureType answers XML Schema (%s), not %q", outputFormats(op.version)[0], op.outputFormat)
	}
	var types []*featureType
	cache := map[string]*featureType{}
	if len(op.typeNames) == 0 {
		for _, v := range env.Snapshot.Layers() {
			types = append(types, newFeatureType(v))
		}
	}
	for _, name := range op.typeNames {
		ft, e := s.lookupType(env.Snapshot, name, cache)
		if e != nil {
			return nil, e
		}
		types = append(types, ft)
	}
	var b bytes.Buffer
	gmlNS, gmlXSD, featureBase, substitution := nsGML32, "http://schemas.opengis.net/gml/3.2.1/gml.xsd", "gml:AbstractFeatureType", "gml:AbstractFeature"
	if !v2 {
		gmlNS, gmlXSD, featureBase, substitution = nsGML, "http://schemas.opengis.net/gml/3.1.1/base/gml.xsd", "gml:AbstractFeatureType", "gml:_Feature"
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(&b, `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:gml="%s" xmlns:%s="%s" targetNamespace="%s" elementFormDefault="qualified" version="1.0">`,
		gmlNS, s.Prefix, s.Namespace, s.Namespace)
	fmt.Fprintf(&b, `<xsd:import namespace="%s" schemaLocation="%s"/>`, gmlNS, gmlXSD)
	for _, ft := range types {
		fmt.Fprintf(&b, `<xsd:element name="%s" type="%s:%sType" substitutionGroup="%s"/>`, ft.name, s.Prefix, ft.name, substitution)
	}
	for _, ft := range types {
		fmt.Fprintf(&b, `<xsd:complexType name="%sType"><xsd:complexContent><xsd:extension base="%s"><xsd:sequence>`, ft.name, featureBase)
		for _, p := range ft.props {
			typ := "xsd:" + p.typ
			if p.typ == xsJSON {
				typ = "xsd:string"
			}
			fmt.Fprintf(&b, `<xsd:element name="%s" type="%s" minOccurs="0" maxOccurs="1" nillable="true"/>`, p.name, typ)
		}
		fmt.Fprintf(&b, `<xsd:element name="%s" type="%s" minOccurs="0" maxOccurs="1" nillable="true"/>`, geometryProperty, ft.geometryPropertyType(v2))
		b.WriteString(`</xsd:sequence></xsd:extension></xsd:complexContent></xsd:complexType>`)
	}
	b.WriteString(`</xsd:schema>`)
	resp := xmlResponse(b.Bytes())
	resp.ContentType = "text/xml; subtype=gml/3.2; charset=utf-8"
	if !v2 {
		resp.ContentType = "text/xml; subtype=gml/3.1.1; charset=utf-8"
	}
	return resp, nil
}

// storedQueries answers ListStoredQueries and DescribeStoredQueries: the
// one stored query, GetFeatureById.
func (s *Service) storedQueries(op *operation) (*Response, *Exception) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	if op.name == opListStoredQueries {
		fmt.Fprintf(&b, `<wfs:ListStoredQueriesResponse xmlns:wfs="http://www.opengis.net/wfs/2.0"><wfs:StoredQuery id="%s"><wfs:Title>Get feature by identifier</wfs:Title></wfs:StoredQuery></wfs:ListStoredQueriesResponse>`, getFeatureByID)
	} else {
		fmt.Fprintf(&b, `<wfs:DescribeStoredQueriesResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><wfs:StoredQueryDescription id="%s"><wfs:Title>Get feature by identifier</wfs:Title><wfs:Parameter name="ID" type="xsd:string"/><wfs:QueryExpressionText isPrivate="true" language="urn:ogc:def:queryLanguage:OGC-WFS::WFS_QueryExpression" returnFeatureTypes=""/></wfs:StoredQueryDescription></wfs:DescribeStoredQueriesResponse>`, getFeatureByID)
	}
	return xmlResponse(b.Bytes()), nil
}

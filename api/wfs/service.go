package wfs

import (
	"net/http"
	"strings"

	"github.com/planmap/planmap/data"
)

// Service answers WFS requests. The zero value is not usable: build it
// with NewService.
type Service struct {
	// Title and Abstract describe the service in its capabilities.
	Title, Abstract string
	// Prefix and Namespace name the feature types' XML namespace.
	Prefix, Namespace string
	// CountDefault is the most features one GetFeature returns (the
	// CountDefault constraint); clients page with startIndex.
	CountDefault int
	// Limits bound XML requests.
	Limits Limits
	// Resolve, when set, adds CRSs other than WGS84 (geo/crs); OtherCRS
	// lists them in the capabilities.
	Resolve  CRSResolver
	OtherCRS []string
}

// NewService returns a service with planmap's defaults.
func NewService() *Service {
	return &Service{
		Title:        "planmap",
		Abstract:     "Planning layers (industrial parks, corridors, ports, enclaves) of Wenzhou, Quanzhou and the Yangtze River Delta, with transactions.",
		Prefix:       "planmap",
		Namespace:    "https://github.com/planmap/planmap",
		CountDefault: 10000,
		Limits:       DefaultLimits,
	}
}

// Env is what one request is served from.
type Env struct {
	// Snapshot is the data version the request reads.
	Snapshot *data.Snapshot
	// URL is the service's absolute URL (…/wfs), for capabilities.
	URL string
	// Authorize checks the caller may write (nil: anyone may); its error
	// is answered as is when it is an *Exception.
	Authorize func() error
	// Apply applies a transaction's changes as one atomic batch. Nil when
	// the store takes no changes.
	Apply func(changes []data.Change) ([]data.Applied, error)
}

// Serve answers one request.
func (s *Service) Serve(req *Request, env *Env) *Response {
	var (
		op *operation
		e  *Exception
	)
	if len(req.Body) > 0 && looksLikeXML(req.Body) {
		op, e = parseXMLRequest(req.Body, s.Limits)
	} else {
		op, e = parseKVP(req.Args, s.Limits)
	}
	if e != nil {
		return exceptionResponse(e, op.version)
	}
	var resp *Response
	switch op.name {
	case opGetCapabilities:
		resp, e = s.capabilities(op, env)
	case opDescribeFeatureType:
		resp, e = s.describeFeatureType(op, env)
	case opGetFeature, opGetPropertyValue:
		resp, e = s.getFeature(op, env)
	case opListStoredQueries, opDescribeStored:
		resp, e = s.storedQueries(op)
	case opTransaction:
		return s.transaction(op, env)
	}
	if e != nil {
		return exceptionResponse(e, op.version)
	}
	return resp
}

// lookupType finds the feature type a name ("planmap:ports", "ports")
// names; cache keeps those built for this request.
func (s *Service) lookupType(snap *data.Snapshot, name string, cache map[string]*featureType) (*featureType, *Exception) {
	local := strings.TrimSpace(name)
	if i := strings.IndexByte(local, ':'); i >= 0 {
		if prefix := local[:i]; prefix != s.Prefix {
			return nil, invalid("typeName", "type name %q: the prefix of this service's feature types is %s", name, s.Prefix)
		}
		local = local[i+1:]
	}
	if ft, ok := cache[local]; ok {
		return ft, nil
	}
	for _, v := range snap.Layers() {
		if xmlName(v.Meta.ID) == local {
			ft := newFeatureType(v)
			if cache != nil {
				cache[local] = ft
			}
			return ft, nil
		}
	}
	var names []string
	for _, v := range snap.Layers() {
		names = append(names, s.Prefix+":"+xmlName(v.Meta.ID))
	}
	return nil, invalid("typeName", "unknown feature type %q; the feature types are %s", name, strings.Join(names, ", "))
}

// qualified is a feature type's prefixed name.
func (s *Service) qualified(ft *featureType) string { return s.Prefix + ":" + ft.name }

func xmlResponse(body []byte) *Response {
	return &Response{Status: http.StatusOK, ContentType: "application/xml; charset=utf-8", Body: body}
}

package crs

import (
	"errors"
	"fmt"
	"sync"
)

// Registry maps CRS references to CRSs. It is safe for concurrent use and
// never changes after it is made.
type Registry struct {
	list  []*CRS
	byURI map[string]*CRS
	uris  []string
}

var builtin = sync.OnceValue(func() *Registry {
	r, err := newRegistry(definitions())
	if err != nil {
		panic(err) // the definitions are constants; a duplicate is a bug caught by the tests
	}
	return r
})

// Builtin returns the registry of every CRS this package defines, CRS84
// first: CRS84, EPSG:4326, 4490, 3857, 4548–4550, 4527–4529, 32650, 32651,
// GCJ-02 and BD-09.
func Builtin() *Registry { return builtin() }

// Subset returns a registry of the CRSs among r that the references name, in
// that order, e.g. the crs list one collection offers.
func (r *Registry) Subset(refs ...string) (*Registry, error) {
	list := make([]*CRS, 0, len(refs))
	for _, ref := range refs {
		c, err := r.Lookup(ref)
		if err != nil {
			return nil, err
		}
		list = append(list, c)
	}
	return newRegistry(list)
}

func newRegistry(list []*CRS) (*Registry, error) {
	r := &Registry{list: list, byURI: make(map[string]*CRS, len(list))}
	for _, c := range list {
		if _, dup := r.byURI[c.uri]; dup {
			return nil, fmt.Errorf("crs: %s listed twice", c.uri)
		}
		r.byURI[c.uri] = c
		r.uris = append(r.uris, c.uri)
	}
	return r, nil
}

// Lookup finds the CRS a reference names, in any form ParseURI accepts. An
// unknown or malformed reference gives an *UnsupportedError listing the
// registry's URIs.
func (r *Registry) Lookup(ref string) (*CRS, error) {
	uri, err := ParseURI(ref)
	if err != nil {
		var ue *UnsupportedError
		if errors.As(err, &ue) {
			ue.Supported = r.URIs()
		}
		return nil, err
	}
	c, ok := r.byURI[uri]
	if !ok {
		return nil, &UnsupportedError{Ref: shorten(ref), Reason: "not supported", Supported: r.URIs()}
	}
	return c, nil
}

// URIs lists the canonical URIs of the registry's CRSs in order (a copy).
func (r *Registry) URIs() []string { return append([]string(nil), r.uris...) }

// All lists the registry's CRSs in order (a copy of the list).
func (r *Registry) All() []*CRS { return append([]*CRS(nil), r.list...) }

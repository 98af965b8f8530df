package api

import (
	"bytes"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Media types the service speaks.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	mediaHTML    = "text/html"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	mediaSchema  = "application/schema+json"
)

// format is a response encoding chosen by f= or the Accept header.
type format int

const (
	formatJSON format = iota
	formatHTML
)

// formatOnly negotiates the format of a request whose only query
// parameter may be f; any other parameter is a 400.
func formatOnly(c *fiber.Ctx) (format, error) {
	params, err := queryParams(c, []string{"f"})
	if err != nil {
		return formatJSON, err
	}
	return negotiate(c, paramValue(params, "f"))
}

// negotiate picks the response format: f=json or f=html when given,
// otherwise the Accept header, JSON when it expresses no preference.
func negotiate(c *fiber.Ctx, f string) (format, error) {
	switch f {
	case "json", "geojson":
		return formatJSON, nil
	case "html":
		return formatHTML, nil
	case "":
	default:
		return formatJSON, badRequest("f=%q is not a format this endpoint offers; use f=json or f=html", f)
	}
	accept := c.Get(fiber.HeaderAccept)
	if accept == "" || !strings.Contains(accept, "html") {
		return formatJSON, nil
	}
	if c.Accepts(mediaGeoJSON, mediaJSON, mediaHTML) == mediaHTML {
		return formatHTML, nil
	}
	return formatJSON, nil
}

// baseURL returns the service's public root URL without a trailing slash.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL
	}
	if len(s.opts.TrustedProxies) == 0 {
		// No proxy headers count: the URL depends on the scheme and Host
		// alone; the last one is kept, made once rather than per request.
		host := c.Request().Host()
		tls := c.Context().IsTLS()
		if b := s.lastBase.Load(); b != nil && b.tls == tls && string(host) == b.host {
			return b.base
		}
		base := requestBaseURL(c)
		s.lastBase.Store(&hostBase{tls: tls, host: string(host), base: base})
		return base
	}
	return requestBaseURL(c)
}

// hostBase is the base URL made for a request's scheme and Host.
type hostBase struct {
	tls        bool
	host, base string
}

// requestBaseURL is the scheme and host the client asked for: the Host
// header, or X-Forwarded-Host and -Proto when the request came through a
// trusted proxy (Options.TrustedProxies; c.IsProxyTrusted). A host that
// is not a plain host name or address, or a scheme other than http and
// https, is not used, so no header can point the links elsewhere than a
// host.
func requestBaseURL(c *fiber.Ctx) string {
	scheme := "http"
	if c.Context().IsTLS() {
		scheme = "https"
	}
	host := string(c.Request().Host())
	if len(c.App().Config().TrustedProxies) > 0 && c.IsProxyTrusted() {
		first := func(v string) string {
			v, _, _ = strings.Cut(v, ",")
			return strings.TrimSpace(v)
		}
		if p := strings.ToLower(first(c.Get(fiber.HeaderXForwardedProto))); p == "http" || p == "https" {
			scheme = p
		}
		if h := first(c.Get(fiber.HeaderXForwardedHost)); h != "" && validHost(h) {
			host = h
		}
	}
	if !validHost(host) {
		host = "localhost"
	}
	return scheme + "://" + host
}

// validHost accepts host names, IPv4 and bracketed IPv6 addresses with an
// optional port.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == ':', c == '[', c == ']', c == '_':
		default:
			return false
		}
	}
	return true
}

// link is an OGC API link object.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// etagFor derives a strong entity tag from the dataset version and what
// identifies the representation (path, query, format).
func etagFor(version string, parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return `"` + version + "-" + strconv.FormatUint(h.Sum64(), 36) + `"`
}

// notModified sets ETag and Cache-Control and reports whether the client's
// If-None-Match already names this representation (the caller then answers
// 304 with no body).
func notModified(c *fiber.Ctx, etag string) bool {
	return notModifiedTag(c, []byte(etag))
}

// notModifiedTag is notModified with the entity tag as bytes (which the
// response header copies). The headers are set under their canonical
// names, as c.Set would set them after normalizing the name.
func notModifiedTag(c *fiber.Ctx, etag []byte) bool {
	h := &c.Response().Header
	h.SetCanonical(etagKey, etag)
	h.SetCanonical(cacheControlKey, revalidateAfterMinute)
	if len(h.PeekBytes(varyKey)) == 0 {
		h.SetCanonical(varyKey, acceptValue)
	} else {
		c.Vary(fiber.HeaderAccept)
	}
	inm := c.Request().Header.PeekBytes(ifNoneMatchKey)
	if len(inm) == 0 {
		return false
	}
	for _, candidate := range bytes.Split(inm, []byte{','}) {
		candidate = bytes.TrimSpace(candidate)
		if string(candidate) == "*" || bytes.Equal(bytes.TrimPrefix(candidate, []byte("W/")), etag) {
			c.Status(fiber.StatusNotModified)
			return true
		}
	}
	return false
}

var (
	etagKey               = []byte("Etag")
	cacheControlKey       = []byte(fiber.HeaderCacheControl)
	revalidateAfterMinute = []byte("public, max-age=60, must-revalidate")
	varyKey               = []byte(fiber.HeaderVary)
	acceptValue           = []byte(fiber.HeaderAccept)
	ifNoneMatchKey        = []byte("If-None-Match")
)

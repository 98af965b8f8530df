package crs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// URI prefixes and identifiers.
const (
	// OGCPrefix starts every OGC CRS URI.
	OGCPrefix = "http://www.opengis.net/def/crs/"
	// EPSGPrefix followed by a code is the OGC URI of an EPSG CRS.
	EPSGPrefix = OGCPrefix + "EPSG/0/"
	// CRS84URI is OGC's longitude/latitude WGS 84, the default CRS of
	// GeoJSON and OGC API – Features.
	CRS84URI = OGCPrefix + "OGC/1.3/CRS84"
	// PlanmapPrefix starts the URIs planmap defines for CRSs no authority
	// registers. OGC API – Features Part 2 identifies a CRS by URI only, and
	// neither EPSG nor OGC registers GCJ-02 or BD-09; minting them under
	// opengis.net would squat on OGC's namespace, so planmap uses its own,
	// with the same /def/crs/ path shape as OGC's definitions server. The
	// URIs are identifiers: a client compares them as strings and need not
	// dereference them.
	PlanmapPrefix = "https://planmap.dev/def/crs/"
	// GCJ02URI identifies GCJ-02 (Gaode/AMap, Tencent), longitude first.
	GCJ02URI = PlanmapPrefix + "GCJ-02"
	// BD09URI identifies BD-09 (BD09LL, Baidu longitude/latitude),
	// longitude first.
	BD09URI = PlanmapPrefix + "BD-09"
)

// ErrUnsupported is matched (errors.Is) by every error of Lookup and
// ParseURI: the reference is malformed or names a CRS planmap does not offer.
var ErrUnsupported = errors.New("crs: unsupported CRS")

// UnsupportedError says why a CRS reference was refused and lists the URIs
// that would have been accepted, so an API can answer 400 with them.
type UnsupportedError struct {
	Ref       string   // the reference as given (shortened when long)
	Reason    string   // "malformed" or "not supported"
	Supported []string // canonical URIs of the registry, when known
}

func (e *UnsupportedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "crs: %s CRS %q", e.Reason, e.Ref)
	if len(e.Supported) > 0 {
		b.WriteString("; supported: ")
		b.WriteString(strings.Join(e.Supported, ", "))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// maxRefLen bounds the work on and the echo of a reference; real ones are
// under 60 bytes.
const maxRefLen = 200

func shorten(ref string) string {
	if len(ref) <= 60 {
		return ref
	}
	// Cut on a rune boundary.
	cut := 60
	for cut > 0 && !isRuneStart(ref[cut]) {
		cut--
	}
	return ref[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// ParseURI turns a CRS reference into its canonical URI without deciding
// whether planmap supports it. It accepts, ignoring ASCII case and
// surrounding spaces:
//
//	http://www.opengis.net/def/crs/OGC/1.3/CRS84 (also https, and OGC/0/CRS84)
//	urn:ogc:def:crs:OGC:1.3:CRS84, urn:ogc:def:crs:OGC::CRS84, OGC:CRS84, CRS84
//	http://www.opengis.net/def/crs/EPSG/0/4549 (also https, any numeric version)
//	urn:ogc:def:crs:EPSG::4549 (version optional), EPSG:4549
//	https://planmap.dev/def/crs/GCJ-02, GCJ-02, GCJ02
//	https://planmap.dev/def/crs/BD-09, BD-09, BD09, BD09LL
//
// The canonical form of an EPSG code is EPSGPrefix + code, of CRS84 it is
// CRS84URI, and of the planmap CRSs GCJ02URI and BD09URI.
func ParseURI(ref string) (string, error) {
	malformed := func() (string, error) {
		return "", &UnsupportedError{Ref: shorten(ref), Reason: "malformed"}
	}
	if len(ref) > maxRefLen {
		return malformed()
	}
	s := strings.ToLower(strings.TrimSpace(ref))
	switch s {
	case "crs84", "ogc:crs84":
		return CRS84URI, nil
	case "gcj-02", "gcj02":
		return GCJ02URI, nil
	case "bd-09", "bd09", "bd09ll":
		return BD09URI, nil
	}
	if rest, ok := cutHTTP(s, "www.opengis.net/def/crs/"); ok {
		// {authority}/{version}/{code}
		parts := strings.Split(rest, "/")
		if len(parts) != 3 {
			return malformed()
		}
		auth, version, code := parts[0], parts[1], parts[2]
		if !isVersion(version) {
			return malformed()
		}
		switch auth {
		case "ogc":
			if code == "crs84" && (version == "1.3" || version == "0") {
				return CRS84URI, nil
			}
		case "epsg":
			return epsgURI(code, malformed)
		}
		return malformed()
	}
	if rest, ok := cutHTTP(s, "planmap.dev/def/crs/"); ok {
		switch rest {
		case "gcj-02":
			return GCJ02URI, nil
		case "bd-09":
			return BD09URI, nil
		}
		return malformed()
	}
	if rest, ok := strings.CutPrefix(s, "urn:ogc:def:crs:"); ok {
		// {authority}:{version}:{code}, version possibly empty
		parts := strings.Split(rest, ":")
		if len(parts) != 3 || (parts[1] != "" && !isVersion(parts[1])) {
			return malformed()
		}
		switch parts[0] {
		case "ogc":
			if parts[2] == "crs84" && (parts[1] == "" || parts[1] == "1.3") {
				return CRS84URI, nil
			}
		case "epsg":
			return epsgURI(parts[2], malformed)
		}
		return malformed()
	}
	if code, ok := strings.CutPrefix(s, "epsg:"); ok {
		return epsgURI(code, malformed)
	}
	return malformed()
}

// cutHTTP removes "http://" or "https://" followed by host and path prefix.
func cutHTTP(s, hostPath string) (string, bool) {
	for _, scheme := range []string{"http://", "https://"} {
		if rest, ok := strings.CutPrefix(s, scheme+hostPath); ok {
			return rest, true
		}
	}
	return "", false
}

// isVersion accepts "0", "1.3", "9.9.1": digits and single inner dots.
func isVersion(v string) bool {
	if v == "" || v[0] == '.' || v[len(v)-1] == '.' || strings.Contains(v, "..") {
		return false
	}
	for i := 0; i < len(v); i++ {
		if (v[i] < '0' || v[i] > '9') && v[i] != '.' {
			return false
		}
	}
	return true
}

// epsgURI checks an EPSG code (1 to 9 decimal digits, no sign) and returns
// its canonical URI.
func epsgURI(code string, malformed func() (string, error)) (string, error) {
	if code == "" || len(code) > 9 {
		return malformed()
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return malformed()
		}
	}
	n, err := strconv.Atoi(code)
	if err != nil || n == 0 {
		return malformed()
	}
	return EPSGPrefix + strconv.Itoa(n), nil
}

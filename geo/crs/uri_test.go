package crs

import (
	"errors"
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	tests := []struct {
		ref, want string // want "" means refused
	}{
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84URI},
		{"https://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84URI},
		{"http://www.opengis.net/def/crs/OGC/0/CRS84", CRS84URI},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", CRS84URI},
		{"urn:ogc:def:crs:OGC::CRS84", CRS84URI},
		{"CRS84", CRS84URI},
		{" crs84 ", CRS84URI},
		{"OGC:CRS84", CRS84URI},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", EPSGPrefix + "4326"},
		{"http://www.opengis.net/def/crs/EPSG/9.9.1/4549", EPSGPrefix + "4549"},
		{"HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/4549", EPSGPrefix + "4549"},
		{"EPSG:4549", EPSGPrefix + "4549"},
		{"epsg:4490", EPSGPrefix + "4490"},
		{"EPSG:04490", EPSGPrefix + "4490"},
		{"urn:ogc:def:crs:EPSG::4549", EPSGPrefix + "4549"},
		{"urn:ogc:def:crs:EPSG:9.9.1:4549", EPSGPrefix + "4549"},
		{"EPSG:9999", EPSGPrefix + "9999"}, // well formed; Lookup refuses it
		{"https://planmap.dev/def/crs/GCJ-02", GCJ02URI},
		{"GCJ-02", GCJ02URI},
		{"gcj02", GCJ02URI},
		{"https://planmap.dev/def/crs/BD-09", BD09URI},
		{"BD09LL", BD09URI},
		{"bd-09", BD09URI},
		{"", ""},
		{"EPSG:", ""},
		{"EPSG:-4326", ""},
		{"EPSG:4326.5", ""},
		{"EPSG:0", ""},
		{"EPSG:1234567890", ""},
		{"EPSG::4326", ""},
		{"http://www.opengis.net/def/crs/EPSG/0/", ""},
		{"http://www.opengis.net/def/crs/EPSG/0/4326/extra", ""},
		{"http://www.opengis.net/def/crs/EPSG/x/4326", ""},
		{"http://www.opengis.net/def/crs/EPSG/1..2/4326", ""},
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS83", ""},
		{"http://example.com/def/crs/EPSG/0/4326", ""},
		{"urn:ogc:def:crs:EPSG:4326", ""},
		{"urn:ogc:def:crs:OGC:2.0:CRS84", ""},
		{"https://planmap.dev/def/crs/WGS84", ""},
		{"4326", ""},
		{strings.Repeat("EPSG:4326", 100), ""},
	}
	for _, tc := range tests {
		got, err := ParseURI(tc.ref)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseURI(%q) = %q, want an error", tc.ref, got)
			} else if !errors.Is(err, ErrUnsupported) {
				t.Errorf("ParseURI(%q) error %v is not ErrUnsupported", tc.ref, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseURI(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
}

func TestLookup(t *testing.T) {
	reg := Builtin()
	want := []struct {
		ref           string
		northingFirst bool
		geographic    bool
	}{
		{"CRS84", false, true},
		{"EPSG:4326", true, true},
		{"EPSG:4490", true, true},
		{"EPSG:3857", false, false},
		{"EPSG:4548", true, false},
		{"EPSG:4549", true, false},
		{"EPSG:4550", true, false},
		{"EPSG:4527", true, false},
		{"EPSG:4528", true, false},
		{"EPSG:4529", true, false},
		{"EPSG:32650", false, false},
		{"EPSG:32651", false, false},
		{"GCJ-02", false, true},
		{"BD-09", false, true},
	}
	if got := reg.URIs(); len(got) != len(want) || got[0] != CRS84URI {
		t.Fatalf("URIs() = %v", got)
	}
	for _, tc := range want {
		c, err := reg.Lookup(tc.ref)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tc.ref, err)
			continue
		}
		if c.NorthingFirst() != tc.northingFirst || c.Geographic() != tc.geographic {
			t.Errorf("%s: NorthingFirst %v Geographic %v", c.Code(), c.NorthingFirst(), c.Geographic())
		}
		again, err := reg.Lookup(c.URI())
		if err != nil || again != c {
			t.Errorf("Lookup(URI %q) = %v, %v", c.URI(), again, err)
		}
		b := c.Bounds()
		if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 || b.Min[0] >= b.Max[0] || b.Min[1] >= b.Max[1] {
			t.Errorf("%s: bounds %v", c.Code(), b)
		}
	}
	for _, ref := range []string{"EPSG:9999", "EPSG:4547", "nonsense", "http://www.opengis.net/def/crs/EPSG/0/"} {
		_, err := reg.Lookup(ref)
		var ue *UnsupportedError
		if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Lookup(%q) error %v", ref, err)
		}
		for _, uri := range reg.URIs() {
			if !strings.Contains(err.Error(), uri) {
				t.Errorf("Lookup(%q) error %q does not list %s", ref, err, uri)
			}
		}
		if !strings.HasPrefix(err.Error(), "crs: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

func TestSubset(t *testing.T) {
	sub, err := Builtin().Subset("CRS84", "EPSG:4549", "GCJ-02")
	if err != nil {
		t.Fatal(err)
	}
	if got := sub.URIs(); len(got) != 3 || got[1] != EPSGPrefix+"4549" {
		t.Errorf("Subset URIs = %v", got)
	}
	if _, err := sub.Lookup("EPSG:4326"); err == nil || strings.Contains(err.Error(), "4326,") {
		t.Errorf("subset Lookup(EPSG:4326) = %v", err)
	}
	if _, err := Builtin().Subset("CRS84", "urn:ogc:def:crs:OGC::CRS84"); err == nil {
		t.Error("Subset accepted the same CRS twice")
	}
}

// FuzzParseURI checks that no input panics, that errors are
// ErrUnsupported with a bounded message, and that a canonical URI parses to
// itself.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"EPSG:4326", "CRS84", "urn:ogc:def:crs:EPSG::4549", "urn:ogc:def:crs:OGC:1.3:CRS84",
		"http://www.opengis.net/def/crs/EPSG/0/4549", "https://planmap.dev/def/crs/GCJ-02",
		"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "EPSG:", "urn:ogc:def:crs:EPSG:9.9:", "\xff\xfe",
	} {
		f.Add(s)
	}
	reg := Builtin()
	f.Fuzz(func(t *testing.T, ref string) {
		uri, err := ParseURI(ref)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v is not ErrUnsupported", err)
			}
			if len(err.Error()) > 512 {
				t.Fatalf("error message of %d bytes", len(err.Error()))
			}
			return
		}
		again, err := ParseURI(uri)
		if err != nil || again != uri {
			t.Fatalf("ParseURI(%q) = %q, but ParseURI of that = %q, %v", ref, uri, again, err)
		}
		if c, err := reg.Lookup(ref); err == nil && c.URI() != uri {
			t.Fatalf("Lookup(%q).URI() = %q, ParseURI says %q", ref, c.URI(), uri)
		}
	})
}

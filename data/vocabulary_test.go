package data

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"unicode"
)

var (
	hexColour = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	valueForm = regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
)

// checkTerms checks one vocabulary: values are unique snake_case words and
// every term has a Chinese label (Han characters), an English label
// (Latin letters) and a colour.
func checkTerms(t *testing.T, what string, terms []Term) {
	t.Helper()
	if len(terms) == 0 {
		t.Errorf("%s: empty vocabulary", what)
	}
	seen := map[string]bool{}
	for _, term := range terms {
		if !valueForm.MatchString(term.Value) || seen[term.Value] {
			t.Errorf("%s: value %q is not a unique snake_case word", what, term.Value)
		}
		seen[term.Value] = true
		if !hasHan(term.ZH) {
			t.Errorf("%s %s: Chinese label %q has no Chinese characters", what, term.Value, term.ZH)
		}
		if term.EN == "" || hasHan(term.EN) || !unicode.IsUpper([]rune(term.EN)[0]) {
			t.Errorf("%s %s: English label %q", what, term.Value, term.EN)
		}
		if !hexColour.MatchString(term.Colour) {
			t.Errorf("%s %s: colour %q is not #rrggbb", what, term.Value, term.Colour)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestVocabularyLabels checks that every layer, kind, status, mode and
// precision has both labels and a colour, that statuses have distinct line
// styles, and that the plain lists other code uses agree with the table.
func TestVocabularyLabels(t *testing.T) {
	v := Vocabulary()
	var ids []string
	for _, l := range v.Layers {
		ids = append(ids, l.ID)
		if !validSlug(l.ID) || !hasHan(l.ZH) || l.EN == "" || hasHan(l.EN) {
			t.Errorf("layer %q: title %q / %q", l.ID, l.ZH, l.EN)
		}
		if len(l.GeometryTypes) == 0 {
			t.Errorf("layer %s takes no geometry type", l.ID)
		}
		if l.Colour != l.Kinds[0].Colour {
			t.Errorf("layer %s: swatch %s is not its first kind's colour", l.ID, l.Colour)
		}
		checkTerms(t, l.ID+" kind", l.Kinds)
		if got := Kinds[l.ID]; !slices.Equal(got, termValues(l.Kinds)) {
			t.Errorf("Kinds[%s] = %v, table %v", l.ID, got, termValues(l.Kinds))
		}
		if l.ID == Corridors {
			for _, k := range l.Kinds {
				if !slices.Contains(Modes, k.Mode) {
					t.Errorf("corridor kind %s: mode %q is not a mode", k.Value, k.Mode)
				}
			}
		} else {
			for _, k := range l.Kinds {
				if k.Mode != "" || k.Line != "" {
					t.Errorf("%s kind %s has a mode or line style", l.ID, k.Value)
				}
			}
		}
	}
	if !slices.Equal(ids, StandardLayers) {
		t.Errorf("StandardLayers %v, table %v", StandardLayers, ids)
	}
	checkTerms(t, "status", v.Statuses)
	checkTerms(t, "mode", v.Modes)
	checkTerms(t, "geometry_precision", v.Precisions)
	var lines []string
	for _, s := range v.Statuses {
		lines = append(lines, s.Line)
	}
	// Issue 12: operational solid, under construction dashed, planned
	// dotted, proposed faint.
	want := map[string]string{"operational": LineSolid, "under_construction": LineDashed, "planned": LineDotted, "proposed": LineFaint}
	for _, s := range v.Statuses {
		if s.Line != want[s.Value] {
			t.Errorf("status %s drawn %q, want %q", s.Value, s.Line, want[s.Value])
		}
	}
	if len(v.Statuses) != len(want) || !slices.Equal(slices.Sorted(slices.Values(lines)), slices.Sorted(slices.Values(LineStyles))) {
		t.Errorf("statuses %v use line styles %v; want each of %v once", Statuses, lines, LineStyles)
	}
	for _, p := range []struct {
		layer, property string
		want            []string
	}{
		{Ports, "kind", Kinds[Ports]},
		{Corridors, "mode", Modes},
		{Ports, "mode", nil},
		{EcologicalSpaces, "status", Statuses},
		{Enclaves, "geometry_precision", Precisions},
		{"notes", "kind", nil},
		{Corridors, "city", nil},
	} {
		if got := v.Values(p.layer, p.property); !slices.Equal(got, p.want) {
			t.Errorf("Values(%s, %s) = %v, want %v", p.layer, p.property, got, p.want)
		}
	}
}

// TestVocabularyColours checks that no two kinds look alike: colours are
// unique, kinds of one layer differ by a CIE76 ΔE of at least 20, kinds of
// different layers by at least 12, and the pairs issue 12 found sharing a
// colour (science enclaves and urban rail one purple, parks and
// expressways one orange) by at least 20.
func TestVocabularyColours(t *testing.T) {
	type kind struct{ layer, value, colour string }
	var kinds []kind
	byValue := map[string]string{}
	for _, l := range Vocabulary().Layers {
		for _, k := range l.Kinds {
			kinds = append(kinds, kind{l.ID, k.Value, k.Colour})
			byValue[k.Value] = k.Colour
		}
	}
	for i, a := range kinds {
		for _, b := range kinds[i+1:] {
			d := deltaE76(t, a.colour, b.colour)
			minimum := 12.0
			if a.layer == b.layer {
				minimum = 20
			}
			if d < minimum {
				t.Errorf("%s %s (%s) and %s %s (%s) differ by ΔE %.1f, want at least %.0f", a.layer, a.value, a.colour, b.layer, b.value, b.colour, d, minimum)
			}
		}
	}
	for _, pair := range [][2]string{
		{"science_enclave", "suburban_rail"}, {"science_enclave", "metro"},
		{"industrial_park", "expressway"}, {"industrial_park", "urban_expressway"},
		{"eco_tourism_park", "ecological_park"}, {"port_area", "reservoir"},
	} {
		if d := deltaE76(t, byValue[pair[0]], byValue[pair[1]]); d < 20 {
			t.Errorf("%s and %s differ by ΔE %.1f, want at least 20", pair[0], pair[1], d)
		}
	}
}

// deltaE76 is the CIE76 difference of two sRGB colours: the Euclidean
// distance in CIE L*a*b* (D65).
func deltaE76(t *testing.T, a, b string) float64 {
	t.Helper()
	la, lb := cieLab(t, a), cieLab(t, b)
	return math.Sqrt(math.Pow(la[0]-lb[0], 2) + math.Pow(la[1]-lb[1], 2) + math.Pow(la[2]-lb[2], 2))
}

func cieLab(t *testing.T, hex string) [3]float64 {
	t.Helper()
	var rgb [3]float64
	for i := range rgb {
		n, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("colour %q: %v", hex, err)
		}
		c := float64(n) / 255
		if c <= 0.04045 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	x := (0.4124*rgb[0] + 0.3576*rgb[1] + 0.1805*rgb[2]) / 0.95047
	y := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	z := (0.0193*rgb[0] + 0.1192*rgb[1] + 0.9505*rgb[2]) / 1.08883
	f := func(v float64) float64 {
		if v > 0.008856 {
			return math.Cbrt(v)
		}
		return 7.787*v + 16.0/116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

func ExampleVocabularyTable_Kind() {
	v := Vocabulary()
	k, _ := v.Kind(EcologicalSpaces, "reservoir")
	s, _ := v.Status("planned")
	fmt.Println(k.ZH, k.EN, k.Colour)
	fmt.Println(s.ZH, s.EN, s.Line)
	// Output:
	// 水库 Reservoir #5ebbfd
	// 规划 Planned dotted
}

package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// This file decodes GeoJSON FeatureCollections. It does what
// encoding/json plus orb's geojson package do, several times faster and
// stricter: it parses coordinates straight into orb types without
// reflection, rejects positions of fewer than two numbers (which
// encoding/json would silently read as [x, 0]) and anything after the
// top-level value, and finds each feature's bytes in one cheap pass so the
// features can be decoded in parallel. Properties, ids, bboxes and unknown
// members still go through encoding/json, so their values are exactly what
// geojson.UnmarshalFeature gives.

// jsonSyntaxError says the bytes are not JSON at all.
type jsonSyntaxError struct {
	offset int
	msg    string
}

func (e *jsonSyntaxError) Error() string { return e.msg }

// geojsonError says the bytes are JSON but not the GeoJSON expected.
type geojsonError struct {
	msg string
	// dupKey is the key an object repeats, and dupDepth the object's
	// depth, when that is the problem.
	dupKey   string
	dupDepth int
}

func (e *geojsonError) Error() string { return e.msg }

func structural(format string, args ...any) error {
	return &geojsonError{msg: fmt.Sprintf(format, args...)}
}

// Repeated member names are refused everywhere in a layer file: RFC 8259
// leaves what they mean to the reader, and readers disagree (encoding/json
// and most JavaScript keep the last, some keep the first, some fail), so a
// feature with two "status" members would say different things to
// different programs.
const duplicateWhy = "JSON readers disagree on which of the values wins, so planmap refuses it"

// seenKeys remembers the member names of one object so a repeat is found
// in constant time per member.
type seenKeys struct {
	small [8]string
	list  []string
	set   map[string]struct{}
}

// repeat records key and reports whether the object already had it.
func (k *seenKeys) repeat(key string) bool {
	if k.set != nil {
		if _, ok := k.set[key]; ok {
			return true
		}
		k.set[key] = struct{}{}
		return false
	}
	if k.list == nil {
		k.list = k.small[:0]
	}
	for _, seen := range k.list {
		if seen == key {
			return true
		}
	}
	if len(k.list) < len(k.small) {
		k.list = append(k.list, key)
		return false
	}
	k.set = make(map[string]struct{}, 2*len(k.small))
	for _, seen := range k.list {
		k.set[seen] = struct{}{}
	}
	k.set[key] = struct{}{}
	return false
}

// byteSpan is where a value lies in the input: b[start:end].
type byteSpan struct{ start, end int }

// jsonScanner reads JSON from b, strictly: whatever it accepts,
// encoding/json accepts too.
type jsonScanner struct {
	b []byte
	i int
	// arena is where the next positions read go (positions).
	arena []orb.Point
	// interned holds short strings already read (member names and
	// vocabulary values repeat in every feature), so features share them
	// instead of each holding copies.
	interned *internCache
	// mapHint is the size to make the next object read as a map with
	// (the previous feature's number of properties), propHint that number.
	mapHint, propHint int
	// featureKeys, geometryKeys and propertyKeys guess the members of
	// features, geometries and properties; nextGuesses are the guesses
	// for the next object readAny reads (propertyKeys, for properties).
	featureKeys, geometryKeys, propertyKeys guesses
	nextGuesses                             *guesses
}

// Strings up to maxInternLen bytes are interned (by the binary snapshot's
// decoder, up to maxInterned of them).
const (
	maxInternLen = 96
	maxInterned  = 1 << 14
)

// internCache is a fixed table of strings, found by a hash of their bytes,
// one per slot. A slot's string is shared by every feature that holds it;
// each hit earns it a credit (up to internCredit), each miss on it costs
// one, and a string that has none left is replaced: member names and
// vocabulary values stay, while ids and other unique strings pass through
// the free slots. Unlike a map of every string seen, it stays small enough
// for the processor's cache and costs one hash and one comparison.
type internCache struct {
	seed  maphash.Seed
	slots [internSlots]internSlot
}

const (
	internSlots  = 1 << 11
	internCredit = 16
)

type internSlot struct {
	s      string
	boxed  any // s as an any, boxed once (boxing a string allocates)
	credit int32
}

// slot returns b's slot, holding b (nil when b is too long to intern).
func (s *jsonScanner) slot(b []byte) *internSlot {
	if len(b) > maxInternLen {
		return nil
	}
	c := s.interned
	if c == nil {
		c = &internCache{seed: maphash.MakeSeed()}
		s.interned = c
	}
	sl := &c.slots[maphash.Bytes(c.seed, b)&(internSlots-1)]
	if sl.s == string(b) && (sl.s != "" || sl.boxed != nil) {
		sl.credit = min(sl.credit+1, internCredit)
		return sl
	}
	if sl.credit > 0 {
		sl.credit--
		return nil
	}
	*sl = internSlot{s: string(b)}
	sl.boxed = sl.s
	return sl
}

func (s *jsonScanner) intern(b []byte) string {
	if sl := s.slot(b); sl != nil {
		return sl.s
	}
	return string(b)
}

// internAny is intern boxed as an any.
func (s *jsonScanner) internAny(b []byte) any {
	if sl := s.slot(b); sl != nil {
		return sl.boxed
	}
	return string(b)
}

const maxJSONDepth = 10000

func (s *jsonScanner) syntax(format string, args ...any) error {
	return &jsonSyntaxError{offset: s.i, msg: fmt.Sprintf(format, args...)}
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// atEnd reports whether only white space is left.
func (s *jsonScanner) atEnd() bool {
	s.ws()
	return s.i >= len(s.b)
}

// peek returns the next byte after white space, or 0 at the end (check
// atEnd to tell the end from a NUL byte).
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *jsonScanner) expect(c byte) error {
	if s.peek() != c {
		if s.i >= len(s.b) {
			return s.syntax("unexpected end of JSON input")
		}
		return s.syntax("invalid character %q, want %q", s.b[s.i], c)
	}
	s.i++
	return nil
}

// kindAt names the JSON type of the value starting at the next byte.
func (s *jsonScanner) kindAt() string {
	switch s.peek() {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// members calls fn for each member of the object at the scanner, with the
// scanner at the member's value; fn must consume the value.
func (s *jsonScanner) members(fn func(key string) error) error {
	return s.membersGuessing(nil, fn)
}

// guesses is what the objects of one kind (features, geometries,
// properties) held, member by member, the last time one was read: the
// next one usually has the same member names in the same order, and often
// some of the same string values, which are then taken from here after
// one comparison, without hashing them for the intern table.
type guesses struct {
	list []guess
	// names, when not nil, collects every member name read with these
	// guesses: those taken from a guess were collected when guessed.
	names map[string]bool
}

type guess struct {
	key string
	// val is the member's value when it was an unescaped string, boxed
	// its boxed form; boxed is nil otherwise.
	val   string
	boxed any
}

// maxGuesses is the number of members of an object guessed.
const maxGuesses = 32

// membersGuessing is members that reads the member names with g's
// guesses (nil: none) and updates them.
func (s *jsonScanner) membersGuessing(g *guesses, fn func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for idx := 0; ; idx++ {
		if s.peek() != '"' {
			return s.syntax("invalid character looking for beginning of object key string")
		}
		key, err := s.readKey(g, idx)
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		s.ws()
		if err := fn(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.syntax("invalid character after object key:value pair")
		}
	}
}

// elements calls fn for each element of the array at the scanner.
func (s *jsonScanner) elements(fn func(i int) error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for i := 0; ; i++ {
		s.ws()
		if err := fn(i); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.syntax("invalid character after array element")
		}
	}
}

// readKey reads the name of member idx of an object whose members g
// guesses (g may be nil).
func (s *jsonScanner) readKey(g *guesses, idx int) (string, error) {
	if g == nil {
		return s.readString()
	}
	start := s.i
	escaped, err := s.skipString()
	if err != nil {
		return "", err
	}
	var key string
	switch {
	case escaped:
		if key, err = s.unescape(start); err != nil {
			return "", err
		}
	case idx < len(g.list) && g.list[idx].key == string(s.b[start+1:s.i-1]):
		return g.list[idx].key, nil
	default:
		key = s.intern(s.b[start+1 : s.i-1])
		if idx < len(g.list) {
			g.list[idx] = guess{key: key}
		} else if idx < maxGuesses {
			g.list = append(g.list, guess{key: key})
		}
	}
	if g.names != nil {
		g.names[key] = true
	}
	return key, nil
}

// guessString reads the value of member idx of an object whose members g
// guesses, at the scanner, when it is an unescaped string: ok is false
// (and the scanner where it was) for any other value.
func (s *jsonScanner) guessString(g *guesses, idx int) (v any, ok bool, err error) {
	if idx >= len(g.list) || s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, nil
	}
	start := s.i
	escaped, err := s.skipString()
	if err != nil {
		return nil, false, err
	}
	if escaped {
		s.i = start
		return nil, false, nil
	}
	b := s.b[start+1 : s.i-1]
	gu := &g.list[idx]
	if gu.boxed != nil && gu.val == string(b) {
		return gu.boxed, true, nil
	}
	v = s.internAny(b)
	gu.val, gu.boxed = v.(string), v
	return v, true, nil
}

// readString reads the string at the scanner (its opening quote).
func (s *jsonScanner) readString() (string, error) {
	start := s.i
	escaped, err := s.skipString()
	if err != nil {
		return "", err
	}
	if !escaped {
		return s.intern(s.b[start+1 : s.i-1]), nil
	}
	return s.unescape(start)
}

// unescape decodes the string with escapes that starts at start and ends
// at the scanner.
func (s *jsonScanner) unescape(start int) (string, error) {
	var out string
	if err := json.Unmarshal(s.b[start:s.i], &out); err != nil {
		return "", &jsonSyntaxError{offset: start, msg: err.Error()}
	}
	return out, nil
}

// skipString passes the string at the scanner, checking its escapes, and
// says whether it has any.
func (s *jsonScanner) skipString() (escaped bool, err error) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false, s.syntax("want a string")
	}
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return escaped, nil
		case c < 0x20:
			return escaped, s.syntax("invalid character %q in string literal", c)
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return escaped, s.syntax("unexpected end of JSON input")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return escaped, s.syntax("unexpected end of JSON input")
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return escaped, s.syntax("invalid character %q in \\u hexadecimal character escape", h)
					}
				}
				s.i += 6
			default:
				return escaped, s.syntax("invalid character %q in string escape code", s.b[s.i+1])
			}
		default:
			s.i++
		}
	}
	return escaped, s.syntax("unexpected end of JSON input")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

var exactPowersOf10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// readNumber reads the number at the scanner, exactly as
// strconv.ParseFloat does: a decimal without exponent whose digits make an
// integer of at most 2^53 (exact in a float64) is that integer divided by
// an exact power of ten, one correctly rounded operation (Clinger's fast
// path, which strconv itself takes); anything else goes to strconv.
func (s *jsonScanner) readNumber() (float64, error) {
	start := s.i
	b := s.b
	i := s.i
	negative := i < len(b) && b[i] == '-'
	if negative {
		i++
	}
	var mantissa uint64
	intStart := i
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			mantissa = mantissa*10 + uint64(d)
			i++
		}
	default:
		s.i = i
		return 0, s.syntax("invalid character in numeric literal")
	}
	digits, decimals := i-intStart, 0
	if i < len(b) && b[i] == '.' {
		i++
		fracStart := i
		for i < len(b) {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			mantissa = mantissa*10 + uint64(d)
			i++
		}
		if decimals = i - fracStart; decimals == 0 {
			s.i = i
			return 0, s.syntax("invalid character after decimal point in numeric literal")
		}
		digits += decimals
	}
	exponent := false
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		exponent = true
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			return 0, s.syntax("invalid character in exponent of numeric literal")
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	s.i = i
	// Up to 19 digits the mantissa cannot have wrapped around.
	if !exponent && digits <= 19 && mantissa <= 1<<53 && decimals < len(exactPowersOf10) {
		v := float64(mantissa) / exactPowersOf10[decimals]
		if negative {
			v = -v
		}
		return v, nil
	}
	v, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil {
		return 0, structural("number %s is out of range", b[start:i])
	}
	return v, nil
}

// skipValue passes the value at the scanner, checking that it is JSON, and
// returns where it lies.
func (s *jsonScanner) skipValue(depth int) (byteSpan, error) {
	if depth > maxJSONDepth {
		return byteSpan{}, s.syntax("exceeded max depth")
	}
	c := s.peek()
	start := s.i
	var err error
	switch {
	case c == '{':
		err = s.members(func(string) error {
			_, err := s.skipValue(depth + 1)
			return err
		})
	case c == '[':
		err = s.elements(func(int) error {
			_, err := s.skipValue(depth + 1)
			return err
		})
	case c == '"':
		_, err = s.skipString()
	case c == '-' || (c >= '0' && c <= '9'):
		_, err = s.readNumber()
		var g *geojsonError
		if errors.As(err, &g) {
			err = nil // out of range is a type problem, not a syntax one
		}
	case c == 't':
		err = s.literal("true")
	case c == 'f':
		err = s.literal("false")
	case c == 'n':
		err = s.literal("null")
	case s.atEnd():
		err = s.syntax("unexpected end of JSON input")
	default:
		err = s.syntax("invalid character %q looking for beginning of value", c)
	}
	return byteSpan{start, s.i}, err
}

func (s *jsonScanner) literal(word string) error {
	if s.i+len(word) > len(s.b) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.syntax("invalid character in literal %s (expecting %q)", word, word)
	}
	s.i += len(word)
	return nil
}

// findEnd passes the value at the scanner by matching brackets, without
// checking it: decoding the feature checks it, in parallel.
func (s *jsonScanner) findEnd() (byteSpan, error) {
	start := s.i
	b, i := s.b, s.i
	depth := 0
	for i < len(b) {
		c := b[i]
		if !findEndStops[c] {
			i++ // digits, letters, '.', ':', white space: most of a file
			continue
		}
		switch c {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if i >= len(b) {
				s.i = i
				return byteSpan{}, s.syntax("unexpected end of JSON input")
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				s.i = i
				return byteSpan{start, i}, nil // the end of a bare literal or number
			}
			if depth == 0 {
				s.i = i + 1
				return byteSpan{start, s.i}, nil
			}
		case ',':
			if depth == 0 {
				s.i = i
				return byteSpan{start, i}, nil
			}
		}
		i++
	}
	s.i = i
	return byteSpan{}, s.syntax("unexpected end of JSON input")
}

// findEndStops are the bytes findEnd looks at.
var findEndStops = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true, ',': true}

// featureCollection is the outline of a FeatureCollection file.
type featureCollection struct {
	typ         string
	hasFeatures bool
	features    []byteSpan
}

// scanFeatureCollection reads the top level of a FeatureCollection and
// finds where each feature lies.
func scanFeatureCollection(raw []byte) (featureCollection, error) {
	return scanFeatureCollectionEach(raw, 0, nil)
}

// scanFeatureCollectionEach is scanFeatureCollection that also hands
// found features on as it goes, so that they are decoded while it looks
// for the rest: emit(lo, spans) for every batch features (and the last,
// shorter, one) of the first "features" array, spans being features lo to
// lo+len(spans). A span handed on is never changed.
func scanFeatureCollectionEach(raw []byte, batch int, emit func(lo int, spans []byteSpan)) (featureCollection, error) {
	var doc featureCollection
	s := &jsonScanner{b: raw}
	if c := s.peek(); c != '{' {
		if s.atEnd() {
			return doc, s.syntax("unexpected end of JSON input")
		}
		if _, err := s.skipValue(0); err != nil {
			return doc, err
		}
		if !s.atEnd() {
			return doc, s.syntax("invalid character %q after top-level value", s.b[s.i])
		}
		return doc, structural("the file holds %s, not a GeoJSON object", (&jsonScanner{b: raw}).kindAt())
	}
	var typeErr error
	var keys seenKeys
	err := s.members(func(key string) error {
		if keys.repeat(key) && typeErr == nil {
			typeErr = structural("the FeatureCollection has member %q twice; %s", key, duplicateWhy)
		}
		switch key {
		case "type":
			if s.peek() != '"' {
				typeErr = structural("\"type\" is %s, want the string \"FeatureCollection\"", s.kindAt())
				_, err := s.skipValue(1)
				return err
			}
			var err error
			doc.typ, err = s.readString()
			return err
		case "features":
			switch s.peek() {
			case 'n':
				doc.hasFeatures = false
				doc.features = nil
				return s.literal("null")
			case '[':
			default:
				typeErr = structural("\"features\" is %s, want an array", s.kindAt())
				_, err := s.skipValue(1)
				return err
			}
			if doc.hasFeatures || doc.features != nil {
				emit = nil // a second array (an error): keep the spans handed on as they are
			}
			doc.hasFeatures = true
			doc.features = nil
			emitted := 0
			err := s.elements(func(int) error {
				span, err := s.findEnd()
				doc.features = append(doc.features, span)
				if emit != nil && len(doc.features)-emitted >= batch {
					emit(emitted, doc.features[emitted:len(doc.features):len(doc.features)])
					emitted = len(doc.features)
				}
				return err
			})
			if emit != nil && len(doc.features) > emitted {
				emit(emitted, doc.features[emitted:len(doc.features):len(doc.features)])
			}
			emit = nil
			return err
		}
		_, err := s.skipValue(1)
		return err
	})
	if err != nil {
		return doc, err
	}
	if !s.atEnd() {
		return doc, s.syntax("invalid character %q after top-level value", s.b[s.i])
	}
	return doc, typeErr
}

// decodeFeature decodes one feature, as geojson.UnmarshalFeature would.
func (s *jsonScanner) decodeFeature(b []byte) (*geojson.Feature, error) {
	s.b, s.i = b, 0
	if s.peek() != '{' {
		_, err := s.skipValue(0)
		if err != nil {
			return nil, err
		}
		if !s.atEnd() {
			return nil, s.syntax("invalid character %q after array element", s.b[s.i])
		}
		return nil, structural("the feature is %s, not an object", (&jsonScanner{b: b}).kindAt())
	}
	f := &geojson.Feature{}
	var typeErr error
	var keys seenKeys
	err := s.membersGuessing(&s.featureKeys, func(key string) error {
		if keys.repeat(key) && typeErr == nil {
			typeErr = structural("the feature has member %q twice; %s", key, duplicateWhy)
		}
		// A member that is JSON but not what GeoJSON wants is reported
		// only once the rest of the feature has proved to be JSON.
		start := s.i
		err := s.featureMember(f, key)
		var g *geojsonError
		if errors.As(err, &g) {
			if typeErr == nil {
				typeErr = err
			}
			s.i = start
			_, err = s.skipValue(1)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !s.atEnd() {
		return nil, s.syntax("invalid character %q after array element", s.b[s.i])
	}
	if typeErr != nil {
		return nil, typeErr
	}
	if f.Type != "Feature" {
		return nil, structural("\"type\" is %q, want \"Feature\"", f.Type)
	}
	return f, nil
}

// featureMember decodes the value of the feature's member key.
func (s *jsonScanner) featureMember(f *geojson.Feature, key string) error {
	switch key {
	case "type":
		if s.peek() != '"' {
			return structural("\"type\" is %s, want \"Feature\"", s.kindAt())
		}
		var err error
		f.Type, err = s.readString()
		return err
	case "geometry":
		var err error
		f.Geometry, err = s.geometry(1)
		return err
	case "properties":
		kind := s.kindAt()
		f.Properties = nil
		if kind != "an object" {
			if _, err := s.skipValue(1); err != nil {
				return err
			}
			if kind != "null" {
				return structural("\"properties\" is %s, want an object or null", kind)
			}
			return nil
		}
		// An object: read at once (a syntax error inside it is the same
		// error readAny meets; decodeFeature checks the syntax of the rest
		// of a member that is JSON but not what GeoJSON wants).
		s.mapHint, s.nextGuesses = s.propHint, &s.propertyKeys
		v, err := s.readAny(1)
		f.Properties = v.(map[string]any)
		s.propHint = len(f.Properties)
		var g *geojsonError
		if errors.As(err, &g) && g.dupKey != "" {
			if g.dupDepth == 1 {
				return structural("property %q appears twice; %s", g.dupKey, duplicateWhy)
			}
			return structural("key %q appears twice in one object inside the properties; %s", g.dupKey, duplicateWhy)
		}
		return err
	case "id":
		var err error
		f.ID, err = s.readAny(1)
		return err
	case "bbox":
		span, err := s.skipValue(1)
		if err != nil {
			return err
		}
		return s.unmarshal(span, &f.BBox)
	}
	v, err := s.readAny(1)
	if err != nil {
		return err
	}
	if f.ExtraMembers == nil {
		f.ExtraMembers = geojson.Properties{}
	}
	f.ExtraMembers[key] = v
	return nil
}

// readAny reads any JSON value as encoding/json decodes it into an any:
// objects as map[string]any, arrays as []any, numbers as float64. An
// object that repeats a key is a *geojsonError naming the key.
func (s *jsonScanner) readAny(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, s.syntax("exceeded max depth")
	}
	switch c := s.peek(); {
	case c == '{':
		m := make(map[string]any, s.mapHint)
		g := s.nextGuesses
		s.mapHint, s.nextGuesses = 0, nil
		idx := 0
		err := s.membersGuessing(g, func(key string) error {
			var v any
			var err error
			ok := false
			if g != nil {
				v, ok, err = s.guessString(g, idx)
			}
			idx++
			if !ok && err == nil {
				v, err = s.readAny(depth + 1)
			}
			n := len(m)
			m[key] = v
			if err == nil && len(m) == n {
				err = &geojsonError{msg: fmt.Sprintf("key %q appears twice in one object; %s", key, duplicateWhy), dupKey: key, dupDepth: depth}
			}
			return err
		})
		return m, err
	case c == '[':
		a := []any{}
		err := s.elements(func(int) error {
			v, err := s.readAny(depth + 1)
			a = append(a, v)
			return err
		})
		return a, err
	case c == '"':
		start := s.i
		escaped, err := s.skipString()
		if err != nil {
			return "", err
		}
		if !escaped {
			// Share the interface value too: boxing a string allocates.
			return s.internAny(s.b[start+1 : s.i-1]), nil
		}
		return s.unescape(start)
	case c == '-' || (c >= '0' && c <= '9'):
		return s.readNumber()
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	case s.atEnd():
		return nil, s.syntax("unexpected end of JSON input")
	default:
		return nil, s.syntax("invalid character %q looking for beginning of value", c)
	}
}

// unmarshal decodes a checked value with encoding/json; what fails now is
// a type mismatch (a number too big), not syntax.
func (s *jsonScanner) unmarshal(span byteSpan, v any) error {
	if err := json.Unmarshal(s.b[span.start:span.end], v); err != nil {
		return structural("%v", err)
	}
	return nil
}

// geometry decodes the GeoJSON geometry object (or null) at the scanner.
func (s *jsonScanner) geometry(depth int) (orb.Geometry, error) {
	if depth > 32 {
		return nil, structural("geometry collections nested too deep")
	}
	if s.peek() == 'n' {
		return nil, s.literal("null")
	}
	if s.peek() != '{' {
		kind := s.kindAt()
		if _, err := s.skipValue(depth); err != nil {
			return nil, err
		}
		return nil, structural("geometry is %s, want an object or null", kind)
	}
	var (
		typ                   string
		typeErr               error
		coords, geometries    byteSpan
		hasCoords, hasMembers bool
		parsed                bool // coordinates decoded into g as they came
		parsedType            string
		g                     orb.Geometry
		parseErr              error
		keys                  seenKeys
	)
	err := s.membersGuessing(&s.geometryKeys, func(key string) error {
		if keys.repeat(key) && typeErr == nil {
			typeErr = structural("the geometry has member %q twice; %s", key, duplicateWhy)
		}
		switch key {
		case "type":
			if s.peek() != '"' {
				typeErr = structural("geometry \"type\" is %s, want a string", s.kindAt())
				_, err := s.skipValue(depth + 1)
				return err
			}
			var err error
			typ, err = s.readString()
			return err
		case "coordinates":
			hasCoords = s.peek() != 'n'
			if hasCoords && typ != "" && typ != "GeometryCollection" && !parsed {
				// The usual order, type first: decode in one pass.
				start := s.i
				parsed, parsedType = true, typ
				g, parseErr = s.coordinates(typ)
				if err := syntaxOnly(parseErr); err != nil || parseErr == nil {
					return err
				}
				// Not the coordinates typ needs: pass the rest of the
				// value and report parseErr at the end.
				s.i = start
				_, err := s.skipValue(depth + 1)
				return err
			}
			parsed = false
			var err error
			coords, err = s.skipValue(depth + 1)
			return err
		case "geometries":
			var err error
			hasMembers = s.peek() != 'n'
			geometries, err = s.skipValue(depth + 1)
			return err
		}
		_, err := s.skipValue(depth + 1)
		return err
	})
	if err != nil {
		return nil, err
	}
	if typeErr != nil {
		return nil, typeErr
	}
	if parsed && typ == parsedType {
		return g, parseErr
	}
	end := s.i
	defer func() { s.i = end }()
	if typ == "GeometryCollection" {
		c := orb.Collection{}
		if !hasMembers {
			return nil, structural("GeometryCollection has no \"geometries\" array")
		}
		s.i = geometries.start
		if s.peek() != '[' {
			return nil, structural("GeometryCollection \"geometries\" is %s, want an array", s.kindAt())
		}
		err := s.elements(func(int) error {
			g, err := s.geometry(depth + 1)
			if err == nil && g == nil {
				err = structural("GeometryCollection member is null")
			}
			c = append(c, g)
			return err
		})
		return c, err
	}
	if !hasCoords {
		if typ == "" {
			return nil, structural("geometry has no \"type\"")
		}
		return nil, structural("%s geometry has no \"coordinates\"", typ)
	}
	s.i = coords.start
	return s.coordinates(typ)
}

// syntaxOnly passes on syntax errors and drops the others, which the
// caller reports once the whole value has been read.
func syntaxOnly(err error) error {
	var syn *jsonSyntaxError
	if errors.As(err, &syn) {
		return err
	}
	return nil
}

// coordinates decodes the coordinates array at the scanner for a geometry
// of type typ.
func (s *jsonScanner) coordinates(typ string) (orb.Geometry, error) {
	switch typ {
	case "Point":
		return s.position(typ)
	case "MultiPoint":
		pts, err := s.positions(typ)
		return orb.MultiPoint(pts), err
	case "LineString":
		pts, err := s.positions(typ)
		return orb.LineString(pts), err
	case "MultiLineString":
		mls := orb.MultiLineString{}
		err := s.nested(typ, func() error {
			pts, err := s.positions(typ)
			mls = append(mls, pts)
			return err
		})
		return mls, err
	case "Polygon":
		p, err := s.polygon(typ)
		return p, err
	case "MultiPolygon":
		mp := orb.MultiPolygon{}
		err := s.nested(typ, func() error {
			p, err := s.polygon(typ)
			mp = append(mp, p)
			return err
		})
		return mp, err
	case "":
		return nil, structural("geometry has no \"type\"")
	}
	return nil, structural("unknown geometry type %q", typ)
}

// nested calls fn for each element of the coordinates array at the
// scanner.
func (s *jsonScanner) nested(typ string, fn func() error) error {
	if s.peek() != '[' {
		return structural("%s coordinates are %s where an array belongs", typ, s.kindAt())
	}
	return s.elements(func(int) error { return fn() })
}

func (s *jsonScanner) polygon(typ string) (orb.Polygon, error) {
	p := orb.Polygon{}
	err := s.nested(typ, func() error {
		pts, err := s.positions(typ)
		p = append(p, pts)
		return err
	})
	return p, err
}

// positions reads an array of positions into a slice of exactly its
// length (and capacity), carved from a block shared with the rings read
// after it, so that a layer's coordinates take a few large allocations
// rather than one per ring. The positions are read straight into the
// block; a ring that outgrows what is left of it moves to a new one.
func (s *jsonScanner) positions(typ string) ([]orb.Point, error) {
	if s.peek() != '[' {
		return nil, structural("%s coordinates are %s where an array belongs", typ, s.kindAt())
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		return []orb.Point{}, nil
	}
	n := 0
	for {
		p, err := s.position(typ)
		if err != nil {
			return nil, err
		}
		if n == len(s.arena) {
			block := make([]orb.Point, max(2*n, positionBlock))
			copy(block, s.arena[:n])
			s.arena = block
		}
		s.arena[n] = p
		n++
		// As elements does.
		switch s.peek() {
		case ',':
			s.i++
			continue
		case ']':
			s.i++
		default:
			return nil, s.syntax("invalid character after array element")
		}
		break
	}
	out := s.arena[:n:n]
	s.arena = s.arena[n:]
	return out, nil
}

// positionBlock is the number of positions allocated at once for rings
// and lines (64 KiB).
const positionBlock = 4096

// position reads [x, y] or [x, y, z] (z is dropped, as orb does).
func (s *jsonScanner) position(typ string) (orb.Point, error) {
	// The usual [x,y], read straight; anything else (a third number, an
	// error) is read again by the general way, which says what is wrong.
	start := s.i
	if s.peek() == '[' {
		s.i++
		if c := s.peek(); c == '-' || (c >= '0' && c <= '9') {
			x, err := s.readNumber()
			if err == nil && s.peek() == ',' {
				s.i++
				if c := s.peek(); c == '-' || (c >= '0' && c <= '9') {
					y, err := s.readNumber()
					if err == nil && s.peek() == ']' && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
						s.i++
						return orb.Point{x, y}, nil
					}
				}
			}
		}
	}
	s.i = start
	return s.positionSlow(typ)
}

func (s *jsonScanner) positionSlow(typ string) (orb.Point, error) {
	var p orb.Point
	n := 0
	if s.peek() != '[' {
		return p, structural("%s coordinates have %s where a position [lon, lat] belongs", typ, s.kindAt())
	}
	err := s.elements(func(i int) error {
		if c := s.peek(); c != '-' && (c < '0' || c > '9') {
			return structural("%s coordinates have %s inside a position, want numbers", typ, s.kindAt())
		}
		v, err := s.readNumber()
		if i < 2 {
			p[i] = v
		}
		n++
		return err
	})
	if err == nil && n < 2 {
		return p, structural("%s has a position of %d number(s); a position is [lon, lat]", typ, n)
	}
	if err == nil && (math.IsInf(p[0], 0) || math.IsInf(p[1], 0)) {
		return p, structural("%s has a position out of float64 range", typ)
	}
	return p, err
}

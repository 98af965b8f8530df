package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ValidateLayer parses one layer file and checks every rule that applies to
// it. It returns the features that parsed (nil when the file as a whole is
// unreadable) and every problem found, not only the first. Features are
// decoded and checked in parallel; problems come in file order.
func ValidateLayer(file, layerID string, raw []byte) (*geojson.FeatureCollection, []Problem) {
	return validateLayer(file, layerID, raw, nil)
}

// validateLayer is ValidateLayer for a file whose coordinates toCRS84
// converts to CRS84 before they are checked (nil: they are CRS84).
func validateLayer(file, layerID string, raw []byte, toCRS84 GeometryConversion) (*geojson.FeatureCollection, []Problem) {
	v := validateLayerIDs(file, layerID, raw, toCRS84)
	return v.fc, v.problems
}

// validated is what validateLayerIDs found.
type validated struct {
	fc       *geojson.FeatureCollection
	problems []Problem
	// ids is the FeatureID of each of fc's features, in order, as the
	// checks found them, so that nothing after needs to look them up
	// again.
	ids []string
	// propNames is the union of fc's features' property names (when
	// there are no problems; nil otherwise), collected by the decoding.
	propNames map[string]bool
}

// validateLayerIDs is validateLayer that also returns the feature ids and
// property names found.
func validateLayerIDs(file, layerID string, raw []byte, toCRS84 GeometryConversion) validated {
	fileProblem := func(format string, args ...any) []Problem {
		return []Problem{{File: file, Index: -1, Reason: fmt.Sprintf(format, args...)}}
	}
	notJSON := func(err error) []Problem {
		// Let encoding/json describe the first syntax error in its usual
		// words; fall back to ours should it disagree.
		if jsonErr := json.Unmarshal(raw, &struct{}{}); jsonErr != nil {
			return fileProblem("not valid GeoJSON: %s", describeJSONError(raw, jsonErr))
		}
		var syn *jsonSyntaxError
		if errors.As(err, &syn) {
			return fileProblem("not valid GeoJSON: line %d: %s", 1+bytes.Count(raw[:min(syn.offset, len(raw))], []byte("\n")), syn.msg)
		}
		return fileProblem("not valid GeoJSON: %v", err)
	}
	// The text encoding is checked beside the decoding (a pass over the
	// whole file); a problem with it is still the one reported.
	encoding := make(chan string, 1)
	go func() { encoding <- checkEncoding(raw) }()
	// The features are decoded and checked as the outline scan finds
	// them, on every processor, so the scan (a pass over the whole file)
	// is no serial step before the work.
	type batchResult struct {
		lo       int
		features []*geojson.Feature
		ids      []string
		problems [][]Problem
	}
	var (
		syntaxMu  sync.Mutex
		syntaxErr error
		syntaxAt  = math.MaxInt
		resultsMu sync.Mutex
		results   []batchResult
	)
	work := make(chan struct {
		lo    int
		spans []byteSpan
	}, 4*runtime.GOMAXPROCS(0))
	var workers sync.WaitGroup
	names := make([]map[string]bool, runtime.GOMAXPROCS(0)) // each worker's property names
	for w := range names {
		workers.Add(1)
		names[w] = map[string]bool{}
		go func() {
			defer workers.Done()
			s := &jsonScanner{}
			s.propertyKeys.names = names[w]
			for w := range work {
				r := batchResult{lo: w.lo, features: make([]*geojson.Feature, len(w.spans)), ids: make([]string, len(w.spans)), problems: make([][]Problem, len(w.spans))}
				for k, span := range w.spans {
					i := w.lo + k
					c := &checker{file: file, index: i}
					f, err := s.decodeFeature(raw[span.start:span.end])
					if err != nil {
						var syn *jsonSyntaxError
						if errors.As(err, &syn) {
							syntaxMu.Lock()
							if i < syntaxAt {
								syntaxAt, syntaxErr = i, &jsonSyntaxError{offset: span.start + syn.offset, msg: syn.msg}
							}
							syntaxMu.Unlock()
							break
						}
						c.id = idFromRaw(raw[span.start:span.end])
						c.fail("not a valid GeoJSON feature: %v", err)
						r.problems[k] = c.problems
						continue
					}
					c.id = FeatureID(f)
					if toCRS84 != nil {
						if err := convertFeature(f, toCRS84); err != nil {
							c.fail("coordinates cannot be converted to WGS 84: %v", err)
							r.problems[k] = c.problems
							continue
						}
					}
					c.checkFeature(f, layerID)
					r.features[k] = f
					r.ids[k] = c.id
					r.problems[k] = c.problems
				}
				resultsMu.Lock()
				results = append(results, r)
				resultsMu.Unlock()
			}
		}()
	}
	doc, err := scanFeatureCollectionEach(raw, 256, func(lo int, spans []byteSpan) {
		work <- struct {
			lo    int
			spans []byteSpan
		}{lo, spans}
	})
	close(work)
	workers.Wait()
	if reason := <-encoding; reason != "" {
		return validated{problems: fileProblem("%s", reason)}
	}
	if err != nil {
		var syn *jsonSyntaxError
		if errors.As(err, &syn) {
			return validated{problems: notJSON(err)}
		}
		// The outline is JSON; the features may still hide a syntax
		// error, which is the more useful thing to report.
		if syntaxErr := checkFeatureSyntax(raw, doc.features); syntaxErr != nil {
			return validated{problems: notJSON(syntaxErr)}
		}
		return validated{problems: fileProblem("%v", err)}
	}
	if doc.typ != "FeatureCollection" {
		if syntaxErr := checkFeatureSyntax(raw, doc.features); syntaxErr != nil {
			return validated{problems: notJSON(syntaxErr)}
		}
		return validated{problems: fileProblem("type is %q, want \"FeatureCollection\"", doc.typ)}
	}
	if !doc.hasFeatures {
		return validated{problems: fileProblem("has no \"features\" array")}
	}
	n := len(doc.features)
	features := make([]*geojson.Feature, n)
	ids := make([]string, n) // "" for the features that did not decode
	featureProblems := make([][]Problem, n)
	for _, r := range results {
		copy(features[r.lo:], r.features)
		copy(ids[r.lo:], r.ids)
		copy(featureProblems[r.lo:], r.problems)
	}
	if syntaxErr != nil {
		return validated{problems: notJSON(syntaxErr)}
	}
	fc := geojson.NewFeatureCollection()
	fc.Features = make([]*geojson.Feature, 0, n)
	var problems []Problem
	prevOf := firstUses(ids)
	for i, f := range features {
		problems = append(problems, featureProblems[i]...)
		if f == nil {
			continue
		}
		if prev := prevOf[i]; prev >= 0 {
			id := ids[i]
			problems = append(problems, Problem{File: file, Index: i, ID: id, Reason: fmt.Sprintf("id %q is already used by feature %d", id, prev)})
		}
		ids[len(fc.Features)] = ids[i] // i >= len(fc.Features): compacted in place
		fc.Features = append(fc.Features, f)
	}
	v := validated{fc: fc, problems: problems, ids: ids[:len(fc.Features):len(fc.Features)]}
	if len(problems) == 0 {
		v.propNames = names[0]
		for _, more := range names[1:] {
			for name := range more {
				v.propNames[name] = true
			}
		}
	}
	return v
}

// firstUses finds repeated feature ids: for each id (empty ones, of
// features without a string id or that did not decode, skipped) that an
// earlier one repeats, the index of the first; -1 for the rest. The ids
// are split by hash among as many goroutines as there are processors,
// each with its own map, so the check is no serial step after the
// parallel decoding.
func firstUses(ids []string) []int {
	prevOf := make([]int, len(ids))
	shards := min(runtime.GOMAXPROCS(0), max(1, len(ids)/4096))
	seed := maphash.MakeSeed()
	var wg sync.WaitGroup
	for shard := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := make(map[string]int, len(ids)/shards+1)
			for i, id := range ids {
				if id == "" {
					if shard == 0 {
						prevOf[i] = -1
					}
					continue
				}
				if shards > 1 && int(maphash.String(seed, id)%uint64(shards)) != shard {
					continue // another shard's, which alone writes prevOf[i]
				}
				prevOf[i] = -1
				if prev, ok := seen[id]; ok {
					prevOf[i] = prev
				} else {
					seen[id] = i
				}
			}
		}()
	}
	wg.Wait()
	return prevOf
}

// checkEncoding says what is wrong with the text encoding of a layer
// file: a byte order mark (which RFC 8259 forbids JSON texts to add, and
// many JSON readers refuse) or bytes that are not UTF-8, with where they
// are. It returns "" for UTF-8 text without a BOM.
func checkEncoding(raw []byte) string {
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		return "not valid GeoJSON: the file starts with a UTF-8 byte order mark (bytes EF BB BF at byte offset 0), which JSON does not allow: save it as UTF-8 without BOM"
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}), bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		return fmt.Sprintf("starts with a UTF-16 byte order mark (bytes % X at byte offset 0): the file is UTF-16; save it as UTF-8 without BOM", raw[:2])
	}
	if utf8.Valid(raw) {
		return ""
	}
	for i := 0; i < len(raw); {
		if raw[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size <= 1 {
			line := 1 + bytes.Count(raw[:i], []byte("\n"))
			col := 1 + utf8.RuneCount(raw[bytes.LastIndexByte(raw[:i], '\n')+1:i])
			return fmt.Sprintf("is not UTF-8 text: byte 0x%02X at byte offset %d (line %d, column %d) does not start a valid UTF-8 sequence; save the file as UTF-8", raw[i], i, line, col)
		}
		i += size
	}
	return ""
}

// idFromRaw digs the id out of a feature that did not decode, so its
// problem can name it.
func idFromRaw(b []byte) string {
	var probe struct {
		ID         any `json:"id"`
		Properties struct {
			ID any `json:"id"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(b, &probe) // fills what it can even when it fails
	if s, ok := probe.Properties.ID.(string); ok {
		return s
	}
	s, _ := probe.ID.(string)
	return s
}

// checkFeatureSyntax returns the first syntax error among the features.
func checkFeatureSyntax(raw []byte, spans []byteSpan) error {
	s := &jsonScanner{}
	for _, span := range spans {
		s.b, s.i = raw[span.start:span.end], 0
		_, err := s.skipValue(0)
		if err == nil && !s.atEnd() {
			err = s.syntax("invalid character %q after array element", s.b[s.i])
		}
		var syn *jsonSyntaxError
		if errors.As(err, &syn) {
			return &jsonSyntaxError{offset: span.start + syn.offset, msg: syn.msg}
		}
	}
	return nil
}

// parallelChunks splits [0, n) into chunks of the given size and works
// through them on as many goroutines as there are processors; newWorker
// makes each goroutine's function (with its own state).
func parallelChunks(n, size int, newWorker func() func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+size-1)/size)
	if workers <= 1 {
		if n > 0 {
			newWorker()(0, n)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := newWorker()
			for {
				lo := int(next.Add(int64(size))) - size
				if lo >= n {
					return
				}
				fn(lo, min(lo+size, n))
			}
		}()
	}
	wg.Wait()
}

// describeJSONError turns a decoding error into a message with a line number.
func describeJSONError(raw []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	offset := int64(-1)
	switch {
	case asError(err, &syn):
		offset = syn.Offset
	case asError(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || offset > int64(len(raw)) {
		return err.Error()
	}
	line := 1 + bytes.Count(raw[:offset], []byte("\n"))
	return fmt.Sprintf("line %d: %v", line, err)
}

// checker collects the problems of one feature.
type checker struct {
	file     string
	index    int
	id       string
	problems []Problem
}

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Index: c.index, ID: c.id, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) checkFeature(f *geojson.Feature, layerID string) {
	switch {
	case c.id == "":
		c.fail("has no string id (an \"id\" property or GeoJSON id member)")
	case !validSlug(c.id):
		c.fail("id %q is not a URL-safe slug (lowercase letters, digits, '-' and '_')", c.id)
	}
	if f.Geometry == nil {
		c.fail("has no geometry")
		return
	}
	standard := IsStandard(layerID)
	if standard {
		if types := GeometryTypes[layerID]; !contains(types, f.Geometry.GeoJSONType()) {
			c.fail("geometry is a %s; layer %s takes %s", f.Geometry.GeoJSONType(), layerID, strings.Join(types, " or "))
		}
		c.checkProperties(f.Properties, layerID)
	}
	c.checkGeometry(f.Geometry, standard)
}

// checkProperties enforces the planning layers' property schema.
func (c *checker) checkProperties(p geojson.Properties, layerID string) {
	for _, required := range [2][]string{CommonProperties, LayerProperties[layerID]} {
		for _, key := range required {
			if _, ok := p[key]; !ok {
				c.fail("property %q is missing (use null when unknown)", key)
			}
		}
	}
	str := func(key string, nullable bool) (string, bool) {
		v, present := p[key]
		if !present || (v == nil && nullable) {
			return "", false
		}
		s, ok := v.(string)
		if !ok {
			if v == nil {
				c.fail("property %q must not be null", key)
			} else {
				c.fail("property %q is %s, want a string", key, jsonKind(v))
			}
			return "", false
		}
		return s, true
	}
	vocab := func(key string, nullable bool, allowed []string) {
		if s, ok := str(key, nullable); ok && !contains(allowed, s) {
			c.fail("property %q is %q, want one of %s", key, s, strings.Join(allowed, ", "))
		}
	}
	str("id", false) // FeatureID may have fallen back on the GeoJSON id member
	if s, ok := str("name", false); ok && strings.TrimSpace(s) == "" {
		c.fail("property \"name\" is empty")
	}
	for _, key := range []string{"name_en", "city", "county", "source_doc", "placement_note"} {
		str(key, true)
	}
	vocab("kind", false, Kinds[layerID])
	vocab("status", true, Statuses)
	vocab("geometry_precision", false, Precisions)
	if s, ok := str("source_excerpt", true); ok && utf8.RuneCountInString(s) > MaxExcerptRunes {
		c.fail("property \"source_excerpt\" has %d characters, at most %d allowed", utf8.RuneCountInString(s), MaxExcerptRunes)
	}
	if v, ok := p["target_year"]; ok && v != nil {
		y, isNum := v.(float64)
		if !isNum || y != math.Trunc(y) || y < 1900 || y > 2100 {
			c.fail("property \"target_year\" is %v, want an integer year or null", v)
		}
	}
	switch layerID {
	case Corridors:
		vocab("mode", false, Modes)
	case Enclaves:
		str("home", false)
		str("host", false)
		if v, ok := p["home_point"]; ok && v != nil {
			if _, ok := HomePoint(p); !ok {
				c.fail("property \"home_point\" is %v, want [lon, lat] in range", v)
			}
		}
	}
}

// HomePoint reads an enclave's home_point property.
func HomePoint(p geojson.Properties) (orb.Point, bool) {
	arr, ok := p["home_point"].([]any)
	if !ok || len(arr) != 2 {
		return orb.Point{}, false
	}
	lon, ok1 := arr[0].(float64)
	lat, ok2 := arr[1].(float64)
	pt := orb.Point{lon, lat}
	if !ok1 || !ok2 || !pointInRange(pt) {
		return orb.Point{}, false
	}
	return pt, true
}

func jsonKind(v any) string {
	switch v.(type) {
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

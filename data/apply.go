package data

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb/geojson"
)

// MaxFeatureBytes bounds one feature's GeoJSON in a change.
const MaxFeatureBytes = 4 << 20

// planned is a batch of changes checked against a snapshot and ready to
// install: every store applies changes through Plan, so the rules are the
// same whatever keeps the data.
type Planned struct {
	Applied   []Applied
	Revisions []Revision
	// next is the snapshot the changes make.
	next *Snapshot
}

// Next returns the snapshot the planned changes make.
func (p *Planned) Next() *Snapshot { return p.next }

// Plan checks changes against snap — ids, If-Match versions, the same
// rules as planmap check — and computes the snapshot they make, numbering
// them from snap.Seq+1. Nothing is changed: the caller makes the changes
// durable, then installs Next. A failing change fails the batch with a
// *ChangeError.
func Plan(snap *Snapshot, actor string, now time.Time, changes []Change, matchBudget int64) (*Planned, error) {
	if len(changes) == 0 {
		return nil, fmt.Errorf("%w: no changes", ErrInvalid)
	}
	type state struct {
		feature *geojson.Feature
		enc     []byte
		version string
		exists  bool
	}
	// pending holds the newest state of every feature touched so far, so
	// a batch may change one feature twice.
	pending := map[string]*state{}
	pendingLayer := map[string]string{}
	current := func(layer, id string) *state {
		if st, ok := pending[id]; ok && pendingLayer[id] == layer {
			return st
		}
		lv := snap.Layer(layer)
		if r, ok := lv.Lookup(id); ok {
			return &state{feature: lv.Feature(r), enc: lv.Encoded(r), version: lv.FeatureVersion(r), exists: true}
		}
		return &state{}
	}
	usedElsewhere := func(layer, id string) bool {
		if st, ok := pending[id]; ok {
			return st.exists && pendingLayer[id] != layer
		}
		other, _, ok := snap.FindFeature(id)
		return ok && other.Meta.ID != layer
	}
	p := &Planned{}
	byLayer := map[string][]*entry{}
	seq := snap.Seq
	for i, ch := range changes {
		// The store keeps these strings; a caller's may be reused buffers
		// (fiber's path parameters are).
		ch.Layer, ch.ID, ch.IfMatch = strings.Clone(ch.Layer), strings.Clone(ch.ID), strings.Clone(ch.IfMatch)
		fail := func(err error, problems ...Problem) error {
			return &ChangeError{Index: i, Layer: ch.Layer, ID: ch.ID, Err: err, Problems: problems}
		}
		lv := snap.Layer(ch.Layer)
		if lv == nil {
			return nil, fail(fmt.Errorf("%w: no layer %q", ErrNotFound, ch.Layer))
		}
		id := ch.ID
		if ch.Op == OpCreate && id == "" {
			id = newFeatureID(ch.Layer)
		}
		if id != "" && !validSlug(id) {
			return nil, fail(fmt.Errorf("%w: id %q is not a URL-safe slug (lowercase letters, digits, '-' and '_')", ErrInvalid, id))
		}
		before := current(ch.Layer, id)
		var after *geojson.Feature
		switch ch.Op {
		case OpCreate:
			if before.exists || usedElsewhere(ch.Layer, id) {
				return nil, fail(fmt.Errorf("%w: %q", ErrExists, id))
			}
			after = ch.Feature
		case OpReplace, OpPatch, OpDelete:
			if !before.exists {
				return nil, fail(fmt.Errorf("%w: layer %s has no feature %q", ErrNotFound, ch.Layer, id))
			}
			if ch.IfMatch != "" && ch.IfMatch != "*" && ch.IfMatch != before.version {
				return nil, fail(fmt.Errorf("%w: feature %q is at version %s, not %s", ErrPrecondition, id, before.version, ch.IfMatch))
			}
			switch ch.Op {
			case OpReplace:
				after = ch.Feature
			case OpPatch:
				patched, err := mergePatchFeature(before.enc, ch.Patch)
				if err != nil {
					return nil, fail(fmt.Errorf("%w: %v", ErrInvalid, err))
				}
				after = patched
			}
		default:
			return nil, fail(fmt.Errorf("%w: unknown operation %q", ErrInvalid, ch.Op))
		}
		var enc []byte
		if after != nil {
			if err := setFeatureID(after, id); err != nil {
				return nil, fail(fmt.Errorf("%w: %v", ErrInvalid, err))
			}
			if problems := ValidateFeature(ch.Layer, after); len(problems) > 0 {
				return nil, fail(ErrInvalid, problems...)
			}
			enc = EncodeFeature(id, after)
			if len(enc) > MaxFeatureBytes {
				return nil, fail(fmt.Errorf("%w: the feature is %d bytes, at most %d", ErrInvalid, len(enc), MaxFeatureBytes))
			}
		}
		seq++
		e := newEntry(id, after, seq)
		byLayer[ch.Layer] = append(byLayer[ch.Layer], e)
		pending[id] = &state{feature: after, enc: enc, version: e.version, exists: after != nil}
		pendingLayer[id] = ch.Layer
		rev := Revision{Seq: seq, Time: now.UTC(), Actor: actor, Op: ch.Op, Layer: ch.Layer, ID: id, Version: e.version,
			Before: rawOrNull(before.enc), After: rawOrNull(enc)}
		p.Revisions = append(p.Revisions, rev)
		p.Applied = append(p.Applied, Applied{Seq: seq, Op: ch.Op, Layer: ch.Layer, ID: id, Version: e.version, Feature: after})
	}
	p.next = snap.withEntries(byLayer, seq, matchBudget)
	return p, nil
}

// withEntries makes the snapshot that lays entries over s's layers.
func (s *Snapshot) withEntries(byLayer map[string][]*entry, seq int64, matchBudget int64) *Snapshot {
	views := make([]*LayerView, len(s.layers))
	for i, lv := range s.layers {
		changed, ok := byLayer[lv.Meta.ID]
		if !ok {
			views[i] = lv
			continue
		}
		last := int64(0)
		for _, e := range changed {
			last = max(last, e.seq)
		}
		// The version names the base and the last change to the layer, so
		// replicas holding the same data agree on it whenever they indexed.
		views[i] = lv.withChanges(changed, fmt.Sprintf("%s.%d", lv.base.hash, last), matchBudget)
	}
	return newSnapshot(seq, s.Source, views)
}

// ReplayRevisions lays already durable revisions over s (journal replay,
// catching up from a database): each revision's After state wins.
func (s *Snapshot) ReplayRevisions(revs []Revision, matchBudget int64) (*Snapshot, error) {
	if len(revs) == 0 {
		return s, nil
	}
	byLayer := map[string][]*entry{}
	seq := s.Seq
	for _, r := range revs {
		if s.Layer(r.Layer) == nil {
			return nil, fmt.Errorf("data: change %d names layer %q, which the data does not have", r.Seq, r.Layer)
		}
		var f *geojson.Feature
		if len(r.After) > 0 && !bytes.Equal(r.After, []byte("null")) {
			var err error
			if f, err = geojson.UnmarshalFeature(r.After); err != nil {
				return nil, fmt.Errorf("data: change %d: %w", r.Seq, err)
			}
		}
		byLayer[r.Layer] = append(byLayer[r.Layer], newEntry(r.ID, f, r.Seq))
		seq = max(seq, r.Seq)
	}
	return s.withEntries(byLayer, seq, matchBudget), nil
}

func rawOrNull(b []byte) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(b)
}

// setFeatureID gives f the id: both the GeoJSON id member and, where the
// planning schema keeps it, the "id" property. A different id already in
// the feature is an error.
func setFeatureID(f *geojson.Feature, id string) error {
	if s, ok := f.ID.(string); ok && s != "" && s != id {
		return fmt.Errorf("the feature's id %q differs from %q", s, id)
	}
	if f.Properties == nil {
		f.Properties = geojson.Properties{}
	}
	if v, ok := f.Properties["id"]; ok && v != nil && v != id {
		return fmt.Errorf("the feature's id property %v differs from %q", v, id)
	}
	f.ID = id
	f.Properties["id"] = id
	return nil
}

func newFeatureID(layer string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := layer
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	return prefix + "-" + hex.EncodeToString(b[:])
}

// ValidateFeature checks one feature of a layer by the rules planmap check
// applies to a layer file's features.
func ValidateFeature(layer string, f *geojson.Feature) []Problem {
	fc := geojson.NewFeatureCollection()
	fc.Append(f)
	raw, err := json.Marshal(fc)
	if err != nil {
		return []Problem{{File: layer + ".geojson", Index: 0, Reason: "cannot be written as GeoJSON: " + err.Error()}}
	}
	_, problems := ValidateLayer(layer+".geojson", layer, raw)
	return problems
}

// mergePatchFeature applies an RFC 7396 merge patch to a feature's GeoJSON.
func mergePatchFeature(enc []byte, patch json.RawMessage) (*geojson.Feature, error) {
	var doc any
	if err := json.Unmarshal(enc, &doc); err != nil {
		return nil, fmt.Errorf("reading the stored feature: %w", err)
	}
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, fmt.Errorf("the merge patch is not JSON: %v", err)
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, fmt.Errorf("the merge patch must be a JSON object")
	}
	merged := MergePatch(doc, p)
	m := merged.(map[string]any)
	if t, ok := m["type"]; !ok || t != "Feature" {
		return nil, fmt.Errorf("the patched document's type must stay \"Feature\"")
	}
	raw, err := json.Marshal(merged)
	if err != nil {
		return nil, err
	}
	f, err := geojson.UnmarshalFeature(raw)
	if err != nil {
		return nil, fmt.Errorf("the patched feature is not valid GeoJSON: %v", err)
	}
	return f, nil
}

// MergePatch applies an RFC 7396 JSON merge patch to a decoded JSON value.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	} else {
		clone := make(map[string]any, len(t))
		for k, v := range t {
			clone[k] = v
		}
		t = clone
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = MergePatch(t[k], v)
	}
	return t
}

package data

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data/cql2"
	"github.com/planmap/planmap/geo"
)

// Snapshot is one immutable version of every layer. Readers take the
// store's current snapshot once per request and read only from it, so a
// request sees one version from start to end while changes install the
// next.
type Snapshot struct {
	// Seq is the number of the last change this snapshot includes (0 for
	// data as loaded).
	Seq int64
	// Version identifies the data: it changes whenever any feature does and
	// is the same on every replica holding the same data.
	Version string
	// Source says where the data came from.
	Source string
	layers []*LayerView
	byID   map[string]*LayerView

	datasetOnce sync.Once
	dataset     *Dataset
}

// Layers returns every layer in display order.
func (s *Snapshot) Layers() []*LayerView { return s.layers }

// Layer returns the layer with the given id, or nil.
func (s *Snapshot) Layer(id string) *LayerView { return s.byID[id] }

// LayerIDs returns the layer ids in display order.
func (s *Snapshot) LayerIDs() []string {
	ids := make([]string, len(s.layers))
	for i, l := range s.layers {
		ids[i] = l.Meta.ID
	}
	return ids
}

// FindFeature returns the layer holding the feature with the given id.
func (s *Snapshot) FindFeature(id string) (*LayerView, Ref, bool) {
	for _, l := range s.layers {
		if r, ok := l.Lookup(id); ok {
			return l, r, true
		}
	}
	return nil, 0, false
}

// Dataset returns the snapshot's features as a Dataset, built on first use:
// the form whole-dataset consumers (the name index, the analysis) read.
// Building it costs one pass over every feature of a changed layer.
func (s *Snapshot) Dataset() *Dataset {
	s.datasetOnce.Do(func() {
		ds := &Dataset{Version: s.Version, Source: s.Source}
		for _, l := range s.layers {
			ds.Layers = append(ds.Layers, l.Materialize())
		}
		s.dataset = ds
	})
	return s.dataset
}

// Ref names one feature of a LayerView: refs below the base's length are
// base positions, the others entries of the view's overlay. A ref is valid
// only in the view it came from.
type Ref int32

// LayerView is one version of a layer: an immutable base, indexed once,
// and an overlay of the features changed since, which is small. A change
// makes a new view sharing the base; so a change costs the overlay's size,
// not the layer's (see Store).
type LayerView struct {
	// Meta is the layer's metadata. Its Features are the base's: read the
	// view's features through its methods.
	Meta    *Layer
	base    *layerBase
	over    *overlay
	version string
	matches *matchCache

	orderOnce sync.Once
	order     []Ref // every live ref in order, when the overlay is not empty

	materialOnce sync.Once
	material     *Layer
}

// layerBase is a layer as loaded, indexed.
type layerBase struct {
	meta     *Layer
	features []*geojson.Feature
	index    *geo.Index
	ids      []string
	byID     map[string]int32
	props    map[string]bool
	encoded  []atomic.Pointer[[]byte]
	versions []atomic.Pointer[string]
	hash     string
	// names is the base's name index, built on first search
	// (search_view.go).
	names baseNames
}

// overlay holds the features changed since the base was built. It is
// never changed after it is made: a change copies it.
type overlay struct {
	// entries by feature id; a nil feature is a deletion.
	entries map[string]*entry
	// live holds the entries with a feature, in rank order.
	live []*entry
	// hidden marks base positions replaced or deleted by an entry.
	hidden []uint64
	// nextRank orders features created since the base after all others.
	nextRank int64
	props    map[string]bool
	bound    orb.Bound
	hasBound bool
}

// entry is one changed feature.
type entry struct {
	id      string
	rank    int64
	feature *geojson.Feature
	version string
	encoded []byte
	seq     int64
	bound   orb.Bound
}

// newLayerBase indexes l; ids holds the feature ids of the layers whose
// ids are known already (nil: none are). asLoaded says that l's features
// are as the loader read them, unchanged since, so that what it derived
// from them as it read them (ids, property names) holds; a caller may
// have changed a dataset it was handed in place.
func newLayerBase(l *Layer, ids map[*Layer]*layerIDs, asLoaded bool) *layerBase {
	feats := l.Features.Features
	if !asLoaded {
		ids = nil
	}
	if p := l.decodedProps(); asLoaded && p != nil && p.byID != nil {
		// the binary snapshot's decoding found them (binsnap.go)
		return &layerBase{meta: l, features: feats, index: l.spatialIndex(), ids: p.ids, byID: p.byID, props: p.names,
			encoded: make([]atomic.Pointer[[]byte], len(feats)), versions: make([]atomic.Pointer[string], len(feats))}
	}
	b := &layerBase{
		meta:     l,
		features: feats,
		ids:      featureIDs(l, ids),
		byID:     make(map[string]int32, len(feats)),
		props:    map[string]bool{},
		encoded:  make([]atomic.Pointer[[]byte], len(feats)),
		versions: make([]atomic.Pointer[string], len(feats)),
	}
	// The spatial index is built beside the id map: at the end of a
	// load the largest layer's base is what the other processors wait
	// for.
	indexed := make(chan struct{})
	go func() {
		defer close(indexed)
		b.index = l.spatialIndex()
	}()
	var known map[string]bool
	if asLoaded {
		known = l.propertyNames()
	}
	if known != nil {
		b.props = known
	}
	for i, id := range b.ids {
		b.byID[id] = int32(i)
	}
	if known == nil {
		for _, f := range feats {
			for k := range f.Properties {
				b.props[k] = true
			}
		}
	}
	<-indexed
	return b
}

func newView(base *layerBase, over *overlay, version string, matchBudget int64) *LayerView {
	meta := *base.meta
	return &LayerView{Meta: &meta, base: base, over: over, version: version, matches: newMatchCache(max(matchBudget, 0))}
}

// Version identifies this version of the layer.
func (l *LayerView) Version() string { return l.version }

// Len returns the number of features.
func (l *LayerView) Len() int {
	if l.over == nil {
		return len(l.base.features)
	}
	return len(l.base.features) - l.hiddenCount() + len(l.over.live)
}

func (l *LayerView) hiddenCount() int {
	n := 0
	for _, e := range l.over.entries {
		if _, ok := l.base.byID[e.id]; ok {
			n++
		}
	}
	return n
}

// Lookup finds a feature by id.
func (l *LayerView) Lookup(id string) (Ref, bool) {
	if l.over != nil {
		if e, ok := l.over.entries[id]; ok {
			if e.feature == nil {
				return 0, false
			}
			i, _ := slices.BinarySearchFunc(l.over.live, e.rank, func(x *entry, r int64) int { return cmpInt64(x.rank, r) })
			return Ref(len(l.base.features) + i), true
		}
	}
	i, ok := l.base.byID[id]
	return Ref(i), ok
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Feature returns the feature a ref names. It is shared: do not change it.
func (l *LayerView) Feature(r Ref) *geojson.Feature {
	if n := len(l.base.features); int(r) >= n {
		return l.over.live[int(r)-n].feature
	}
	return l.base.features[r]
}

// ID returns the id of the feature a ref names.
func (l *LayerView) ID(r Ref) string {
	if n := len(l.base.features); int(r) >= n {
		return l.over.live[int(r)-n].id
	}
	return l.base.ids[r]
}

// Encoded returns the feature's GeoJSON (EncodeFeature), written once. The
// bytes are shared: do not change them.
func (l *LayerView) Encoded(r Ref) []byte {
	if n := len(l.base.features); int(r) >= n {
		return l.over.live[int(r)-n].encoded
	}
	if cached := l.base.encoded[r].Load(); cached != nil {
		return *cached
	}
	enc := EncodeFeature(l.base.ids[r], l.base.features[r])
	l.base.encoded[r].Store(&enc)
	return enc
}

// EncodeAll makes sure every ref's encoded form (Encoded) is made,
// encoding the ones not made yet on up to workers goroutines: the first
// request for a page of large features then takes the encoding's wall
// time divided among the cores.
func (l *LayerView) EncodeAll(refs []Ref, workers int) {
	n := len(l.base.features)
	var missing []Ref
	for _, r := range refs {
		if int(r) < n && l.base.encoded[r].Load() == nil {
			missing = append(missing, r)
		}
	}
	workers = min(workers, len(missing)/minEncodeBatch)
	if workers <= 1 {
		for _, r := range missing {
			l.Encoded(r)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for i := next.Add(1) - 1; i < int64(len(missing)); i = next.Add(1) - 1 {
			l.Encoded(missing[i])
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// minEncodeBatch is the fewest features worth a goroutine of EncodeAll's.
const minEncodeBatch = 8

// FeatureVersion returns the version of the feature a ref names: a hash of
// its encoded form, so the same content has the same version everywhere.
func (l *LayerView) FeatureVersion(r Ref) string {
	if n := len(l.base.features); int(r) >= n {
		return l.over.live[int(r)-n].version
	}
	if v := l.base.versions[r].Load(); v != nil {
		return *v
	}
	v := ContentVersion(l.Encoded(r))
	l.base.versions[r].Store(&v)
	return v
}

// ContentVersion is the version of a feature whose encoded form is enc.
func ContentVersion(enc []byte) string {
	sum := sha256.Sum256(enc)
	return hex.EncodeToString(sum[:8])
}

// HasProperty reports whether any feature has the property.
func (l *LayerView) HasProperty(name string) bool {
	return l.base.props[name] || (l.over != nil && l.over.props[name])
}

// PropertyNames returns every property any feature has, sorted.
func (l *LayerView) PropertyNames() []string {
	set := map[string]bool{}
	for k := range l.base.props {
		set[k] = true
	}
	if l.over != nil {
		for k := range l.over.props {
			set[k] = true
		}
	}
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Bound returns an envelope of every feature (it may be larger than the
// features' after deletions).
func (l *LayerView) Bound() orb.Bound {
	b := l.base.index.Bound()
	if l.over != nil && l.over.hasBound {
		if len(l.base.features) == 0 {
			return l.over.bound
		}
		b = b.Union(l.over.bound)
	}
	return b
}

// Base returns the base's features and index, and a mask of the base
// positions the overlay hides, with the overlay's live features: what the
// tiler needs to serve this version incrementally.
func (l *LayerView) Base() (base *Layer, index *geo.Index, hidden []uint64, added []*geojson.Feature) {
	if l.over == nil {
		return l.base.meta, l.base.index, nil, nil
	}
	added = make([]*geojson.Feature, len(l.over.live))
	for i, e := range l.over.live {
		added[i] = e.feature
	}
	return l.base.meta, l.base.index, l.over.hidden, added
}

// Refs returns every feature's ref in order.
func (l *LayerView) Refs() []Ref {
	if l.over == nil {
		refs := make([]Ref, len(l.base.features))
		for i := range refs {
			refs[i] = Ref(i)
		}
		return refs
	}
	return l.allOrdered()
}

// At returns the ref of the i-th feature in order (0 <= i < Len()).
func (l *LayerView) At(i int) Ref {
	if l.over == nil {
		return Ref(i)
	}
	return l.allOrdered()[i]
}

func (l *LayerView) allOrdered() []Ref {
	l.orderOnce.Do(func() {
		n := len(l.base.features)
		refs := make([]Ref, 0, l.Len())
		oi := 0
		for i := 0; i < n; i++ {
			if l.isHidden(i) {
				continue
			}
			for oi < len(l.over.live) && l.over.live[oi].rank < int64(i) {
				refs = append(refs, Ref(n+oi))
				oi++
			}
			refs = append(refs, Ref(i))
		}
		for ; oi < len(l.over.live); oi++ {
			refs = append(refs, Ref(n+oi))
		}
		l.order = refs
	})
	return l.order
}

func (l *LayerView) isHidden(i int) bool {
	return l.over != nil && l.over.hidden[i>>6]&(1<<(uint(i)&63)) != 0
}

// rank orders refs: base features by position, overlay entries by rank
// (a replaced feature keeps its base position's rank).
func (l *LayerView) rank(r Ref) int64 {
	if n := len(l.base.features); int(r) >= n {
		return l.over.live[int(r)-n].rank
	}
	return int64(r)
}

// Materialize returns the view as a Layer whose Features are this
// version's, in order. It is built once per view.
func (l *LayerView) Materialize() *Layer {
	l.materialOnce.Do(func() {
		if l.over == nil {
			l.material = l.base.meta
			return
		}
		m := *l.base.meta
		fc := geojson.NewFeatureCollection()
		for _, r := range l.allOrdered() {
			fc.Features = append(fc.Features, l.Feature(r))
		}
		m.Features = fc
		l.material = &m
	})
	return l.material
}

// Query selects features of a layer. The zero value selects every
// feature in order.
type Query struct {
	// BBoxes: a feature matches when its geometry meets any of them (two
	// boxes for one crossing the antimeridian).
	BBoxes []orb.Bound
	// Years keeps features whose target_year lies in the range.
	Years *YearRange
	// YearIn keeps features whose target_year is one of these.
	YearIn []int
	// Equals keeps features whose property equals one of the strings.
	Equals map[string][]string
	// Filter, when set, must match too: a CQL2 expression, evaluated here
	// in memory and translated to SQL by a database store. FilterKey is
	// its canonical text (the match cache key).
	Filter    *cql2.Expr
	FilterKey string
	// SortBy orders the matches; the default is the layer's order.
	SortBy []SortKey
}

// YearRange is an inclusive range of years.
type YearRange struct{ From, To int }

// Contains reports whether y lies in the range.
func (r YearRange) Contains(y int) bool { return y >= r.From && y <= r.To }

// SortKey is one sortby term.
type SortKey struct {
	Property   string
	Descending bool
}

// Selects reports whether the query narrows or reorders the layer.
func (q *Query) Selects() bool {
	return q.BBoxes != nil || q.filtersProperties() || q.SortBy != nil
}

func (q *Query) filtersProperties() bool {
	return q.Years != nil || q.YearIn != nil || len(q.Equals) > 0 || q.Filter != nil
}

// Key is the canonical form of what selects and orders the matches.
func (q *Query) Key() string {
	var b strings.Builder
	for _, bb := range q.BBoxes {
		fmt.Fprintf(&b, "|bbox:%v,%v,%v,%v", bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1])
	}
	if q.Years != nil {
		fmt.Fprintf(&b, "|years:%d,%d", q.Years.From, q.Years.To)
	}
	if q.YearIn != nil {
		years := slices.Clone(q.YearIn)
		slices.Sort(years)
		fmt.Fprintf(&b, "|target_year:%v", years)
	}
	keys := make([]string, 0, len(q.Equals))
	for k := range q.Equals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		values := slices.Clone(q.Equals[k])
		sort.Strings(values)
		fmt.Fprintf(&b, "|%s=%q", k, values)
	}
	if q.Filter != nil {
		fmt.Fprintf(&b, "|filter:%s", q.FilterKey)
	}
	for _, s := range q.SortBy {
		fmt.Fprintf(&b, "|sort:%s,%v", s.Property, s.Descending)
	}
	return b.String()
}

// Select returns the refs of every feature q selects, in order, from the
// layer's match cache when the same selection was asked before: a client
// paging through next links asks the same query once per page. With no
// selection it returns nil: every feature matches, in order.
func (l *LayerView) Select(q *Query) []Ref {
	if !q.Selects() {
		return nil
	}
	key := q.Key()
	if m, ok := l.matches.get(key); ok {
		return m
	}
	found := l.match(q, nil)
	l.matches.put(key, found)
	return found
}

// SelectPage returns how many features q selects and the refs of the
// page of them from offset, at most limit, in order (appended to dst):
// what an items request needs. With the match cache on, it reads the
// cached selection (Select); with it off, the selection is made in a
// pooled buffer, and only the page is copied out, so a request allocates
// nothing in proportion to its matches.
func (l *LayerView) SelectPage(q *Query, offset, limit int, dst []Ref) (matched int, page []Ref) {
	if !q.Selects() {
		matched = l.Len()
		for i := offset; i < min(offset+limit, matched); i++ {
			dst = append(dst, l.At(i))
		}
		return matched, dst
	}
	if l.matches.budget <= 0 && len(q.BBoxes) > 0 && q.Filter == nil && !q.filtersProperties() && q.SortBy == nil &&
		(l.over == nil || len(l.over.live) == 0) {
		return l.boxPage(q.BBoxes, offset, limit, dst)
	}
	var sel []Ref
	if l.matches.budget > 0 {
		sel = l.Select(q)
	} else {
		buf, _ := refBuffers.Get().(*[]Ref)
		if buf == nil {
			buf = new([]Ref)
		}
		sel = l.match(q, (*buf)[:0])
		defer func() {
			*buf = sel[:0]
			refBuffers.Put(buf)
		}()
	}
	start := min(offset, len(sel))
	end := min(start+limit, len(sel))
	return len(sel), append(dst, sel[start:end]...)
}

// boxPage is SelectPage for a query of boxes alone on a view whose
// overlay (if any) only hides base features: the index counts the matches
// and picks the page without listing every match (geo.Index.QueryPage).
func (l *LayerView) boxPage(boxes []orb.Bound, offset, limit int, dst []Ref) (matched int, page []Ref) {
	var hidden []uint64
	if l.over != nil {
		hidden = l.over.hidden
	}
	hitBuf, _ := hitBuffers.Get().(*[]int)
	if hitBuf == nil {
		hitBuf = new([]int)
	}
	matched, hits := l.base.index.QueryPage(boxes, offset, limit, hidden, (*hitBuf)[:0])
	for _, i := range hits {
		dst = append(dst, Ref(i))
	}
	*hitBuf = hits[:0]
	hitBuffers.Put(hitBuf)
	return matched, dst
}

// refBuffers and hitBuffers hold the scratch slices of uncached matching.
var (
	refBuffers sync.Pool // *[]Ref
	hitBuffers sync.Pool // *[]int
)

// match answers q from the base's index and the overlay, appending the
// refs to candidates (which may be a scratch buffer) and returning it.
func (l *LayerView) match(q *Query, candidates []Ref) []Ref {
	n := len(l.base.features)
	boxes := q.BBoxes
	if q.Filter != nil {
		// Every feature the filter matches meets its bounds: search the
		// index with them (within the bbox parameter's, when both).
		if fb, ok := q.Filter.Bounds(); ok {
			if boxes == nil {
				boxes = []orb.Bound{fb}
			} else {
				var both []orb.Bound
				for _, b := range boxes {
					if b.Intersects(fb) {
						both = append(both, orb.Bound{
							Min: orb.Point{max(b.Min[0], fb.Min[0]), max(b.Min[1], fb.Min[1])},
							Max: orb.Point{min(b.Max[0], fb.Max[0]), min(b.Max[1], fb.Max[1])},
						})
					}
				}
				if both == nil {
					return []Ref{}
				}
				boxes = both
			}
		}
	}
	switch {
	case len(boxes) > 0:
		hitBuf, _ := hitBuffers.Get().(*[]int)
		if hitBuf == nil {
			hitBuf = new([]int)
		}
		hits := (*hitBuf)[:0]
		for _, b := range boxes {
			hits = l.base.index.Query(b, hits)
		}
		if len(boxes) > 1 {
			slices.Sort(hits)
			hits = slices.Compact(hits)
		}
		if candidates == nil {
			candidates = make([]Ref, 0, len(hits))
		}
		for _, i := range hits {
			if !l.isHidden(i) {
				candidates = append(candidates, Ref(i))
			}
		}
		*hitBuf = hits[:0]
		hitBuffers.Put(hitBuf)
		if l.over != nil && len(l.over.live) > 0 {
			for oi, e := range l.over.live {
				if e.feature.Geometry == nil {
					continue
				}
				for _, b := range boxes {
					if e.bound.Intersects(b) && geo.IntersectsBound(e.feature.Geometry, b) {
						candidates = append(candidates, Ref(n+oi))
						break
					}
				}
			}
			l.sortByRank(candidates)
		}
	default:
		candidates = append(candidates, l.Refs()...)
	}
	if q.filtersProperties() {
		kept := candidates[:0]
		for _, r := range candidates {
			if keep(l.Feature(r), q) {
				kept = append(kept, r)
			}
		}
		candidates = kept
	}
	if len(q.SortBy) > 0 {
		sort.SliceStable(candidates, func(a, b int) bool {
			pa, pb := l.Feature(candidates[a]).Properties, l.Feature(candidates[b]).Properties
			for _, k := range q.SortBy {
				c := CompareValues(pa[k.Property], pb[k.Property])
				if c == 0 {
					continue
				}
				nullInvolved := pa[k.Property] == nil || pb[k.Property] == nil
				if k.Descending && !nullInvolved {
					c = -c
				}
				return c < 0
			}
			return false
		})
	}
	return candidates
}

func (l *LayerView) sortByRank(refs []Ref) {
	slices.SortFunc(refs, func(a, b Ref) int { return cmpInt64(l.rank(a), l.rank(b)) })
}

func keep(f *geojson.Feature, q *Query) bool {
	p := f.Properties
	if q.Years != nil {
		y, ok := TargetYear(p)
		if !ok || !q.Years.Contains(y) {
			return false
		}
	}
	if q.YearIn != nil {
		y, ok := TargetYear(p)
		if !ok || !slices.Contains(q.YearIn, y) {
			return false
		}
	}
	for key, values := range q.Equals {
		s, ok := p[key].(string)
		if !ok || !slices.Contains(values, s) {
			return false
		}
	}
	if q.Filter != nil && !q.Filter.Match(cql2.FromGeoJSON(f)) {
		return false
	}
	return true
}

// TargetYear reads a feature's target_year as an integer.
func TargetYear(p geojson.Properties) (int, bool) {
	f, ok := p["target_year"].(float64)
	if !ok || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

// CompareValues orders two property values: numbers before strings before
// booleans, and null last whatever the direction.
func CompareValues(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case float64:
			return 0
		case string:
			return 1
		case bool:
			return 2
		case nil:
			return 4
		}
		return 3
	}
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	}
	return 0
}

// withChanges returns a new view of l with the given entries (the newest
// state of each changed feature) laid over it. Cost: a copy of the
// overlay and of the hidden mask (one bit per base feature).
func (l *LayerView) withChanges(changed []*entry, version string, matchBudget int64) *LayerView {
	n := len(l.base.features)
	over := &overlay{entries: map[string]*entry{}, props: map[string]bool{}, nextRank: int64(n)}
	if l.over != nil {
		over.entries = make(map[string]*entry, len(l.over.entries)+len(changed))
		for k, v := range l.over.entries {
			over.entries[k] = v
		}
		over.nextRank = l.over.nextRank
		over.hidden = slices.Clone(l.over.hidden)
	} else {
		over.hidden = make([]uint64, (n+63)/64)
	}
	for _, e := range changed {
		if prev, ok := over.entries[e.id]; ok {
			e.rank = prev.rank
		} else if i, ok := l.base.byID[e.id]; ok {
			e.rank = int64(i)
			over.hidden[i>>6] |= 1 << (uint(i) & 63)
		} else {
			e.rank = over.nextRank
			over.nextRank++
		}
		over.entries[e.id] = e
	}
	for _, e := range over.entries {
		if e.feature == nil {
			continue
		}
		over.live = append(over.live, e)
		for k := range e.feature.Properties {
			over.props[k] = true
		}
		if e.feature.Geometry != nil {
			if !over.hasBound {
				over.bound, over.hasBound = e.bound, true
			} else {
				over.bound = over.bound.Union(e.bound)
			}
		}
	}
	slices.SortFunc(over.live, func(a, b *entry) int { return cmpInt64(a.rank, b.rank) })
	return newView(l.base, over, version, matchBudget)
}

// overlaySize is the number of changed features the view carries.
func (l *LayerView) overlaySize() int {
	if l.over == nil {
		return 0
	}
	return len(l.over.entries)
}

func newEntry(id string, f *geojson.Feature, seq int64) *entry {
	e := &entry{id: id, feature: f, seq: seq}
	if f != nil {
		e.encoded = EncodeFeature(id, f)
		e.version = ContentVersion(e.encoded)
		if f.Geometry != nil {
			e.bound = f.Geometry.Bound()
		}
	}
	return e
}

// newSnapshot builds a snapshot from layer views and computes its version.
func newSnapshot(seq int64, source string, views []*LayerView) *Snapshot {
	s := &Snapshot{Seq: seq, Source: source, layers: views, byID: make(map[string]*LayerView, len(views))}
	h := sha256.New()
	for _, v := range views {
		s.byID[v.Meta.ID] = v
		fmt.Fprintf(h, "%s=%s;", v.Meta.ID, v.version)
	}
	s.Version = hex.EncodeToString(h.Sum(nil))[:16]
	return s
}

// NewSnapshot indexes a dataset as a snapshot with no changes. Its
// features may have been changed in place since it was loaded: the ids and
// property names the loader noted as it read them are not used.
func NewSnapshot(ds *Dataset, matchBudget int64) *Snapshot {
	return snapshotOf(ds, matchBudget, false)
}

// snapshotOf is NewSnapshot; asLoaded says that ds is as LoadWith or the
// binary snapshot made it, so what they derived as they read it holds.
func snapshotOf(ds *Dataset, matchBudget int64, asLoaded bool) *Snapshot {
	views := make([]*LayerView, len(ds.Layers))
	var wg sync.WaitGroup
	for i, l := range ds.Layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newLayerBase(l, ds.ids, asLoaded)
			b.hash = l.Hash
			if b.hash == "" {
				b.hash = layerHash(ds.Version, l.ID)
			}
			version := b.hash
			if l.Seq > 0 {
				version = fmt.Sprintf("%s.%d", b.hash, l.Seq)
			}
			views[i] = newView(b, nil, version, matchBudget)
		}()
	}
	wg.Wait()
	s := newSnapshot(0, ds.Source, views)
	return s
}

func layerHash(datasetVersion, layer string) string {
	sum := sha256.Sum256([]byte(datasetVersion + "/" + layer))
	return hex.EncodeToString(sum[:8])
}

// SameBase reports whether two views share their indexed base.
func (l *LayerView) SameBase(o *LayerView) bool { return o != nil && l.base == o.base }

// BaseVersion identifies the view's base.
func (l *LayerView) BaseVersion() string { return l.base.hash }

// ChangedBounds returns the envelopes of every feature that differs
// between prev and l, before and after (with an enclave's home point), for
// invalidating what was derived from the area. ok is false when the two do
// not share a base, and everything must be taken as changed.
func (l *LayerView) ChangedBounds(prev *LayerView) (bounds []orb.Bound, ok bool) {
	if !l.SameBase(prev) {
		return nil, false
	}
	if l == prev || l.over == nil {
		return nil, true
	}
	add := func(f *geojson.Feature) {
		if f == nil || f.Geometry == nil {
			return
		}
		b := f.Geometry.Bound()
		if home, ok := HomePoint(f.Properties); ok {
			b = b.Extend(home)
		}
		bounds = append(bounds, b)
	}
	for id, e := range l.over.entries {
		if prev.over != nil && prev.over.entries[id] == e {
			continue
		}
		add(e.feature)
		if r, ok := prev.Lookup(id); ok {
			add(prev.Feature(r))
		}
	}
	return bounds, true
}

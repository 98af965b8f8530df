package data

import (
	"bytes"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"github.com/paulmach/orb/geojson"
)

// SearchField names the form of a feature's name that a query matched.
type SearchField string

// The forms of a name a NameIndex searches, strongest first.
const (
	// FieldName is the Chinese name, folded to simplified characters.
	FieldName SearchField = "name"
	// FieldNameEn is the English name.
	FieldNameEn SearchField = "name_en"
	// FieldPinyin is the Chinese name's pinyin without tones or spaces
	// ("wenzhougang"), one entry per plausible reading of its heteronyms.
	FieldPinyin SearchField = "pinyin"
	// FieldInitials is the first letter of each syllable ("wzg").
	FieldInitials SearchField = "pinyin_initials"
	// FieldID is the feature id.
	FieldID SearchField = "id"
)

var searchFields = [...]SearchField{FieldName, FieldNameEn, FieldPinyin, FieldInitials, FieldID}

// fieldWeight ranks the fields: a Chinese-name match beats an English one,
// which beats pinyin, initials and finally the id.
var fieldWeight = [...]int{100, 90, 85, 70, 60}

// Score bonuses for where in a name the query matched.
const (
	scoreExact     = 40 // the query is the whole name
	scorePrefix    = 20 // the name starts with the query
	scoreWordStart = 10 // an English word starts with the query
	// scoreWordsAnyOrder is the English-name score when every word of a
	// query of several words starts a word of the name, in any order and
	// with others between ("wenzhou port" finds "Wenzhou Port Logistics
	// Park"): below a match of the whole query, above pinyin. When those
	// words are all the name has, but for "of", "the" and "and", it is the
	// whole name in another order ("wenzhou port" is "Port of Wenzhou")
	// and scores just below an exact match.
	scoreWordsAnyOrder = 87
	scoreWordsWhole    = 90 + scoreExact - 1
)

// englishStopWords are left out when deciding whether a query's words make
// up a whole English name.
var englishStopWords = map[string]bool{"of": true, "the": true, "and": true}

// maxReadings bounds how many pinyin spellings one name is indexed under
// when its characters have several readings (乐清 is yueqing, not leqing).
const maxReadings = 8

// SearchHit is one feature a query found.
type SearchHit struct {
	// Layer is the feature's layer and Index its position in it (in the
	// layer view's order, for an index of a snapshot, whose Layer is the
	// view's Meta); Feature is the feature.
	Layer   *Layer
	Index   int
	Feature *geojson.Feature
	// Field is the name form that matched best, and Score how well (higher
	// is better; only the order means something).
	Field SearchField
	Score int
}

// SearchOptions narrows a search.
type SearchOptions struct {
	// Limit is the most hits returned; 0 or less means 10.
	Limit int
	// Layers restricts the search to these layer ids; empty means all.
	Layers []string
}

// haystack holds one name form of every feature, separated by NUL bytes,
// so one substring scan over a contiguous string searches all of them.
type haystack struct {
	text    strings.Builder
	offsets []int32 // offsets[e] is where entry e starts in text
	owners  []int32 // owners[e] is entry e's feature (global number)
}

func (h *haystack) add(owner int32, entry string) {
	if entry == "" {
		return
	}
	if h.text.Len() > 0 {
		h.text.WriteByte(0)
	}
	h.offsets = append(h.offsets, int32(h.text.Len()))
	h.owners = append(h.owners, owner)
	h.text.WriteString(entry)
}

// NameIndex finds the features of a dataset by name: simplified or
// traditional Chinese, English, pinyin (full or initials) or id. It is
// immutable and safe for concurrent use.
//
// Each layer's names are indexed on their own (a layerNames): every name
// form of every feature, folded, in one text per form, with postings of
// the trigrams (and, for initials, bigrams) of each form, so a query
// checks only the features holding its two rarest grams: its cost grows
// with how many features could match, not with the dataset. A query
// shorter than a gram, or whose rarest gram is in more than half the
// layer's features, is answered by a scan of the text, as every query
// once was; either way the hits, scores and order are the scan's.
// NewNameIndexFrom reuses the layers that did not change, and, for a
// changed layer, the folded names and pinyin of the features that did
// not. NewSnapshotNameIndex indexes a snapshot's layer views as their
// base (indexed once, with the replaced and deleted features masked) and
// a small index of the overlay's features, so a change costs O(changed).
type NameIndex struct {
	layers []*Layer
	// segs are the indexed parts, in layer order: one per layer for a
	// Dataset, a base and an overlay per changed layer view.
	segs []nameSegment
	// total is the number of features of all segments (global numbers).
	total int
	pool  sync.Pool // of *searchScratch
	cache *answerCache
}

// nameSegment is one layerNames searched as part of a layer.
type nameSegment struct {
	names *layerNames
	// layer is the layer's position in NameIndex.layers.
	layer int
	// start is the global number of the segment's first feature.
	start int32
	// hidden masks features (by index in names) that a search skips: the
	// base features an overlay replaced or deleted. nil: none.
	hidden []uint64
	// view, when set, is the layer view the segment is part of, and
	// overlay says whether the segment holds its overlay's features.
	view    *LayerView
	overlay bool
}

// rank orders the segment's feature i among its layer's features.
func (s *nameSegment) rank(i int) int64 {
	if s.overlay {
		return s.view.over.live[i].rank
	}
	return int64(i)
}

// masked reports whether feature i of the segment is hidden.
func (s *nameSegment) masked(i int32) bool {
	return s.hidden != nil && s.hidden[i>>6]&(1<<(uint(i)&63)) != 0
}

// feature returns the segment's feature i.
func (s *nameSegment) feature(i int) *geojson.Feature {
	return s.names.layer.Features.Features[i]
}

// position returns feature i's position in its layer's order.
func (s *nameSegment) position(i int) int {
	if s.view == nil || s.view.over == nil {
		return i
	}
	over := s.view.over
	n := len(s.view.base.features)
	visibleBefore := func(r int) int { // base features before position r not hidden
		r = min(r, n)
		hiddenBefore := 0
		for w := 0; w < r>>6; w++ {
			hiddenBefore += bits.OnesCount64(over.hidden[w])
		}
		if rem := uint(r) & 63; rem > 0 {
			hiddenBefore += bits.OnesCount64(over.hidden[r>>6] & (1<<rem - 1))
		}
		return r - hiddenBefore
	}
	if s.overlay {
		return visibleBefore(int(over.live[i].rank)) + i
	}
	liveBefore, _ := slices.BinarySearchFunc(over.live, int64(i), func(e *entry, r int64) int { return cmpInt64(e.rank, r) })
	return visibleBefore(i) + liveBefore
}

// layerNames is one layer's name index, shared by every NameIndex whose
// dataset holds the same *Layer.
type layerNames struct {
	layer *Layer
	// texts[f] holds every entry of field f, NUL-separated; offsets[f][e]
	// is where entry e starts, owners[f][e] its feature (index in the
	// layer), and firstEntry[f][i] the first entry of feature i (with
	// one more at the end), so a rebuild can copy a feature's entries.
	texts      [len(searchFields)][]byte
	offsets    [len(searchFields)][]int32
	owners     [len(searchFields)][]int32
	firstEntry [len(searchFields)][]int32
	trigrams   [len(searchFields)]*ngramIndex
	// bigrams index the initials, whose queries are often two letters.
	bigrams  *ngramIndex
	nameLens []int32
}

// NewNameIndex indexes the names of every feature of ds.
func NewNameIndex(ds *Dataset) *NameIndex { return NewNameIndexFrom(nil, ds) }

// NewNameIndexFrom indexes ds, reusing what prev (which may be nil)
// already indexed: a layer prev indexed (the same *Layer) costs nothing,
// and in a layer of the same id the features prev indexed (the same
// *geojson.Feature) are copied rather than folded and spelled in pinyin
// again, so a change costs a copy of the changed layer's names and its
// n-gram postings (see BenchmarkNameIndexSearch/rebuild-one-layer).
func NewNameIndexFrom(prev *NameIndex, ds *Dataset) *NameIndex {
	ix := &NameIndex{layers: ds.Layers, segs: make([]nameSegment, len(ds.Layers)), cache: newAnswerCache(answerCacheSize)}
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for i, l := range ds.Layers {
		ix.segs[i].layer = i
		var same, sameID *layerNames
		if prev != nil {
			for _, seg := range prev.segs {
				switch p := seg.names; {
				case seg.view != nil:
				case p.layer == l:
					same = p
				case p.layer.ID == l.ID:
					sameID = p
				}
			}
		}
		if same != nil {
			ix.segs[i].names = same
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			ix.segs[i].names = newLayerNames(l, sameID)
			<-sem
		}()
	}
	wg.Wait()
	ix.number()
	return ix
}

// number gives each segment its global numbers.
func (ix *NameIndex) number() {
	var global int32
	for i := range ix.segs {
		ix.segs[i].start = global
		global += int32(len(ix.segs[i].names.nameLens))
	}
	ix.total = int(global)
}

// newLayerNames indexes one layer, copying the entries of the features
// prev indexed.
func newLayerNames(l *Layer, prev *layerNames) *layerNames {
	p := &layerNames{layer: l}
	var reuse map[*geojson.Feature]int32
	if prev != nil {
		reuse = make(map[*geojson.Feature]int32, len(prev.layer.Features.Features))
		for i, f := range prev.layer.Features.Features {
			reuse[f] = int32(i)
		}
	}
	var hay [len(searchFields)]haystack
	readings := newPinyinReadings()
	var pinyinBuf pinyinBuffer
	for i, f := range l.Features.Features {
		owner := int32(i)
		for k := range hay {
			p.firstEntry[k] = append(p.firstEntry[k], int32(len(hay[k].offsets)))
		}
		name, _ := f.Properties["name"].(string)
		p.nameLens = append(p.nameLens, int32(utf8.RuneCountInString(name)))
		if old, ok := reuse[f]; ok {
			for k := range hay {
				for e := prev.firstEntry[k][old]; e < prev.firstEntry[k][old+1]; e++ {
					hay[k].add(owner, string(prev.entry(k, int(e))))
				}
			}
			continue
		}
		nameEn, _ := f.Properties["name_en"].(string)
		zh := chineseKey(name)
		hay[0].add(owner, zh)
		hay[1].add(owner, englishKey(nameEn))
		addPinyin(&hay[2], &hay[3], owner, zh, readings, &pinyinBuf)
		hay[4].add(owner, strings.ToLower(FeatureID(f)))
	}
	for k := range hay {
		p.firstEntry[k] = append(p.firstEntry[k], int32(len(hay[k].offsets)))
		p.texts[k] = []byte(hay[k].text.String())
		p.offsets[k] = hay[k].offsets
		p.owners[k] = hay[k].owners
		p.trigrams[k] = newNgramIndex(3, p, k)
	}
	p.bigrams = newNgramIndex(2, p, 3)
	return p
}

// entry returns entry e of field k.
func (p *layerNames) entry(k, e int) []byte {
	start, end := p.bounds(k, e)
	return p.texts[k][start:end]
}

// bounds returns where entry e of field k lies in its text.
func (p *layerNames) bounds(k, e int) (int, int) {
	start, end := int(p.offsets[k][e]), len(p.texts[k])
	if e+1 < len(p.offsets[k]) {
		end = int(p.offsets[k][e+1]) - 1
	}
	return start, end
}

// Search returns the features whose names contain query in any of the
// indexed forms, best first: by field (Chinese name, English name, pinyin,
// initials, id), then whole-name over prefix over inner matches, then
// shorter names, then layer and file order. A query with no letters, digits
// or Chinese characters finds nothing. Recent answers are kept (up to
// answerCacheSize of them), so a repeated query costs a lookup.
func (ix *NameIndex) Search(query string, opts SearchOptions) []SearchHit {
	limit := opts.Limit
	if limit <= 0 {
		limit = 10
	}
	key := cacheKey(query, limit, opts.Layers)
	if hits, ok := ix.cache.get(key); ok {
		return slices.Clone(hits)
	}
	hits := ix.search(query, limit, opts.Layers)
	ix.cache.put(key, hits)
	return slices.Clone(hits)
}

func (ix *NameIndex) search(query string, limit int, layers []string) []SearchHit {
	sc := ix.scratch()
	defer ix.release(sc)
	allowed := ix.layerFilter(layers)
	queries := searchQueries(query)
	for field, q := range queries {
		if q != "" {
			ix.scan(field, q, allowed, sc)
		}
	}
	if words := strings.Fields(queries[1]); len(words) > 1 {
		ix.scanWords(1, words, allowed, sc)
	}
	// Keep the best `limit` in a heap whose root is the worst kept.
	top := hitHeap{ix: ix, sc: sc}
	for _, g := range sc.touched {
		if len(top.items) < limit {
			top.push(g)
		} else if top.better(g, top.items[0]) {
			top.items[0] = g
			top.down(0)
		}
	}
	sort.Slice(top.items, func(i, j int) bool { return top.better(top.items[i], top.items[j]) })
	hits := make([]SearchHit, len(top.items))
	for i, g := range top.items {
		seg, index := ix.locate(g)
		hits[i] = SearchHit{Layer: ix.layers[seg.layer], Index: seg.position(index), Feature: seg.feature(index),
			Field: searchFields[sc.field[g]], Score: int(sc.score[g])}
	}
	return hits
}

// searchScratch is one search's per-feature best score, reused across
// searches so a large index costs no allocation per query.
type searchScratch struct {
	score   []int32 // 0: not matched
	field   []uint8
	touched []int32
	// candidates is the n-gram intersection's buffer.
	candidates []int32
}

// offer keeps score as the feature's best when it beats what it had.
func (sc *searchScratch) offer(owner, score int32, field int) {
	prev := sc.score[owner]
	if score <= prev {
		return
	}
	if prev == 0 {
		sc.touched = append(sc.touched, owner)
	}
	sc.score[owner] = score
	sc.field[owner] = uint8(field)
}

func (ix *NameIndex) scratch() *searchScratch {
	if sc, ok := ix.pool.Get().(*searchScratch); ok {
		return sc
	}
	return &searchScratch{score: make([]int32, ix.total), field: make([]uint8, ix.total)}
}

func (ix *NameIndex) release(sc *searchScratch) {
	for _, g := range sc.touched {
		sc.score[g] = 0
	}
	sc.touched = sc.touched[:0]
	ix.pool.Put(sc)
}

// nameLen returns the rune count of a feature's name (global number).
func (ix *NameIndex) nameLen(g int32) int32 {
	seg, index := ix.locate(g)
	return seg.names.nameLens[index]
}

// order returns the layer position and the rank in the layer of a
// feature (global number): the order of features that tie on everything
// else.
func (ix *NameIndex) order(g int32) (int, int64) {
	seg, index := ix.locate(g)
	return seg.layer, seg.rank(index)
}

// hitHeap is a min-heap of global feature numbers, worst hit at the root.
type hitHeap struct {
	ix    *NameIndex
	sc    *searchScratch
	items []int32
}

// better orders hits: higher score, then shorter name, then earlier feature.
func (h *hitHeap) better(a, b int32) bool {
	if sa, sb := h.sc.score[a], h.sc.score[b]; sa != sb {
		return sa > sb
	}
	if la, lb := h.ix.nameLen(a), h.ix.nameLen(b); la != lb {
		return la < lb
	}
	la, ra := h.ix.order(a)
	lb, rb := h.ix.order(b)
	if la != lb {
		return la < lb
	}
	return ra < rb
}

func (h *hitHeap) push(g int32) {
	h.items = append(h.items, g)
	for i := len(h.items) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h.better(h.items[parent], h.items[i]) {
			break
		}
		h.items[parent], h.items[i] = h.items[i], h.items[parent]
		i = parent
	}
}

func (h *hitHeap) down(i int) {
	for {
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(h.items) && h.better(h.items[worst], h.items[l]) {
			worst = l
		}
		if r < len(h.items) && h.better(h.items[worst], h.items[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h.items[i], h.items[worst] = h.items[worst], h.items[i]
		i = worst
	}
}

// layerFilter returns which layers (by position) a search may return, or
// nil for all.
func (ix *NameIndex) layerFilter(ids []string) []bool {
	if len(ids) == 0 {
		return nil
	}
	allowed := make([]bool, len(ix.layers))
	for i, l := range ix.layers {
		for _, id := range ids {
			if l.ID == id {
				allowed[i] = true
			}
		}
	}
	return allowed
}

// locate returns the segment and the index in it of a global number.
func (ix *NameIndex) locate(global int32) (*nameSegment, int) {
	i := sort.Search(len(ix.segs), func(i int) bool { return ix.segs[i].start > global }) - 1
	return &ix.segs[i], int(global - ix.segs[i].start)
}

// scan finds every entry of one field that contains q and keeps each
// feature's best score.
func (ix *NameIndex) scan(field int, q string, allowed []bool, sc *searchScratch) {
	ix.eachEntryContaining(field, q, allowed, sc, func(text []byte, at, start, end int, owner int32) {
		score := int32(fieldWeight[field])
		switch {
		case at == start && at+len(q) == end:
			score += scoreExact
		case at == start:
			score += scorePrefix
		case searchFields[field] == FieldNameEn && text[at-1] == ' ':
			score += scoreWordStart
		}
		sc.offer(owner, score, field)
	})
}

// eachEntryContaining calls fn once for every entry of one field that
// contains q and belongs to an allowed layer (all when allowed is nil),
// in order, with the field's text of the entry's layer, where q was first
// found in the entry, the entry's bounds in that text, and its feature's
// global number. The n-gram postings give the candidate features; a query
// shorter than a gram, or whose rarest gram is in more than half the
// layer's features, is answered by scanning the text instead.
func (ix *NameIndex) eachEntryContaining(field int, q string, allowed []bool, sc *searchScratch, fn func(text []byte, at, start, end int, owner int32)) {
	qb := []byte(q)
	for si := range ix.segs {
		seg := &ix.segs[si]
		if allowed != nil && !allowed[seg.layer] {
			continue
		}
		p := seg.names
		text := p.texts[field]
		base := seg.start
		grams := p.trigrams[field]
		if len(qb) < 3 && field == 3 {
			grams = p.bigrams
		}
		var candidates []int32
		ok := false
		if len(qb) >= grams.n {
			candidates, ok = grams.candidates(qb, len(p.nameLens)/2, &sc.candidates)
		}
		if !ok {
			p.scanText(field, qb, func(at, start, end int, owner int32) {
				if !seg.masked(owner) {
					fn(text, at, start, end, base+owner)
				}
			})
			continue
		}
		first := p.firstEntry[field]
		for _, owner := range candidates {
			if seg.masked(owner) {
				continue
			}
			for e := first[owner]; e < first[owner+1]; e++ {
				start, end := p.bounds(field, int(e))
				if at := indexFirst(text[start:end], qb); at >= 0 {
					fn(text, start+at, start, end, base+owner)
				}
			}
		}
	}
}

// scanText finds every entry of one field that contains q by scanning
// the text, with where q was first found in it.
func (p *layerNames) scanText(field int, q []byte, fn func(at, start, end int, owner int32)) {
	text, offsets, owners := p.texts[field], p.offsets[field], p.owners[field]
	for pos := 0; pos < len(text); {
		i := bytes.Index(text[pos:], q)
		if i < 0 {
			return
		}
		at := pos + i
		e := sort.Search(len(offsets), func(k int) bool { return int(offsets[k]) > at }) - 1
		start, end := p.bounds(field, e)
		pos = end + 1
		fn(at, start, end, owners[e])
	}
}

// scanWords finds every entry of one field in which each of words starts a
// word, in any order, and scores it scoreWordsAnyOrder, or scoreWordsWhole
// when they are the whole name, unless the feature already scored better.
// It anchors on the longest word, so it costs about one substring search.
func (ix *NameIndex) scanWords(field int, words []string, allowed []bool, sc *searchScratch) {
	anchor := words[0]
	for _, w := range words[1:] {
		if len(w) > len(anchor) {
			anchor = w
		}
	}
	ix.eachEntryContaining(field, anchor, allowed, sc, func(text []byte, _, start, end int, owner int32) {
		if sc.score[owner] >= scoreWordsWhole {
			return
		}
		entry := string(text[start:end])
		if !startsWords(entry, words) {
			return
		}
		score := int32(scoreWordsAnyOrder)
		if contentWords(entry) == len(words) {
			score = scoreWordsWhole
		}
		sc.offer(owner, score, field)
	})
}

// contentWords counts the words of an English key that are not stop words.
func contentWords(entry string) int {
	n := 0
	for _, w := range strings.Fields(entry) {
		if !englishStopWords[w] {
			n++
		}
	}
	return n
}

// startsWords reports whether each of words starts a word of entry (words
// separated by single spaces).
func startsWords(entry string, words []string) bool {
	for _, w := range words {
		if !strings.HasPrefix(entry, w) && !strings.Contains(entry, " "+w) {
			return false
		}
	}
	return true
}

// searchQueries returns the query string to look for in each field (""
// where the query cannot match that field).
func searchQueries(query string) [len(searchFields)]string {
	query = strings.ReplaceAll(query, "\x00", "")
	var qs [len(searchFields)]string
	zh := chineseKey(query)
	qs[0] = zh
	qs[1] = englishKey(query)
	if zh != "" && isASCIIAlnum(zh) {
		qs[2], qs[3] = zh, zh
	}
	id := strings.ToLower(strings.TrimSpace(query))
	if id != "" && validSlug(id) {
		qs[4] = id
	}
	return qs
}

func isASCIIAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// latinFolds maps the accented vowels of pinyin and common European
// letters to plain ones (ü to v, as pinyin input methods type it).
var latinFolds = map[rune]rune{
	'ā': 'a', 'á': 'a', 'ǎ': 'a', 'à': 'a', 'â': 'a', 'ä': 'a',
	'ē': 'e', 'é': 'e', 'ě': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'ī': 'i', 'í': 'i', 'ǐ': 'i', 'ì': 'i', 'î': 'i', 'ï': 'i',
	'ō': 'o', 'ó': 'o', 'ǒ': 'o', 'ò': 'o', 'ô': 'o', 'ö': 'o',
	'ū': 'u', 'ú': 'u', 'ǔ': 'u', 'ù': 'u', 'û': 'u',
	'ǖ': 'v', 'ǘ': 'v', 'ǚ': 'v', 'ǜ': 'v', 'ü': 'v',
	'ń': 'n', 'ň': 'n', 'ǹ': 'n', 'ḿ': 'm',
}

// foldRune maps full-width ASCII to ASCII, traditional Chinese to
// simplified, upper to lower case and accented Latin vowels to plain ones.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	if t, ok := t2sTable()[r]; ok {
		r = t
	}
	r = unicode.ToLower(r)
	if f, ok := latinFolds[r]; ok {
		r = f
	}
	return r
}

func keepInKey(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// chineseKey folds s and keeps only Chinese characters, letters and
// digits: "“五縱五橫”路網·縱一" becomes "五纵五横路网纵一".
func chineseKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r = foldRune(r); keepInKey(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// englishKey folds s and turns every run of other characters into one
// space: "Wenzhou Port (Oujiang)" becomes "wenzhou port oujiang".
func englishKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		r = foldRune(r)
		if !keepInKey(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// addPinyin indexes the full pinyin and the initials of a Chinese key
// under up to maxReadings combinations of its characters' readings (the
// most common reading first): heteronyms are expanded left to right while
// the number of combinations stays within the bound. Letters and digits
// stand for themselves.
func addPinyin(full, initials *haystack, owner int32, zh string, cache *pinyinReadings, buf *pinyinBuffer) {
	buf.readings = buf.readings[:0]
	buf.choices = buf.choices[:0]
	product := 1
	for _, r := range zh {
		rs := cache.of(r)
		if len(rs) == 0 {
			continue
		}
		n := 1
		if len(rs) > 1 && product*len(rs) <= maxReadings {
			n = len(rs)
			product *= n
		}
		buf.readings = append(buf.readings, rs)
		buf.choices = append(buf.choices, n)
	}
	if len(buf.readings) == 0 {
		return
	}
	buf.seen = buf.seen[:0]
	for combo := 0; combo < product; combo++ {
		buf.full = buf.full[:0]
		buf.initials = buf.initials[:0]
		rest := combo
		for i, rs := range buf.readings {
			r := rs[rest%buf.choices[i]]
			rest /= buf.choices[i]
			buf.full = append(buf.full, r...)
			_, size := utf8.DecodeRuneInString(r)
			buf.initials = append(buf.initials, r[:size]...)
		}
		full.add(owner, string(buf.full))
		initial := string(buf.initials)
		if !slices.Contains(buf.seen, initial) {
			buf.seen = append(buf.seen, initial)
			initials.add(owner, initial)
		}
	}
}

// pinyinBuffer is addPinyin's reusable working memory.
type pinyinBuffer struct {
	readings       [][]string
	choices        []int
	full, initials []byte
	seen           []string
}

// pinyinReadings caches each character's toneless readings: go-pinyin
// strips tones with regular expressions, too slow to repeat per name.
type pinyinReadings struct {
	args  pinyin.Args
	cache map[rune][]string
}

func newPinyinReadings() *pinyinReadings {
	args := pinyin.NewArgs()
	args.Heteronym = true
	return &pinyinReadings{args: args, cache: map[rune][]string{}}
}

// of returns r's readings, most common first; a letter or digit reads as
// itself.
func (p *pinyinReadings) of(r rune) []string {
	if rs, ok := p.cache[r]; ok {
		return rs
	}
	var rs []string
	if unicode.Is(unicode.Han, r) {
		rs = pinyin.SinglePinyin(r, p.args)
	} else {
		rs = []string{string(r)}
	}
	p.cache[r] = rs
	return rs
}

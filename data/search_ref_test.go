package data

// This file keeps the name search as it was before the index (a substring
// scan over every name per query), as the reference the indexed search
// must agree with hit for hit, field for field and score for score.

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// bruteNameIndex finds the features of a dataset by name: simplified or
// traditional Chinese, English, pinyin (full or initials) or id. It is
// immutable and safe for concurrent use.
type bruteNameIndex struct {
	layers []*Layer
	// starts[i] is the global number of layer i's first feature.
	starts   []int32
	fields   [len(searchFields)]string
	offsets  [len(searchFields)][]int32
	owners   [len(searchFields)][]int32
	nameLens []int32
}

// newBruteNameIndex indexes the names of every feature of ds.
func newBruteNameIndex(ds *Dataset) *bruteNameIndex {
	ix := &bruteNameIndex{layers: ds.Layers}
	var hay [len(searchFields)]haystack
	readings := newPinyinReadings()
	var pinyinBuf pinyinBuffer
	var global int32
	for _, l := range ds.Layers {
		ix.starts = append(ix.starts, global)
		for _, f := range l.Features.Features {
			name, _ := f.Properties["name"].(string)
			nameEn, _ := f.Properties["name_en"].(string)
			zh := chineseKey(name)
			hay[0].add(global, zh)
			hay[1].add(global, englishKey(nameEn))
			addPinyin(&hay[2], &hay[3], global, zh, readings, &pinyinBuf)
			hay[4].add(global, strings.ToLower(FeatureID(f)))
			ix.nameLens = append(ix.nameLens, int32(utf8.RuneCountInString(name)))
			global++
		}
	}
	for i := range hay {
		ix.fields[i] = hay[i].text.String()
		ix.offsets[i] = hay[i].offsets
		ix.owners[i] = hay[i].owners
	}
	return ix
}

// Search returns the features whose names contain query in any of the
// indexed forms, best first: by field (Chinese name, English name, pinyin,
// initials, id), then whole-name over prefix over inner matches, then
// shorter names, then layer and file order. A query with no letters, digits
// or Chinese characters finds nothing.
func (ix *bruteNameIndex) Search(query string, opts SearchOptions) []SearchHit {
	limit := opts.Limit
	if limit <= 0 {
		limit = 10
	}
	// The index's own scratch type, fresh for every search.
	sc := &searchScratch{score: make([]int32, len(ix.nameLens)), field: make([]uint8, len(ix.nameLens))}
	allowed := ix.layerFilter(opts.Layers)
	queries := searchQueries(query)
	for field, q := range queries {
		if q != "" {
			ix.scan(field, q, allowed, sc)
		}
	}
	if words := strings.Fields(queries[1]); len(words) > 1 {
		ix.scanWords(1, words, allowed, sc)
	}
	// The reference sorts every hit; the index keeps a bounded heap.
	ranked := append([]int32(nil), sc.touched...)
	sort.Slice(ranked, func(i, j int) bool { return ix.better(sc, ranked[i], ranked[j]) })
	if len(ranked) > limit {
		ranked = ranked[:limit]
	}
	hits := make([]SearchHit, len(ranked))
	for i, g := range ranked {
		layer, index := ix.locate(g)
		hits[i] = SearchHit{Layer: ix.layers[layer], Index: index, Field: searchFields[sc.field[g]], Score: int(sc.score[g])}
	}
	return hits
}

// better orders hits: higher score, then shorter name, then earlier feature.
func (ix *bruteNameIndex) better(sc *searchScratch, a, b int32) bool {
	if sa, sb := sc.score[a], sc.score[b]; sa != sb {
		return sa > sb
	}
	if la, lb := ix.nameLens[a], ix.nameLens[b]; la != lb {
		return la < lb
	}
	return a < b
}

// layerFilter returns which layers (by position) a search may return, or
// nil for all.
func (ix *bruteNameIndex) layerFilter(ids []string) []bool {
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

// locate returns the layer position and feature index of a global number.
func (ix *bruteNameIndex) locate(global int32) (int, int) {
	layer := sort.Search(len(ix.starts), func(i int) bool { return ix.starts[i] > global }) - 1
	return layer, int(global - ix.starts[layer])
}

// scan finds every entry of one field that contains q and keeps each
// feature's best score.
func (ix *bruteNameIndex) scan(field int, q string, allowed []bool, sc *searchScratch) {
	text := ix.fields[field]
	ix.eachEntryContaining(field, q, allowed, func(at, start, end int, owner int32) {
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
// with where q was first found in it, the entry's bounds in the field's
// text, and its feature.
func (ix *bruteNameIndex) eachEntryContaining(field int, q string, allowed []bool, fn func(at, start, end int, owner int32)) {
	text, offsets, owners := ix.fields[field], ix.offsets[field], ix.owners[field]
	for pos := 0; pos < len(text); {
		i := strings.Index(text[pos:], q)
		if i < 0 {
			return
		}
		at := pos + i
		e := sort.Search(len(offsets), func(k int) bool { return int(offsets[k]) > at }) - 1
		start, end := int(offsets[e]), len(text)
		if e+1 < len(offsets) {
			end = int(offsets[e+1]) - 1
		}
		pos = end + 1
		owner := owners[e]
		if allowed != nil {
			if layer, _ := ix.locate(owner); !allowed[layer] {
				continue
			}
		}
		fn(at, start, end, owner)
	}
}

// scanWords finds every entry of one field in which each of words starts a
// word, in any order, and scores it scoreWordsAnyOrder, or scoreWordsWhole
// when they are the whole name, unless the feature already scored better. It anchors on the longest word, so the scan costs
// about one substring search.
func (ix *bruteNameIndex) scanWords(field int, words []string, allowed []bool, sc *searchScratch) {
	anchor := words[0]
	for _, w := range words[1:] {
		if len(w) > len(anchor) {
			anchor = w
		}
	}
	text := ix.fields[field]
	ix.eachEntryContaining(field, anchor, allowed, func(_, start, end int, owner int32) {
		entry := text[start:end]
		if sc.score[owner] >= scoreWordsWhole || !startsWords(entry, words) {
			return
		}
		score := int32(scoreWordsAnyOrder)
		if contentWords(entry) == len(words) {
			score = scoreWordsWhole
		}
		sc.offer(owner, score, field)
	})
}

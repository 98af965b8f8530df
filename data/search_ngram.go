package data

import (
	"bytes"
	"math/bits"
)

// ngramIndex maps the n-byte grams of a field's entries to the features
// holding them: postings[heads[b]:heads[b+1]] lists, ascending and without
// repeats, the features (index in the layer) with a gram hashing to
// bucket b. Only grams starting at a character boundary are indexed: a
// match of a query starts at one, so the query's grams at its own
// boundaries are all in its matches. Hash collisions only add candidates,
// which the search checks against the entries anyway.
type ngramIndex struct {
	n        int
	shift    uint
	heads    []int32
	postings []int32
}

// gramHash buckets the n bytes at b (n is 2 or 3).
func (g *ngramIndex) bucket(b []byte) int {
	v := uint32(b[0])<<16 | uint32(b[1])<<8
	if g.n == 3 {
		v |= uint32(b[2])
	}
	return int((v * 2654435761) >> g.shift)
}

// newNgramIndex indexes the n-grams of the entries of one field, in two
// passes over its text: one to size the buckets, one to fill them.
func newNgramIndex(n int, p *layerNames, field int) *ngramIndex {
	text := p.texts[field]
	buckets := 1 << 10
	for buckets < len(text)/8 && buckets < 1<<20 {
		buckets <<= 1
	}
	g := &ngramIndex{n: n, shift: uint(32 - bits.TrailingZeros(uint(buckets))), heads: make([]int32, buckets+1)}
	last := make([]int32, buckets) // the last feature counted in each bucket, plus one
	each := func(fn func(b int, owner int32)) {
		for e, owner := range p.owners[field] {
			start, end := p.bounds(field, e)
			for i := start; i+n <= end; i++ {
				if text[i]&0xC0 == 0x80 {
					continue // inside a character
				}
				fn(g.bucket(text[i:]), owner)
			}
		}
	}
	each(func(b int, owner int32) {
		if last[b] != owner+1 {
			last[b] = owner + 1
			g.heads[b+1]++
		}
	})
	for b := 1; b <= buckets; b++ {
		g.heads[b] += g.heads[b-1]
	}
	g.postings = make([]int32, g.heads[buckets])
	fill := make([]int32, buckets)
	copy(fill, g.heads[:buckets])
	clear(last)
	each(func(b int, owner int32) {
		if last[b] != owner+1 {
			last[b] = owner + 1
			g.postings[fill[b]] = owner
			fill[b]++
		}
	})
	return g
}

// candidates returns the features that may hold q (len(q) >= n): the
// intersection of the postings of the two rarest of q's grams, in
// ascending order. ok is false when even the rarest is in more than limit
// features, where a scan costs less. scratch is reused for the
// intersection.
func (g *ngramIndex) candidates(q []byte, limit int, scratch *[]int32) (_ []int32, ok bool) {
	var rarest, second []int32
	found := 0
	for i := 0; i+g.n <= len(q); i++ {
		if q[i]&0xC0 == 0x80 {
			continue
		}
		b := g.bucket(q[i:])
		list := g.postings[g.heads[b]:g.heads[b+1]]
		found++
		switch {
		case found == 1:
			rarest = list
		case len(list) < len(rarest):
			rarest, second = list, rarest
		case found == 2 || len(list) < len(second):
			second = list
		}
	}
	if found == 0 || len(rarest) > limit {
		return nil, false
	}
	if found == 1 {
		return rarest, true
	}
	out := (*scratch)[:0]
	j := 0
	for _, o := range rarest {
		for j < len(second) && second[j] < o {
			j++
		}
		if j < len(second) && second[j] == o {
			out = append(out, o)
		}
	}
	*scratch = out
	return out, true
}

// indexFirst is bytes.Index, named for what the search needs of it: the
// first match in an entry, which sets the score.
func indexFirst(entry, q []byte) int { return bytes.Index(entry, q) }

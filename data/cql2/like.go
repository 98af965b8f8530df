package cql2

import (
	"fmt"
	"unicode/utf8"
)

// likePattern is a compiled LIKE pattern: literal-or-any-one segments split
// at the % wildcards. Matching takes O(len(value) × len(pattern)): each
// segment is placed at its leftmost fit after the previous one, which is
// optimal for % wildcards, so there is no backtracking.
type likePattern struct {
	segs     [][]likeItem
	anchorL  bool // no % before the first segment
	anchorR  bool // no % after the last segment
	segCount int
}

type likeItem struct {
	r   rune
	any bool // _
}

// compileLike compiles a CQL2 LIKE pattern: % any run, _ any one character,
// backslash escapes the next character.
func compileLike(pat string, maxLen int) (*likePattern, error) {
	if n := utf8.RuneCountInString(pat); n > maxLen {
		return nil, fmt.Errorf("LIKE pattern of %d characters is longer than %d", n, maxLen)
	}
	if !utf8.ValidString(pat) {
		return nil, fmt.Errorf("LIKE pattern is not valid UTF-8")
	}
	p := &likePattern{anchorL: true, anchorR: true}
	var cur []likeItem
	started := false
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case '\\':
			if i+1 == len(rs) {
				return nil, fmt.Errorf("LIKE pattern ends with the escape character \\")
			}
			i++
			cur = append(cur, likeItem{r: rs[i]})
		case '%':
			if !started && len(cur) == 0 {
				p.anchorL = false
			} else if len(cur) > 0 {
				p.segs = append(p.segs, cur)
				cur = nil
			}
			started = true
			p.anchorR = false
			continue
		case '_':
			cur = append(cur, likeItem{any: true})
		default:
			cur = append(cur, likeItem{r: r})
		}
		started = true
		p.anchorR = true
	}
	if len(cur) > 0 || len(p.segs) == 0 {
		p.segs = append(p.segs, cur)
	}
	p.segCount = len(p.segs)
	return p, nil
}

func segFits(seg []likeItem, s []rune, at int) bool {
	if at+len(seg) > len(s) {
		return false
	}
	for j, it := range seg {
		if !it.any && s[at+j] != it.r {
			return false
		}
	}
	return true
}

func (p *likePattern) match(value string) bool {
	s := []rune(value)
	segs := p.segs
	// A pattern of only %s.
	if len(segs) == 1 && len(segs[0]) == 0 {
		return !p.anchorL || len(s) == 0
	}
	start, end := 0, len(s)
	if p.anchorL {
		if !segFits(segs[0], s, 0) {
			return false
		}
		start = len(segs[0])
		if len(segs) == 1 && p.anchorR {
			return start == len(s)
		}
		segs = segs[1:]
	}
	if p.anchorR && len(segs) > 0 {
		last := segs[len(segs)-1]
		at := len(s) - len(last)
		if at < start || !segFits(last, s, at) {
			return false
		}
		end = at
		segs = segs[:len(segs)-1]
	}
	for _, seg := range segs {
		found := false
		for at := start; at+len(seg) <= end; at++ {
			if segFits(seg, s, at) {
				start = at + len(seg)
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

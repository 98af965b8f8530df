package data

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// search_t2s.txt maps traditional (and Taiwan/Hong Kong variant) Chinese
// characters to simplified ones, one per line. It is generated from the
// OpenCC dictionaries (Apache License 2.0) by frontend/scripts/t2s-table.mjs
// during the frontend build and committed, so the binary needs no build step
// to understand traditional characters.
//
//go:embed search_t2s.txt
var t2sTableText string

// t2sTable parses the embedded table once.
var t2sTable = sync.OnceValue(func() map[rune]rune {
	table := make(map[rune]rune, 4096)
	for _, line := range strings.Split(t2sTableText, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		from, to, ok := strings.Cut(line, "\t")
		if !ok || utf8.RuneCountInString(from) != 1 || utf8.RuneCountInString(to) != 1 {
			continue
		}
		f, _ := utf8.DecodeRuneInString(from)
		t, _ := utf8.DecodeRuneInString(to)
		table[f] = t
	}
	return table
})

// Simplified returns s with every traditional or variant Chinese character
// replaced by its simplified form, character by character (OpenCC's most
// common candidate where one traditional character has several). Characters
// with no simplified form are kept.
func Simplified(s string) string {
	table := t2sTable()
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if t, ok := table[r]; ok {
			r = t
		}
		b.WriteRune(r)
	}
	return b.String()
}

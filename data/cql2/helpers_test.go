package cql2

import (
	"errors"
	"regexp"
	"strings"
)

func asError(err error, target **Error) bool { return errors.As(err, target) }

// likeRegexp is the test oracle for LIKE: the pattern as an anchored RE2
// regular expression.
func likeRegexp(pat string) *regexp.Regexp {
	var sb strings.Builder
	sb.WriteString(`(?s)\A`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\\':
			i++
			sb.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '%':
			sb.WriteString(`.*`)
		case '_':
			sb.WriteString(`.`)
		default:
			sb.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	sb.WriteString(`\z`)
	return regexp.MustCompile(sb.String())
}

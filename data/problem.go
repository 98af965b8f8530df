package data

import (
	"fmt"
	"strings"
)

// Problem is one reason a dataset file is invalid.
type Problem struct {
	// File is the file name within the dataset folder.
	File string
	// Index is the feature's position in the file's features array, or -1
	// when the problem is with the file as a whole.
	Index int
	// ID is the feature's id when it has one.
	ID string
	// Reason says what is wrong.
	Reason string
}

func (p Problem) String() string {
	switch {
	case p.Index < 0:
		return fmt.Sprintf("%s: %s", p.File, p.Reason)
	case p.ID != "":
		return fmt.Sprintf("%s: feature %d (id %q): %s", p.File, p.Index, p.ID, p.Reason)
	default:
		return fmt.Sprintf("%s: feature %d: %s", p.File, p.Index, p.Reason)
	}
}

// ValidationError lists every problem found in a dataset.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data: %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

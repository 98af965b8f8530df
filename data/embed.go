package data

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed default
var defaultFS embed.FS

// DefaultFS returns the embedded default dataset's files.
func DefaultFS() fs.FS {
	sub, err := fs.Sub(defaultFS, "default")
	if err != nil {
		panic(fmt.Sprintf("data: embedded dataset missing: %v", err)) // cannot happen: checked at compile time
	}
	return sub
}

// Default loads the embedded default dataset.
func Default() (*Dataset, error) {
	ds, err := Load(DefaultFS(), "embedded default dataset")
	if ds != nil {
		ds.Source = "embedded"
	}
	return ds, err
}

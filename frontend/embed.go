// Package frontend holds planmap's web map: the page's own HTML, JavaScript
// and CSS (web/, committed) and what `npm run build` adds (dist/,
// git-ignored except a placeholder): the MapLibre GL JS files the page loads
// and the offline basemap. Both are embedded into the binary, so planmap
// serves the web map with no internet access and no files beside it.
package frontend

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed web dist
var files embed.FS

// Assets returns the embedded files: web/… (the page) and dist/… (the
// build's output; only dist/README.md when the frontend was not built).
func Assets() fs.FS { return files }

// Page returns the page's files (web/).
func Page() fs.FS { return sub("web") }

// Build returns the build's output (dist/).
func Build() fs.FS { return sub("dist") }

// Built reports whether the embedded files include a frontend build (the
// MapLibre module the page cannot work without).
func Built() bool {
	_, err := fs.Stat(files, "dist/vendor/maplibre-gl.mjs")
	return err == nil
}

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(fmt.Sprintf("frontend: embedded folder %s missing: %v", dir, err)) // cannot happen: checked at compile time
	}
	return f
}

package frontend_test

import (
	"fmt"
	"io/fs"

	"github.com/planmap/planmap/frontend"
)

// The page's entry point is always embedded; the MapLibre build only after
// `npm run build`.
func ExamplePage() {
	html, err := fs.ReadFile(frontend.Page(), "index.html")
	fmt.Println(err == nil && len(html) > 0)
	// Output: true
}

package tiles

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
)

// MBTilesOptions says what WriteMBTiles writes.
type MBTilesOptions struct {
	// MinZoom and MaxZoom bound the zoom levels written (inclusive).
	MinZoom, MaxZoom int
	// Layers selects the layers; 0 means all.
	Layers LayerSet
	// Workers encode in parallel; 0 means GOMAXPROCS.
	Workers int
	// Planned, when set, is called once with the number of tiles to
	// encode; Progress after each.
	Planned  func(total int)
	Progress func()
}

// MBTilesStats reports what WriteMBTiles wrote.
type MBTilesStats struct {
	Planned, Written int
	Bytes            int64
	PerZoom          map[int]int
}

// TileID names one tile.
type TileID struct{ Z, X, Y uint32 }

// PlanTiles lists, zoom by zoom from minZoom to maxZoom, every tile in
// which any of the selected layers has a candidate feature (a superset of
// the non-empty tiles), walking down from zoom 0 through tiles that have
// one.
func (t *Tiler) PlanTiles(minZoom, maxZoom int, set LayerSet) []TileID {
	var out []TileID
	var scratch []int32
	level := []TileID{{0, 0, 0}}
	for z := 0; z <= maxZoom && len(level) > 0; z++ {
		var hit []TileID
		for _, id := range level {
			if t.touches(id, set, &scratch) {
				hit = append(hit, id)
			}
		}
		if z >= minZoom {
			out = append(out, hit...)
		}
		level = level[:0:0]
		for _, id := range hit {
			for dy := uint32(0); dy < 2; dy++ {
				for dx := uint32(0); dx < 2; dx++ {
					level = append(level, TileID{id.Z + 1, 2*id.X + dx, 2*id.Y + dy})
				}
			}
		}
	}
	return out
}

// touches reports whether any selected layer has a candidate for the
// buffered tile: a feature whose envelope meets it or, for lines from zoom
// 12 on, a line crossing its grid cell.
func (t *Tiler) touches(id TileID, set LayerSet, scratch *[]int32) bool {
	b := TileBound(id.Z, id.X, id.Y, t.opts.Buffer)
	for li, l := range t.layers {
		if !set.Has(li) {
			continue
		}
		*scratch = l.candidates(id.Z, id.X, id.Y, t.opts.Buffer, b, (*scratch)[:0])
		if len(*scratch) > 0 {
			return true
		}
	}
	return false
}

// WriteMBTiles writes every non-empty tile of the zoom range to an MBTiles
// 1.3 file at path: TMS row order, gzip-compressed MVT, and a metadata
// table with the TileJSON fields (name, format pbf, bounds, center,
// minzoom, maxzoom, attribution, and json holding vector_layers). It writes
// to a temporary file in the same folder, syncs it and renames it over
// path, so path holds either the old file or the complete new one.
func (t *Tiler) WriteMBTiles(ctx context.Context, path string, opts MBTilesOptions) (stats MBTilesStats, err error) {
	if opts.MinZoom < 0 || opts.MaxZoom > MaxZoom || opts.MinZoom > opts.MaxZoom {
		return stats, fmt.Errorf("tiles: zoom range %d..%d is not within 0..%d", opts.MinZoom, opts.MaxZoom, MaxZoom)
	}
	set := opts.Layers
	if set == 0 {
		set = t.AllLayers()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return stats, fmt.Errorf("tiles: creating %s: %w", path, err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(tmpPath)
			os.Remove(tmpPath + "-journal")
		}
	}()
	db, err := sql.Open("sqlite", tmpPath)
	if err != nil {
		return stats, fmt.Errorf("tiles: opening %s: %w", tmpPath, err)
	}
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{
		"PRAGMA journal_mode=OFF", // the temporary file is renamed into place only when complete
		"PRAGMA synchronous=OFF",
		"PRAGMA page_size=4096",
		"CREATE TABLE metadata (name TEXT, value TEXT)",
		"CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return stats, fmt.Errorf("tiles: preparing %s: %s: %w", tmpPath, stmt, err)
		}
	}
	if err := t.writeMetadata(ctx, db, opts, set); err != nil {
		return stats, err
	}
	stats, err = t.writeTiles(ctx, db, opts, set)
	if err != nil {
		return stats, err
	}
	if _, err := db.ExecContext(ctx, "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)"); err != nil {
		return stats, fmt.Errorf("tiles: indexing %s: %w", tmpPath, err)
	}
	if err := db.Close(); err != nil {
		return stats, fmt.Errorf("tiles: closing %s: %w", tmpPath, err)
	}
	db = nil
	if err := syncFile(tmpPath); err != nil {
		return stats, err
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return stats, fmt.Errorf("tiles: renaming %s to %s: %w", tmpPath, path, err)
	}
	return stats, syncFile(dir)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("tiles: syncing %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("tiles: syncing %s: %w", path, err)
	}
	return nil
}

func (t *Tiler) writeMetadata(ctx context.Context, db *sql.DB, opts MBTilesOptions, set LayerSet) error {
	bounds, center := t.BoundsAndCenter()
	center[2] = float64(min(max(int(center[2]), opts.MinZoom), opts.MaxZoom))
	var layers []VectorLayer
	for i, vl := range t.VectorLayers() {
		if set.Has(i) {
			vl.MinZoom, vl.MaxZoom = opts.MinZoom, opts.MaxZoom
			layers = append(layers, vl)
		}
	}
	js, err := json.Marshal(map[string]any{"vector_layers": layers})
	if err != nil {
		return fmt.Errorf("tiles: metadata: %w", err)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	meta := [][2]string{
		{"name", "planmap"},
		{"description", "Regional planning layers of Wenzhou and Quanzhou (dataset version " + t.version + ")"},
		{"version", "1.0.0"},
		{"type", "overlay"},
		{"format", "pbf"},
		{"bounds", num(bounds[0]) + "," + num(bounds[1]) + "," + num(bounds[2]) + "," + num(bounds[3])},
		{"center", num(center[0]) + "," + num(center[1]) + "," + num(center[2])},
		{"minzoom", strconv.Itoa(opts.MinZoom)},
		{"maxzoom", strconv.Itoa(opts.MaxZoom)},
		{"attribution", t.Attribution()},
		{"json", string(js)},
	}
	for _, kv := range meta {
		if _, err := db.ExecContext(ctx, "INSERT INTO metadata (name, value) VALUES (?, ?)", kv[0], kv[1]); err != nil {
			return fmt.Errorf("tiles: writing metadata %s: %w", kv[0], err)
		}
	}
	return nil
}

type renderedTile struct {
	id   TileID
	tile *Tile
	err  error
}

func (t *Tiler) writeTiles(ctx context.Context, db *sql.DB, opts MBTilesOptions, set LayerSet) (MBTilesStats, error) {
	plan := t.PlanTiles(opts.MinZoom, opts.MaxZoom, set)
	stats := MBTilesStats{Planned: len(plan), PerZoom: map[int]int{}}
	if opts.Planned != nil {
		opts.Planned(len(plan))
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan TileID)
	results := make(chan renderedTile, 4*workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				tile, err := t.Render(id.Z, id.X, id.Y, set)
				select {
				case results <- renderedTile{id, tile, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, id := range plan {
			select {
			case jobs <- id:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return stats, fmt.Errorf("tiles: writing tiles: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)")
	if err != nil {
		return stats, fmt.Errorf("tiles: writing tiles: %w", err)
	}
	defer stmt.Close()
	for r := range results {
		if r.err != nil {
			return stats, fmt.Errorf("tiles: tile %d/%d/%d: %w", r.id.Z, r.id.X, r.id.Y, r.err)
		}
		if !r.tile.Empty() {
			row := (uint64(1) << r.id.Z) - 1 - uint64(r.id.Y)
			if _, err := stmt.ExecContext(ctx, r.id.Z, r.id.X, row, r.tile.Gzip); err != nil {
				return stats, fmt.Errorf("tiles: writing tile %d/%d/%d: %w", r.id.Z, r.id.X, r.id.Y, err)
			}
			stats.Written++
			stats.Bytes += int64(len(r.tile.Gzip))
			stats.PerZoom[int(r.id.Z)]++
		}
		if opts.Progress != nil {
			opts.Progress()
		}
	}
	if err := ctx.Err(); err != nil {
		return stats, fmt.Errorf("tiles: writing tiles: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return stats, fmt.Errorf("tiles: writing tiles: %w", err)
	}
	return stats, nil
}

package postgis

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// loaded is the database's data at one moment: the layers as a Dataset,
// the registry, and the change sequence they include.
type loaded struct {
	ds     *data.Dataset
	layers []*tableLayer
	seq    int64
}

// loadAll reads every layer in one transaction, so the layers and the
// sequence number agree. tx should be REPEATABLE READ, or hold
// planmap_state's lock.
func loadAll(ctx context.Context, tx pgx.Tx, source string) (*loaded, error) {
	var seq int64
	if err := tx.QueryRow(ctx, "SELECT seq FROM planmap_state").Scan(&seq); err != nil {
		return nil, fmt.Errorf("postgis: reading planmap_state (has `planmap import` been run on this database?): %w", err)
	}
	layers, err := readLayers(ctx, tx)
	if err != nil {
		return nil, err
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("postgis: the database serves no layers yet; run `planmap import --store URL` first")
	}
	ds := &data.Dataset{Source: source}
	version := sha256.New()
	for _, l := range layers {
		var last int64
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM planmap_changes WHERE layer = $1", l.Layer).Scan(&last); err != nil {
			return nil, fmt.Errorf("postgis: layer %s: %w", l.Layer, err)
		}
		features, err := copyLayer(ctx, tx, l)
		if err != nil {
			return nil, err
		}
		fc := geojson.NewFeatureCollection()
		fc.Features = features
		ds.Layers = append(ds.Layers, &data.Layer{ID: l.Layer, Title: l.Title, Description: l.Description, License: l.License,
			Attribution: l.Attribution, File: l.Layer + ".geojson", Hash: l.Generation, Seq: last, Features: fc})
		fmt.Fprintf(version, "%s=%s.%d;", l.Layer, l.Generation, last)
	}
	ds.Version = hex.EncodeToString(version.Sum(nil))[:16]
	return &loaded{ds: ds, layers: layers, seq: seq}, nil
}

// copyLayer reads a layer's rows, in the layer's order, with a binary
// COPY: the key as text, the geometry as EWKB, the properties as JSON.
// Rows are decoded in parallel, in batches, as they arrive.
func copyLayer(ctx context.Context, tx pgx.Tx, l *tableLayer) ([]*geojson.Feature, error) {
	sql := fmt.Sprintf("COPY (SELECT %s FROM %s AS t0 WHERE t0.%s IS NOT NULL ORDER BY %s) TO STDOUT (FORMAT binary)",
		l.selectList("t0"), l.qualified(), ident(l.Geometry), l.orderBy("t0"))
	pr, pw := io.Pipe()
	copyErr := make(chan error, 1)
	go func() {
		_, err := tx.Conn().PgConn().CopyTo(ctx, pw, sql)
		pw.CloseWithError(err)
		copyErr <- err
	}()
	features, decodeErr := decodeCopy(pr, l)
	pr.CloseWithError(errors.New("postgis: decoding stopped"))
	if err := <-copyErr; err != nil {
		return nil, fmt.Errorf("postgis: layer %s: reading %s: %w", l.Layer, l.qualified(), err)
	}
	if decodeErr != nil {
		return nil, fmt.Errorf("postgis: layer %s: %w", l.Layer, decodeErr)
	}
	return features, nil
}

// row is one row of the COPY: key, EWKB, properties JSON.
type row struct{ key, geom, props []byte }

var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

// decodeCopy reads PostgreSQL's binary COPY format and decodes each row
// into a feature.
func decodeCopy(r io.Reader, l *tableLayer) ([]*geojson.Feature, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head := make([]byte, len(copySignature)+8)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, fmt.Errorf("reading the COPY header: %w", err)
	}
	if string(head[:len(copySignature)]) != string(copySignature) {
		return nil, fmt.Errorf("not a binary COPY stream")
	}
	if ext := binary.BigEndian.Uint32(head[len(copySignature)+4:]); ext > 0 {
		if _, err := br.Discard(int(ext)); err != nil {
			return nil, fmt.Errorf("reading the COPY header: %w", err)
		}
	}
	const batchSize = 2048
	type batch struct {
		index int
		rows  []row
		out   []*geojson.Feature
		err   error
	}
	work := make(chan *batch)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		batches []*batch
	)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				b.out = make([]*geojson.Feature, len(b.rows))
				for i, rw := range b.rows {
					f, err := decodeRow(rw, l)
					if err != nil {
						b.err = err
						break
					}
					b.out[i] = f
				}
			}
		}()
	}
	var readErr error
	cur := &batch{}
	var buf [4]byte
	for {
		if _, err := io.ReadFull(br, buf[:2]); err != nil {
			readErr = fmt.Errorf("reading a COPY row: %w", err)
			break
		}
		n := int16(binary.BigEndian.Uint16(buf[:2]))
		if n == -1 {
			break
		}
		if n != 3 {
			readErr = fmt.Errorf("a COPY row has %d fields, want 3", n)
			break
		}
		var fields [3][]byte
		for i := range fields {
			if _, err := io.ReadFull(br, buf[:4]); err != nil {
				readErr = fmt.Errorf("reading a COPY field: %w", err)
				break
			}
			size := int32(binary.BigEndian.Uint32(buf[:4]))
			if size < 0 {
				continue
			}
			fields[i] = make([]byte, size)
			if _, err := io.ReadFull(br, fields[i]); err != nil {
				readErr = fmt.Errorf("reading a COPY field: %w", err)
				break
			}
		}
		if readErr != nil {
			break
		}
		cur.rows = append(cur.rows, row{fields[0], fields[1], fields[2]})
		if len(cur.rows) == batchSize {
			mu.Lock()
			cur.index = len(batches)
			batches = append(batches, cur)
			mu.Unlock()
			work <- cur
			cur = &batch{}
		}
	}
	if len(cur.rows) > 0 && readErr == nil {
		batches = append(batches, cur)
		work <- cur
	}
	close(work)
	wg.Wait()
	if readErr != nil {
		return nil, readErr
	}
	total := 0
	for _, b := range batches {
		if b.err != nil {
			return nil, b.err
		}
		total += len(b.out)
	}
	features := make([]*geojson.Feature, 0, total)
	for _, b := range batches {
		features = append(features, b.out...)
	}
	return features, nil
}

// decodeRow makes the feature a row holds.
func decodeRow(rw row, l *tableLayer) (*geojson.Feature, error) {
	id := string(rw.key)
	if rw.key == nil {
		return nil, fmt.Errorf("a row of %s has no key", l.qualified())
	}
	g, err := DecodeEWKB(rw.geom)
	if err != nil {
		return nil, fmt.Errorf("feature %q: %w", id, err)
	}
	props := geojson.Properties{}
	if len(rw.props) > 2 {
		if err := json.Unmarshal(rw.props, &props); err != nil {
			return nil, fmt.Errorf("feature %q: its properties: %w", id, err)
		}
	}
	f := geojson.NewFeature(g)
	f.ID = id
	f.Properties = props
	return f, nil
}

package postgis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// ImportOptions configures Import.
type ImportOptions struct {
	// Schema holds the layer tables (default "public").
	Schema string
	// Replace drops and reloads layers the database already has; without
	// it importing a layer that exists is an error.
	Replace bool
}

// TableName is the table planmap creates for a layer: its id with '-' as
// '_', so it needs no quoting in SQL.
func TableName(layer string) string { return strings.ReplaceAll(layer, "-", "_") }

// columnType is the SQL type of a planning property's column.
func columnType(prop string) string {
	switch prop {
	case "target_year":
		return "integer"
	case "home_point":
		return "jsonb"
	}
	return "text"
}

// layerColumns lists the properties a layer's table has columns for: the
// planning schema's for the planning layers, none for others (their
// properties all go in the jsonb column).
func layerColumns(layer string) []string {
	if !data.IsStandard(layer) {
		return nil
	}
	var cols []string
	for _, p := range append(append([]string(nil), data.CommonProperties...), data.LayerProperties[layer]...) {
		if p != "id" {
			cols = append(cols, p)
		}
	}
	return cols
}

// Import creates a table per layer of ds and loads the features with COPY,
// in one transaction: a GiST-indexed geometry column in SRID 4326, the key,
// planmap_version, planmap_pos, the planning properties as typed columns
// and the rest as jsonb; then it installs planmap's triggers.
func Import(ctx context.Context, url string, ds *data.Dataset, opts ImportOptions) error {
	if opts.Schema == "" {
		opts.Schema = "public"
	}
	conn, tx, err := beginAsWriter(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	defer tx.Rollback(ctx)
	for pos, l := range ds.Layers {
		if err := importLayer(ctx, tx, opts, pos, l); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, 'reload')", Channel); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgis: committing the import: %w", err)
	}
	for _, l := range ds.Layers {
		_, _ = conn.Exec(ctx, "ANALYZE "+pgx.Identifier{opts.Schema, TableName(l.ID)}.Sanitize())
	}
	return nil
}

func importLayer(ctx context.Context, tx pgx.Tx, opts ImportOptions, pos int, l *data.Layer) error {
	table := pgx.Identifier{opts.Schema, TableName(l.ID)}.Sanitize()
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM planmap_layers WHERE layer = $1)", l.ID).Scan(&exists); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	if exists && !opts.Replace {
		return fmt.Errorf("postgis: the database already has layer %s; import with --replace to reload it", l.ID)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM planmap_layers WHERE layer = $1", l.ID); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	cols := layerColumns(l.ID)
	key, keyIsProp := "id", true
	if len(cols) == 0 {
		key, keyIsProp = "fid", false
	}
	var ddl strings.Builder
	fmt.Fprintf(&ddl, "CREATE TABLE %s (\n\t%s text PRIMARY KEY,\n\tgeom geometry(Geometry, %d) NOT NULL,\n\tplanmap_version text,\n\tplanmap_pos bigint", table, key, SRID)
	for _, c := range cols {
		fmt.Fprintf(&ddl, ",\n\t%s %s", ident(c), columnType(c))
	}
	ddl.WriteString(",\n\tproperties jsonb NOT NULL DEFAULT '{}'\n)")
	if _, err := tx.Exec(ctx, ddl.String()); err != nil {
		return fmt.Errorf("postgis: creating %s: %w", table, err)
	}
	names := append([]string{key, "geom", "planmap_version", "planmap_pos"}, cols...)
	names = append(names, "properties")
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = ident(n)
	}
	feats := l.Features.Features
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeCopyText(pw, feats, cols, keyIsProp))
	}()
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, pr, fmt.Sprintf("COPY %s (%s) FROM STDIN", table, strings.Join(quoted, ", "))); err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("postgis: loading layer %s into %s: %w", l.ID, table, err)
	}
	idx := pgx.Identifier{TableName(l.ID) + "_geom_idx"}.Sanitize()
	if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE INDEX %s ON %s USING gist (geom)", idx, table)); err != nil {
		return fmt.Errorf("postgis: indexing %s: %w", table, err)
	}
	gen := make([]byte, 8)
	_, _ = rand.Read(gen)
	if _, err := tx.Exec(ctx, `INSERT INTO planmap_layers (layer, position, table_schema, table_name, key_column, key_is_property,
		geometry_column, srid, extra_column, adopted, generation, title, description, license, attribution)
		VALUES ($1, $2, $3, $4, $5, $6, 'geom', $7, 'properties', false, $8, $9, $10, $11, $12)`,
		l.ID, pos, opts.Schema, TableName(l.ID), key, keyIsProp, SRID, hex.EncodeToString(gen),
		l.Title, l.Description, l.License, l.Attribution); err != nil {
		return fmt.Errorf("postgis: registering layer %s: %w", l.ID, err)
	}
	return installTriggers(ctx, tx, table, l.ID)
}

// writeCopyText writes features as COPY text rows: key, hex EWKB, version,
// position (below zero, in file order), the typed columns, the other
// properties as jsonb.
func writeCopyText(w io.Writer, feats []*geojson.Feature, cols []string, keyIsProp bool) error {
	colSet := map[string]bool{"id": keyIsProp}
	for _, c := range cols {
		colSet[c] = true
	}
	var b []byte
	for i, f := range feats {
		b = b[:0]
		id := data.FeatureID(f)
		ewkb, err := EncodeEWKB(f.Geometry)
		if err != nil {
			return fmt.Errorf("feature %q: %w", id, err)
		}
		b = appendCopyText(b, id)
		b = append(b, '\t')
		b = hex.AppendEncode(b, ewkb)
		b = append(b, '\t')
		b = append(b, data.ContentVersion(data.EncodeFeature(id, f))...)
		b = append(b, '\t')
		b = strconv.AppendInt(b, int64(i-len(feats)), 10)
		for _, c := range cols {
			b = append(b, '\t')
			b = appendColumnValue(b, c, f.Properties[c])
		}
		b = append(b, '\t')
		extra := map[string]any{}
		for k, v := range f.Properties {
			if !colSet[k] {
				extra[k] = v
			}
		}
		b = appendCopyText(b, string(data.AppendValue(nil, extra)))
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// appendColumnValue writes a property value for its typed column.
func appendColumnValue(b []byte, col string, v any) []byte {
	if v == nil {
		return append(b, `\N`...)
	}
	switch columnType(col) {
	case "integer":
		if f, ok := v.(float64); ok {
			return strconv.AppendInt(b, int64(f), 10)
		}
	case "jsonb":
		return appendCopyText(b, string(data.AppendValue(nil, v)))
	}
	if s, ok := v.(string); ok {
		return appendCopyText(b, s)
	}
	return appendCopyText(b, string(data.AppendValue(nil, v)))
}

// appendCopyText escapes s for COPY's text format.
func appendCopyText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, c)
		}
	}
	return b
}

// beginAsWriter connects, begins a transaction, makes sure planmap's
// bookkeeping tables exist and marks the transaction as planmap's own, so
// its triggers do not record its changes as outside edits. The caller
// rolls back (a no-op after commit) and closes the connection.
func beginAsWriter(ctx context.Context, url string) (*pgx.Conn, pgx.Tx, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("postgis: connecting: %w", err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Close(ctx)
		return nil, nil, fmt.Errorf("postgis: %w", err)
	}
	if err := ensureSchema(ctx, tx); err != nil {
		tx.Rollback(ctx)
		conn.Close(ctx)
		return nil, nil, err
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('planmap.writer', 'on', true)"); err != nil {
		tx.Rollback(ctx)
		conn.Close(ctx)
		return nil, nil, fmt.Errorf("postgis: %w", err)
	}
	return conn, tx, nil
}

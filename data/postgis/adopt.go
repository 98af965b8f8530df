package postgis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
)

// AdoptConfig names tables planmap did not create (ogr2ogr, shp2pgsql,
// QGIS) that it should serve. As JSON:
//
//	{"layers": [{"layer": "zoning", "table": "public.zoning",
//	             "key": "ogc_fid", "geometry": "wkb_geometry", "srid": 4490,
//	             "title": "Zoning", "license": "...", "attribution": "..."}]}
//
// Only layer and table are required: the key defaults to the table's
// one-column primary key, the geometry to its only geometry column, the
// SRID to the column's (4326 is served as is, 4490 and others are
// transformed by PostGIS; a column without an SRID needs "srid").
type AdoptConfig struct {
	Layers []AdoptLayer `json:"layers"`
}

// AdoptLayer is one table to adopt.
type AdoptLayer struct {
	Layer    string `json:"layer"`
	Table    string `json:"table"`
	Key      string `json:"key,omitempty"`
	Geometry string `json:"geometry,omitempty"`
	SRID     int    `json:"srid,omitempty"`
	// KeyIsProperty serves the key column as a property too.
	KeyIsProperty bool   `json:"key_is_property,omitempty"`
	Title         string `json:"title,omitempty"`
	Description   string `json:"description,omitempty"`
	License       string `json:"license,omitempty"`
	Attribution   string `json:"attribution,omitempty"`
}

// ReadAdoptConfig reads an adoption config file.
func ReadAdoptConfig(path string) (*AdoptConfig, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	var cfg AdoptConfig
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("postgis: %s: %w", path, err)
	}
	return &cfg, nil
}

// Adopt registers tables another program made as served layers: it adds
// the planmap_version and planmap_pos columns, a GiST index on the
// geometry when it has none, and planmap's triggers, in one transaction.
func Adopt(ctx context.Context, url string, cfg *AdoptConfig, replace bool) error {
	conn, tx, err := beginAsWriter(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	defer tx.Rollback(ctx)
	var next int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(position) + 1, 0) FROM planmap_layers").Scan(&next); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	for i, a := range cfg.Layers {
		if err := adoptOne(ctx, tx, a, next+i, replace); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, 'reload')", Channel); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgis: committing the adoption: %w", err)
	}
	return nil
}

func adoptOne(ctx context.Context, tx pgx.Tx, a AdoptLayer, pos int, replace bool) error {
	if a.Layer == "" || a.Table == "" {
		return fmt.Errorf("postgis: adopting: every layer needs \"layer\" and \"table\"")
	}
	var schema, table string
	if err := tx.QueryRow(ctx, `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.oid = to_regclass($1)`, a.Table).Scan(&schema, &table); err != nil {
		return fmt.Errorf("postgis: adopting %s: no table %q", a.Layer, a.Table)
	}
	q := pgx.Identifier{schema, table}.Sanitize()
	if a.Geometry == "" {
		rows, err := tx.Query(ctx, `SELECT a.attname FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0
			AND NOT a.attisdropped AND a.atttypid = 'geometry'::regtype ORDER BY a.attnum`, q)
		if err != nil {
			return fmt.Errorf("postgis: adopting %s: %w", a.Layer, err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return fmt.Errorf("postgis: adopting %s: %w", a.Layer, err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		if len(cols) != 1 {
			return fmt.Errorf("postgis: adopting %s: %s has %d geometry columns (%s); name one as \"geometry\"", a.Layer, q, len(cols), strings.Join(cols, ", "))
		}
		a.Geometry = cols[0]
	}
	if a.Key == "" {
		rows, err := tx.Query(ctx, `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = $1::regclass AND i.indisprimary`, q)
		if err != nil {
			return fmt.Errorf("postgis: adopting %s: %w", a.Layer, err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return fmt.Errorf("postgis: adopting %s: %w", a.Layer, err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		if len(cols) != 1 {
			return fmt.Errorf("postgis: adopting %s: %s has no one-column primary key; name the key column as \"key\"", a.Layer, q)
		}
		a.Key = cols[0]
	}
	var hasID bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'id' AND NOT attisdropped)`, q).Scan(&hasID); err != nil {
		return fmt.Errorf("postgis: adopting %s: %w", a.Layer, err)
	}
	if hasID && (a.Key != "id" || !a.KeyIsProperty) {
		return fmt.Errorf("postgis: adopting %s: %s has a column \"id\", which planmap serves as the feature id; adopt it with \"key\": \"id\", \"key_is_property\": true", a.Layer, q)
	}
	var keyType string
	if err := tx.QueryRow(ctx, `SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = $1::regclass AND a.attname = $2 AND NOT a.attisdropped`, q, a.Key).Scan(&keyType); err != nil {
		return fmt.Errorf("postgis: adopting %s: %s has no column %q", a.Layer, q, a.Key)
	}
	switch keyType {
	case "int2", "int4", "int8", "text", "varchar", "bpchar":
	default:
		return fmt.Errorf("postgis: adopting %s: key %q is of type %s; planmap takes an integer or text key", a.Layer, a.Key, keyType)
	}
	var colSRID int
	if err := tx.QueryRow(ctx, `SELECT coalesce(postgis_typmod_srid(a.atttypmod), 0) FROM pg_attribute a
		WHERE a.attrelid = $1::regclass AND a.attname = $2`, q, a.Geometry).Scan(&colSRID); err != nil {
		return fmt.Errorf("postgis: adopting %s: %s has no geometry column %q", a.Layer, q, a.Geometry)
	}
	srid := colSRID
	if srid == 0 {
		srid = a.SRID
	}
	if srid == 0 {
		return fmt.Errorf("postgis: adopting %s: column %s of %s declares no SRID; give \"srid\"", a.Layer, a.Geometry, q)
	}
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM planmap_layers WHERE layer = $1)", a.Layer).Scan(&exists); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	if exists && !replace {
		return fmt.Errorf("postgis: the database already has layer %s; adopt with --replace to register it again", a.Layer)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM planmap_layers WHERE layer = $1", a.Layer); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS planmap_version text, ADD COLUMN IF NOT EXISTS planmap_pos bigint", q)); err != nil {
		return fmt.Errorf("postgis: adopting %s: %w", a.Layer, err)
	}
	var indexed bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
		WHERE i.indrelid = $1::regclass AND am.amname = 'gist' AND a.attname = $2)`, q, a.Geometry).Scan(&indexed); err != nil {
		return fmt.Errorf("postgis: adopting %s: %w", a.Layer, err)
	}
	if !indexed {
		if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE INDEX ON %s USING gist (%s)", q, ident(a.Geometry))); err != nil {
			return fmt.Errorf("postgis: adopting %s: indexing: %w", a.Layer, err)
		}
	}
	gen := make([]byte, 8)
	_, _ = rand.Read(gen)
	title := a.Title
	if title == "" {
		title = a.Layer
	}
	if _, err := tx.Exec(ctx, `INSERT INTO planmap_layers (layer, position, table_schema, table_name, key_column, key_is_property,
		geometry_column, srid, extra_column, adopted, generation, title, description, license, attribution)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, true, $9, $10, $11, $12, $13)`,
		a.Layer, pos, schema, table, a.Key, a.KeyIsProperty, a.Geometry, srid, hex.EncodeToString(gen),
		title, a.Description, a.License, a.Attribution); err != nil {
		return fmt.Errorf("postgis: registering layer %s: %w", a.Layer, err)
	}
	return installTriggers(ctx, tx, q, a.Layer)
}

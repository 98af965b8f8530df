package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tableLayer is one served layer: its registry row and what the catalog
// says of its table.
type tableLayer struct {
	Layer         string
	Position      int
	Schema, Table string
	Key           string
	KeyIsProperty bool
	Geometry      string
	SRID          int
	Extra         string // the jsonb column of other properties, or ""
	Adopted       bool
	Generation    string
	Title         string
	Description   string
	License       string
	Attribution   string

	// From the catalog.
	keyType  string   // e.g. "text", "integer"
	geomType string   // e.g. "GEOMETRY", "MULTIPOLYGON"
	colSRID  int      // the geometry column's declared SRID (0: none)
	props    []string // the columns served as properties
	// propSet holds props, for splitting a feature's properties into
	// columns and the extra column.
	propSet map[string]bool
}

// qualified is the table's name for SQL.
func (l *tableLayer) qualified() string { return pgx.Identifier{l.Schema, l.Table}.Sanitize() }

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// readLayers reads the registry and each table's columns.
func readLayers(ctx context.Context, q querier) ([]*tableLayer, error) {
	rows, err := q.Query(ctx, `SELECT layer, position, table_schema, table_name, key_column, key_is_property,
		geometry_column, srid, coalesce(extra_column, ''), adopted, generation, title, description, license, attribution
		FROM planmap_layers ORDER BY position, layer`)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading planmap_layers (has `planmap import` been run on this database?): %w", err)
	}
	var layers []*tableLayer
	for rows.Next() {
		l := &tableLayer{}
		if err := rows.Scan(&l.Layer, &l.Position, &l.Schema, &l.Table, &l.Key, &l.KeyIsProperty, &l.Geometry, &l.SRID,
			&l.Extra, &l.Adopted, &l.Generation, &l.Title, &l.Description, &l.License, &l.Attribution); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgis: reading planmap_layers: %w", err)
		}
		layers = append(layers, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: reading planmap_layers: %w", err)
	}
	for _, l := range layers {
		if err := l.readCatalog(ctx, q); err != nil {
			return nil, err
		}
	}
	return layers, nil
}

// readCatalog fills in the table's column types and property columns.
func (l *tableLayer) readCatalog(ctx context.Context, q querier) error {
	rows, err := q.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname
		FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, l.qualified())
	if err != nil {
		return fmt.Errorf("postgis: layer %s: reading the columns of %s: %w", l.Layer, l.qualified(), err)
	}
	defer rows.Close()
	l.props, l.propSet = nil, map[string]bool{}
	var sawKey, sawGeom bool
	for rows.Next() {
		var name, typ, base string
		if err := rows.Scan(&name, &typ, &base); err != nil {
			return fmt.Errorf("postgis: layer %s: %w", l.Layer, err)
		}
		switch {
		case name == l.Key:
			sawKey = true
			l.keyType = typ
			if l.KeyIsProperty {
				l.props = append(l.props, name)
			}
		case name == l.Geometry:
			sawGeom = true
			l.geomType = "GEOMETRY"
			if p := strings.Index(typ, "("); p > 0 {
				// geometry(MultiPolygon,4326)
				inner := strings.TrimSuffix(typ[p+1:], ")")
				parts := strings.Split(inner, ",")
				l.geomType = strings.ToUpper(strings.TrimSpace(parts[0]))
				if len(parts) > 1 {
					fmt.Sscan(strings.TrimSpace(parts[1]), &l.colSRID)
				}
			}
		case name == "planmap_version", name == "planmap_pos", name == l.Extra:
		default:
			l.props = append(l.props, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgis: layer %s: %w", l.Layer, err)
	}
	if !sawKey || !sawGeom {
		return fmt.Errorf("postgis: layer %s: table %s lacks its key column %q or geometry column %q", l.Layer, l.qualified(), l.Key, l.Geometry)
	}
	for _, p := range l.props {
		l.propSet[p] = true
	}
	return nil
}

// geomOut is the SQL giving the row's geometry as EWKB in WGS 84.
func (l *tableLayer) geomOut(alias string) string {
	g := alias + "." + ident(l.Geometry)
	if l.colSRID == 0 {
		g = fmt.Sprintf("ST_SetSRID(%s, %d)", g, l.SRID)
	}
	if l.SRID != SRID {
		g = fmt.Sprintf("ST_Transform(%s, %d)", g, SRID)
	}
	return "ST_AsEWKB(" + g + ")"
}

// geomIn is the SQL turning EWKB in WGS 84 (parameter p) into the column's
// geometry.
func (l *tableLayer) geomIn(p string) string {
	g := "ST_GeomFromEWKB(" + p + ")"
	if l.SRID != SRID {
		g = fmt.Sprintf("ST_Transform(%s, %d)", g, l.SRID)
	}
	if strings.HasPrefix(l.geomType, "MULTI") {
		g = "ST_Multi(" + g + ")"
	}
	return g
}

// propsOut is the SQL giving the row's served properties as JSON text.
func (l *tableLayer) propsOut(alias string) string {
	var parts []string
	for i := 0; i < len(l.props); i += 40 {
		var args []string
		for _, p := range l.props[i:min(i+40, len(l.props))] {
			args = append(args, quoteLiteral(p), alias+"."+ident(p))
		}
		parts = append(parts, "jsonb_build_object("+strings.Join(args, ", ")+")")
	}
	if l.Extra != "" {
		parts = append(parts, "coalesce("+alias+"."+ident(l.Extra)+", '{}'::jsonb)")
	}
	if len(parts) == 0 {
		return "'{}'"
	}
	return "(" + strings.Join(parts, " || ") + ")::text"
}

// selectList is the columns every read of a feature takes: the key, the
// geometry and the properties.
func (l *tableLayer) selectList(alias string) string {
	return fmt.Sprintf("%s.%s::text, %s, %s", alias, ident(l.Key), l.geomOut(alias), l.propsOut(alias))
}

// orderBy is the layer's order: the place each feature was given.
func (l *tableLayer) orderBy(alias string) string {
	return fmt.Sprintf("%s.planmap_pos NULLS FIRST, %s.%s", alias, alias, ident(l.Key))
}

// keyArray casts a text[] parameter to the key's type.
func (l *tableLayer) keyArray(p string) string {
	return fmt.Sprintf("%s::text[]::%s[]", p, l.keyType)
}

package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The tables planmap keeps beside the layer tables:
//
//   - planmap_state: one row, the global change sequence (the seq of the
//     newest change). Every change — planmap's own writes and, through the
//     triggers, any INSERT, UPDATE or DELETE from QGIS or plain SQL — takes
//     the row's lock to number itself, so changes commit in sequence order
//     and a replica that has seen seq N has seen every change up to N.
//   - planmap_layers: the registry of served layers: the table, its key and
//     geometry columns, SRID, metadata, and a generation token naming the
//     table's content as loaded (the base of every replica's layer version).
//   - planmap_changes: the history, one row per change: seq, time, actor,
//     operation, layer, feature id, the feature before and after as
//     GeoJSON, and the version after.
//
// Each layer table has a geometry column, a key, planmap_version (the
// feature's content version as planmap last wrote it; NULL after an edit
// planmap did not make) and planmap_pos (the feature's place in the
// layer's order: the seq that created it, or its position in the imported
// file counted below zero), and its properties as columns; planmap's own
// tables add a jsonb column "properties" for properties that have no
// column of their own.
const schemaSQL = `
CREATE TABLE IF NOT EXISTS planmap_state (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq bigint NOT NULL
);
INSERT INTO planmap_state (one, seq) VALUES (true, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS planmap_layers (
	layer text PRIMARY KEY,
	position integer NOT NULL,
	table_schema text NOT NULL,
	table_name text NOT NULL,
	key_column text NOT NULL,
	key_is_property boolean NOT NULL,
	geometry_column text NOT NULL,
	srid integer NOT NULL,
	extra_column text,
	adopted boolean NOT NULL,
	generation text NOT NULL,
	title text NOT NULL DEFAULT '',
	description text NOT NULL DEFAULT '',
	license text NOT NULL DEFAULT '',
	attribution text NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS planmap_changes (
	seq bigint PRIMARY KEY,
	time timestamptz NOT NULL,
	actor text NOT NULL,
	op text NOT NULL,
	layer text NOT NULL,
	id text NOT NULL,
	before json,
	after json,
	version text
);
CREATE INDEX IF NOT EXISTS planmap_changes_feature ON planmap_changes (layer, id, seq);

-- planmap_geojson writes a geometry as a GeoJSON geometry in WGS 84.
CREATE OR REPLACE FUNCTION planmap_geojson(g geometry, srid integer) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN g IS NULL THEN NULL
		ELSE ST_AsGeoJSON(ST_Transform(CASE WHEN ST_SRID(g) = 0 THEN ST_SetSRID(g, srid) ELSE g END, 4326), 15)::json END
$$;

-- planmap_feature writes a row of a layer table as a GeoJSON feature,
-- with the properties planmap serves.
CREATE OR REPLACE FUNCTION planmap_feature(lyr planmap_layers, r jsonb, g geometry) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	props jsonb := r - lyr.geometry_column - 'planmap_version' - 'planmap_pos';
BEGIN
	IF NOT lyr.key_is_property THEN
		props := props - lyr.key_column;
	END IF;
	IF lyr.extra_column IS NOT NULL THEN
		props := (props - lyr.extra_column) || coalesce(r -> lyr.extra_column, '{}'::jsonb);
	END IF;
	RETURN json_build_object('type', 'Feature', 'id', r ->> lyr.key_column,
		'geometry', planmap_geojson(g, lyr.srid), 'properties', props);
END
$$;

-- planmap_record is the trigger on every served table. planmap's own
-- writes (which set planmap.writer) record their changes themselves; for
-- any other INSERT, UPDATE or DELETE it numbers the change from
-- planmap_state, records it in planmap_changes (an UPDATE that changes
-- the key as a delete and a create), marks the row's version unknown and
-- notifies the replicas.
CREATE OR REPLACE FUNCTION planmap_record() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	lyr planmap_layers;
	s bigint;
	n integer := 1;
	oldkey text;
	newkey text;
	oldrow jsonb;
	newrow jsonb;
	oldgeom geometry;
	newgeom geometry;
	who text := coalesce(nullif(current_setting('application_name', true), ''), 'sql') || ':' || session_user;
BEGIN
	IF current_setting('planmap.writer', true) = 'on' THEN
		IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
		RETURN NEW;
	END IF;
	SELECT * INTO lyr FROM planmap_layers WHERE layer = TG_ARGV[0];
	IF NOT FOUND THEN
		IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
		RETURN NEW;
	END IF;
	IF TG_OP <> 'INSERT' THEN
		oldrow := to_jsonb(OLD);
		oldkey := oldrow ->> lyr.key_column;
		EXECUTE format('SELECT ($1).%I', lyr.geometry_column) USING OLD INTO oldgeom;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		newrow := to_jsonb(NEW);
		newkey := newrow ->> lyr.key_column;
		EXECUTE format('SELECT ($1).%I', lyr.geometry_column) USING NEW INTO newgeom;
	END IF;
	IF TG_OP = 'UPDATE' AND oldkey IS DISTINCT FROM newkey THEN
		n := 2;
	END IF;
	UPDATE planmap_state SET seq = seq + n RETURNING seq INTO s;
	IF TG_OP = 'INSERT' THEN
		INSERT INTO planmap_changes VALUES (s, now(), who, 'create', lyr.layer, newkey, NULL,
			planmap_feature(lyr, newrow, newgeom), NULL);
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO planmap_changes VALUES (s, now(), who, 'delete', lyr.layer, oldkey,
			planmap_feature(lyr, oldrow, oldgeom), NULL, NULL);
	ELSIF n = 2 THEN
		INSERT INTO planmap_changes VALUES (s - 1, now(), who, 'delete', lyr.layer, oldkey,
			planmap_feature(lyr, oldrow, oldgeom), NULL, NULL);
		INSERT INTO planmap_changes VALUES (s, now(), who, 'create', lyr.layer, newkey, NULL,
			planmap_feature(lyr, newrow, newgeom), NULL);
	ELSE
		INSERT INTO planmap_changes VALUES (s, now(), who, 'replace', lyr.layer, newkey,
			planmap_feature(lyr, oldrow, oldgeom), planmap_feature(lyr, newrow, newgeom), NULL);
	END IF;
	PERFORM pg_notify('planmap_changes', '');
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	NEW.planmap_version := NULL;
	IF TG_OP = 'INSERT' OR n = 2 THEN
		NEW.planmap_pos := s;
	END IF;
	RETURN NEW;
END
$$;

-- planmap_refuse_truncate keeps TRUNCATE, which row triggers do not see,
-- off served tables.
CREATE OR REPLACE FUNCTION planmap_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('planmap.writer', true) = 'on' THEN
		RETURN NULL;
	END IF;
	RAISE EXCEPTION 'planmap: TRUNCATE on %, a table planmap serves, would not reach its replicas; use DELETE', TG_TABLE_NAME;
END
$$;
`

// Channel is the notification channel the triggers and planmap's writes
// signal on.
const Channel = "planmap_changes"

// querier is what a connection, pool or transaction offers.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ensureSchema creates planmap's tables and functions where missing.
func ensureSchema(ctx context.Context, tx pgx.Tx) error {
	// Two imports at once must not race on CREATE ... IF NOT EXISTS.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7170011)"); err != nil {
		return fmt.Errorf("postgis: %w", err)
	}
	if _, err := tx.Exec(ctx, schemaSQL); err != nil {
		return fmt.Errorf("postgis: creating planmap's tables: %w", err)
	}
	return nil
}

// installTriggers puts planmap's triggers on a layer table.
func installTriggers(ctx context.Context, tx pgx.Tx, table, layer string) error {
	lit := "'" + strings.ReplaceAll(layer, "'", "''") + "'"
	sql := fmt.Sprintf(`
DROP TRIGGER IF EXISTS planmap_record ON %[1]s;
CREATE TRIGGER planmap_record BEFORE INSERT OR UPDATE OR DELETE ON %[1]s
	FOR EACH ROW EXECUTE FUNCTION planmap_record(%[2]s);
DROP TRIGGER IF EXISTS planmap_refuse_truncate ON %[1]s;
CREATE TRIGGER planmap_refuse_truncate BEFORE TRUNCATE ON %[1]s
	FOR EACH STATEMENT EXECUTE FUNCTION planmap_refuse_truncate();`, table, lit)
	if _, err := tx.Exec(ctx, sql); err != nil {
		return fmt.Errorf("postgis: installing triggers on %s: %w", table, err)
	}
	return nil
}

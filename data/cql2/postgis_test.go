package cql2

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/planmap/planmap/data/internal/pgtest"
)

// TestSQLAgainstPostGIS runs random filters as SQL on a real PostGIS, once
// with typed columns and once with a jsonb column, and compares the rows
// selected with what Match selects on the same features. Skipped without
// PostgreSQL/PostGIS unless CI=true.
func TestSQLAgainstPostGIS(t *testing.T) {
	c := pgtest.Start(t)
	url := c.CreateDatabase(t, "cql2")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE t (fid int PRIMARY KEY, s text, n double precision, i bigint, b boolean,
		d date, ts timestamptz, g geometry(Geometry, 4326), props jsonb)`); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	fs := randomFeatures(r, 400)
	q := randomQueryables()
	for _, f := range fs {
		typed := map[string]any{}
		for name, qq := range q {
			v, ok := f.props[name]
			if !ok || v == nil {
				continue
			}
			cv, ok := convertValue(v, qq.Type.kind())
			if !ok {
				continue // ill-typed: NULL in the typed column
			}
			switch qq.Type.kind() {
			case KindString:
				typed[name] = cv.s
			case KindNumber:
				typed[name] = cv.n
			case KindBool:
				typed[name] = cv.b == triTrue
			default:
				typed[name] = cv.t
			}
		}
		var geom []byte
		if f.geom != nil {
			geom = ewkb.MustMarshal(f.geom, 4326)
		}
		props, _ := json.Marshal(f.props)
		if _, err := conn.Exec(ctx, `INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, ST_GeomFromEWKB($8), $9)`,
			f.id, typed["s"], typed["n"], typed["i"], typed["b"], typed["d"], typed["ts"], geom, props); err != nil {
			t.Fatal(err)
		}
	}
	texts, exprs := randomFilters(t, r, 600)
	mappers := map[string]ColumnMapper{"typed": TypedColumns("g"), "jsonb": JSONBColumns("props", "g")}
	nonEmpty := 0
	for k, e := range exprs {
		want := []int{}
		for _, f := range fs {
			if e.Match(f) {
				want = append(want, f.id)
			}
		}
		if len(want) > 0 && len(want) < len(fs) {
			nonEmpty++
		}
		for name, m := range mappers {
			where, args, err := e.SQL(m)
			if err != nil {
				t.Fatalf("%s: SQL: %v", texts[k], err)
			}
			rows, err := conn.Query(ctx, "SELECT fid FROM t WHERE "+where+" ORDER BY fid", args...)
			if err != nil {
				t.Fatalf("%s (%s): %v\n%s", texts[k], name, err, where)
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[int])
			if err != nil {
				t.Fatalf("%s (%s): %v\n%s", texts[k], name, err, where)
			}
			if got == nil {
				got = []int{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s (%s):\nPostGIS selects %v\nMatch selects   %v\nSQL: %s\nargs: %v", texts[k], name, got, want, where, args)
			}
		}
	}
	// The comparison means something only if filters select proper subsets.
	if nonEmpty < len(exprs)/3 {
		t.Fatalf("only %d of %d filters selected a proper subset", nonEmpty, len(exprs))
	}
	t.Logf("%d random filters, %d selecting a proper subset of %d features, agree with PostGIS (typed and jsonb columns)", len(exprs), nonEmpty, len(fs))
}

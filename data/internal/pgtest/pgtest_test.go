package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartAndPostGIS(t *testing.T) {
	c := Start(t)
	url := c.CreateDatabase(t, "smoke")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n bool
	if err := conn.QueryRow(ctx, "SELECT ST_Intersects(ST_GeomFromText('POINT(1 1)', 4326), ST_MakeEnvelope(0, 0, 2, 2, 4326))").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if !n {
		t.Fatal("PostGIS says POINT(1 1) is outside the box 0..2")
	}
}

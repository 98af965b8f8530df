package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/planmap/planmap/data"
)

// LoadDataset reads every layer the database serves, as one consistent
// Dataset (one REPEATABLE READ transaction).
func LoadDataset(ctx context.Context, url string) (*data.Dataset, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgis: connecting: %w", err)
	}
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	defer tx.Rollback(ctx)
	ld, err := loadAll(ctx, tx, describe(conn.Config()))
	if err != nil {
		return nil, err
	}
	return ld.ds, nil
}

// Export writes every layer the database serves into dir as a planmap
// dataset folder: LAYER.geojson (data.EncodeLayerFile) and the LAYER.json
// sidecar with its metadata. Each file is replaced atomically.
func Export(ctx context.Context, url, dir string) (*data.Dataset, error) {
	ds, err := LoadDataset(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	for _, l := range ds.Layers {
		if err := data.WriteFileAtomic(filepath.Join(dir, l.ID+".geojson"), data.EncodeLayerFile(l), true); err != nil {
			return nil, err
		}
		side, err := json.MarshalIndent(map[string]string{"title": l.Title, "description": l.Description,
			"license": l.License, "attribution": l.Attribution}, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("postgis: %w", err)
		}
		if err := data.WriteFileAtomic(filepath.Join(dir, l.ID+".json"), append(side, '\n'), true); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

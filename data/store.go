package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/paulmach/orb/geojson"
)

// Store keeps the planning layers: it answers reads through immutable
// snapshots and applies changes atomically. planmap has two: the file
// store (OpenFiles: a data folder, or the built-in dataset read-only) and
// the PostGIS store (data/postgis). One conformance suite
// (data/storetest) runs against both.
//
// Reads never wait for writes: Current returns the newest snapshot, which
// no change alters. A change makes a new snapshot that shares everything it
// did not touch: each changed layer gets a new LayerView over the same
// indexed base with a small overlay of changed features, so a change costs
// the overlay's size (the features changed since the layer was indexed),
// not the layer's. Reads of a changed layer test the overlay beside the
// base's index.
type Store interface {
	// Current returns the newest snapshot.
	Current() *Snapshot
	// Apply applies changes as one atomic unit: all of them or none. It
	// returns when they are durable (on disk, fsynced; or committed), with
	// the state each change left, in order.
	Apply(ctx context.Context, actor string, changes []Change) ([]Applied, error)
	// History returns a feature's changes, oldest first.
	History(ctx context.Context, layer, id string) ([]Revision, error)
	// Changes returns up to limit changes with a sequence number above
	// since, in order.
	Changes(ctx context.Context, since int64, limit int) ([]Revision, error)
	// Subscribe calls fn, from one goroutine, with every new snapshot
	// after it is installed; cancel stops it.
	Subscribe(fn func(*Snapshot)) (cancel func())
	// Writable returns nil when the store accepts changes, else why not.
	Writable() error
	// Health reports the store's state for operators.
	Health() StoreHealth
	// Close releases the store's resources.
	Close() error
}

// StoreHealth is what a store tells operators about itself.
type StoreHealth struct {
	Kind string `json:"kind"`
	// Ready is false while the store cannot serve current data.
	Ready bool `json:"ready"`
	// Problem is the last reload, journal or connection problem.
	Problem   string    `json:"problem,omitempty"`
	ProblemAt time.Time `json:"problem_at,omitzero"`
	LastLoad  time.Time `json:"last_load,omitzero"`
}

// Op is what a change does.
type Op string

// The change operations of OGC API – Features Part 4.
const (
	OpCreate  Op = "create"
	OpReplace Op = "replace"
	OpPatch   Op = "patch"
	OpDelete  Op = "delete"
	// OpReload records a layer replaced by its file changing on disk.
	OpReload Op = "reload"
)

// Change is one requested change to one feature.
type Change struct {
	Op    Op
	Layer string
	// ID names the feature; on create it may be empty, and the store
	// assigns one.
	ID string
	// Feature is the new feature (create, replace).
	Feature *geojson.Feature
	// Patch is an RFC 7396 JSON merge patch over the feature's GeoJSON
	// object (its properties and geometry).
	Patch json.RawMessage
	// IfMatch, when set, is the version the feature must have.
	IfMatch string
}

// Applied is the state one change left.
type Applied struct {
	Seq   int64
	Op    Op
	Layer string
	ID    string
	// Version is the feature's new version ("" after a delete).
	Version string
	// Feature is the feature now stored (nil after a delete).
	Feature *geojson.Feature
}

// Revision is one change as history keeps it.
type Revision struct {
	Seq    int64           `json:"seq"`
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor"`
	Op     Op              `json:"op"`
	Layer  string          `json:"layer"`
	ID     string          `json:"id"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
	// Version is the feature's version after the change ("" if deleted).
	Version string `json:"version,omitempty"`
}

// Errors a store returns; test with errors.Is.
var (
	// ErrReadOnly: the store takes no changes (the built-in dataset).
	ErrReadOnly = errors.New("data: read-only")
	// ErrNotFound: no such layer or feature.
	ErrNotFound = errors.New("data: not found")
	// ErrExists: a create named an id already used.
	ErrExists = errors.New("data: id already exists")
	// ErrPrecondition: IfMatch named another version than the feature has.
	ErrPrecondition = errors.New("data: precondition failed")
	// ErrInvalid: the change breaks a rule; the error is a *ChangeError
	// listing every problem.
	ErrInvalid = errors.New("data: invalid change")
	// ErrUnavailable: the store cannot take changes now (database down).
	ErrUnavailable = errors.New("data: store unavailable")
)

// ChangeError says which change of a batch failed and why.
type ChangeError struct {
	// Index is the change's position in the batch.
	Index    int
	Layer    string
	ID       string
	Err      error
	Problems []Problem
}

func (e *ChangeError) Error() string {
	msg := fmt.Sprintf("data: change %d (%s %s): %v", e.Index, e.Layer, e.ID, e.Err)
	for _, p := range e.Problems {
		msg += "; " + p.Reason
	}
	return msg
}

func (e *ChangeError) Unwrap() error { return e.Err }

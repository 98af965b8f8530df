package postgis

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// Options configures a PostGIS store.
type Options struct {
	// MatchCacheBytes bounds each layer version's cache of query answers
	// (0: 64 MiB; negative: off), as data.FileOptions.
	MatchCacheBytes int64
	// Logger receives connection and catch-up reports (nil: slog.Default()).
	Logger *slog.Logger
	// WriteTimeout bounds one write's transaction (0: 10 s).
	WriteTimeout time.Duration
	// PollInterval is how often the store checks the change sequence even
	// when no notification came (0: 5 s): a safety net under LISTEN.
	PollInterval time.Duration
	// ConnectTimeout bounds each connection attempt (0: 3 s).
	ConnectTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MatchCacheBytes == 0 {
		o.MatchCacheBytes = 64 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 3 * time.Second
	}
	return o
}

// Store is the PostGIS store: the database is the system of record, and
// every replica keeps all layers in memory, indexed, as the file store
// does, so reads never touch the database.
//
// Writes: a batch is planned against the current snapshot (data.Plan: ids,
// If-Match, the planmap check rules), then applied in one transaction that
// first takes planmap_state's row lock — the global change sequence — so
// that writes from every replica and from SQL are numbered in commit
// order. If the database holds changes the replica has not seen, it
// catches up inside that transaction and plans again. Each changed row is
// locked and its current content version compared with the planned
// "before" version (the optimistic lock: a mismatch is
// data.ErrPrecondition); the rows are written, each change recorded in
// planmap_changes, the sequence advanced, the replicas notified, and the
// change acknowledged only after COMMIT. What the database stored
// (RETURNING, after type coercion on adopted tables) is what the store
// serves. Writes queued while one commits are committed together (group
// commit): each request planned on the snapshot the ones before it make,
// so a request the planmap rules refuse fails alone, and one transaction,
// one notification and one COMMIT serve them all; should the database
// refuse a change of such a group, its requests are applied again one by
// one.
//
// Reads from other writers: the triggers on every served table NOTIFY on
// each change; the store LISTENs, and on each notification (and every
// PollInterval) reads the changes after the last sequence it has, re-reads
// the changed rows in the same REPEATABLE READ transaction, and installs
// one new snapshot: a request sees one version from start to end. After a
// dropped connection it reconnects and catches up the same way.
//
// Database down: reads go on from memory; Apply returns data.ErrUnavailable
// (the API answers 503 with Retry-After); History and Changes fail; Health
// reports the problem. Ready stays true, because the replica still serves
// the data it has — a load balancer that took every replica out while the
// shared database is down would turn a write outage into a read outage.
// Both recover without a restart.
type Store struct {
	source  string
	opts    Options
	log     *slog.Logger
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig
	current atomic.Pointer[data.Snapshot]
	// layers is the registry of the data loaded; only the loop goroutine
	// uses it after Open.
	layers   map[string]*tableLayer
	requests chan *writeRequest
	// notifyID is the payload of this store's own notifications, which
	// its listener skips.
	notifyID string
	poke     chan bool // true: reload everything
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	closed   atomic.Bool

	mu       sync.Mutex // guards the fields below
	notifier data.Notifier
	dbErr    string
	dbErrAt  time.Time
	lastLoad time.Time
}

type writeRequest struct {
	actor   string
	changes []data.Change
	done    chan writeResult
}

type writeResult struct {
	applied []data.Applied
	err     error
}

// Open connects to the database at url (a postgres:// URL or key=value
// string), loads every layer and starts following changes.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	s := &Store{source: describe(cfg.ConnConfig), opts: opts, log: opts.Logger, pool: pool, connCfg: cfg.ConnConfig,
		requests: make(chan *writeRequest, 256), poke: make(chan bool, 1), notifyID: newNotifyID()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	snap, layers, err := s.loadSnapshot(ctx)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.current.Store(snap)
	s.layers = layers
	s.lastLoad = time.Now()
	s.wg.Add(2)
	go s.loop()
	go s.listen()
	return s, nil
}

// newNotifyID returns a random name for a store's notifications.
func newNotifyID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "replica-" + hex.EncodeToString(b[:])
}

// describe names the database without its password.
func describe(c *pgx.ConnConfig) string {
	return fmt.Sprintf("postgres://%s@%s/%s", c.User, net.JoinHostPort(c.Host, fmt.Sprint(c.Port)), c.Database)
}

// loadSnapshot reads every layer in one REPEATABLE READ transaction.
func (s *Store) loadSnapshot(ctx context.Context) (*data.Snapshot, map[string]*tableLayer, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, fmt.Errorf("postgis: connecting to %s: %w", s.source, err)
	}
	defer tx.Rollback(ctx)
	return s.loadIn(ctx, tx)
}

func (s *Store) loadIn(ctx context.Context, tx pgx.Tx) (*data.Snapshot, map[string]*tableLayer, error) {
	ld, err := loadAll(ctx, tx, s.source)
	if err != nil {
		return nil, nil, err
	}
	snap := data.NewSnapshot(ld.ds, s.opts.MatchCacheBytes)
	snap.Seq = ld.seq // not yet shared with any reader
	layers := map[string]*tableLayer{}
	for _, l := range ld.layers {
		layers[l.Layer] = l
	}
	return snap, layers, nil
}

// Current returns the newest snapshot.
func (s *Store) Current() *data.Snapshot { return s.current.Load() }

// Writable reports nil: a PostGIS store takes changes (while the database
// is down Apply says so with data.ErrUnavailable).
func (s *Store) Writable() error { return nil }

// Apply applies changes in one transaction and returns after COMMIT.
func (s *Store) Apply(ctx context.Context, actor string, changes []data.Change) ([]data.Applied, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("%w: the store is closed", data.ErrUnavailable)
	}
	// The strings live on in snapshots and history: own them (a web
	// framework may hand out strings backed by a buffer it reuses).
	owned := make([]data.Change, len(changes))
	for i, ch := range changes {
		ch.Layer, ch.ID, ch.IfMatch = strings.Clone(ch.Layer), strings.Clone(ch.ID), strings.Clone(ch.IfMatch)
		owned[i] = ch
	}
	req := &writeRequest{actor: strings.Clone(actor), changes: owned, done: make(chan writeResult, 1)}
	select {
	case s.requests <- req:
	case <-s.ctx.Done():
		return nil, fmt.Errorf("%w: the store is closed", data.ErrUnavailable)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued the change is applied or refused whatever the caller
	// does: wait, so a cancelled request is never half-known.
	res := <-req.done
	return res.applied, res.err
}

// loop applies writes and catches up, one at a time, so snapshots are
// installed in sequence order.
func (s *Store) loop() {
	defer s.wg.Done()
	tick := time.NewTicker(s.opts.PollInterval)
	defer tick.Stop()
	for {
		select {
		case req := <-s.requests:
			group := s.gather(req)
			for i, res := range s.write(group) {
				group[i].done <- res
			}
		case reload := <-s.poke:
			s.sync(reload)
		case <-tick.C:
			s.sync(false)
		case <-s.ctx.Done():
			for {
				select {
				case req := <-s.requests:
					req.done <- writeResult{err: fmt.Errorf("%w: the store is closed", data.ErrUnavailable)}
				default:
					return
				}
			}
		}
	}
}

// Group commit bounds: the requests, and the changes in them, that one
// transaction takes at most.
const (
	maxGroupRequests = 64
	maxGroupChanges  = 1024
)

// gather returns first and the write requests queued behind it, up to the
// group commit bounds, to be committed in one transaction.
func (s *Store) gather(first *writeRequest) []*writeRequest {
	group := []*writeRequest{first}
	changes := len(first.changes)
	for len(group) < maxGroupRequests && changes < maxGroupChanges {
		select {
		case req := <-s.requests:
			group = append(group, req)
			changes += len(req.changes)
		default:
			return group
		}
	}
	return group
}

func (s *Store) wake(reload bool) {
	if reload {
		// A reload must not be lost behind a plain poke already queued.
		select {
		case <-s.poke:
		default:
		}
	}
	select {
	case s.poke <- reload:
	default:
	}
}

// sync catches up with the database.
func (s *Store) sync(reload bool) {
	ctx, cancel := context.WithTimeout(s.ctx, 2*s.opts.WriteTimeout)
	defer cancel()
	err := func() error {
		if !reload {
			// Most wakes find nothing new: one round trip says so.
			var seq int64
			if err := s.pool.QueryRow(ctx, "SELECT seq FROM planmap_state").Scan(&seq); err != nil {
				return err
			}
			if seq == s.current.Load().Seq {
				return nil
			}
		}
		tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if reload {
			snap, layers, err := s.loadIn(ctx, tx)
			if err != nil {
				return err
			}
			s.layers = layers
			s.install(snap, true)
			return nil
		}
		var seq int64
		if err := tx.QueryRow(ctx, "SELECT seq FROM planmap_state").Scan(&seq); err != nil {
			return err
		}
		cur := s.current.Load()
		if seq == cur.Seq {
			return nil
		}
		next, err := s.catchUp(ctx, tx, cur, seq)
		if err != nil {
			return err
		}
		s.install(next, false)
		return nil
	}()
	if err != nil {
		if s.ctx.Err() == nil {
			s.setDown(fmt.Errorf("catching up: %w", err))
		}
		return
	}
	s.setUp()
}

// catchUp reads the changes after cur up to seq upto in tx and returns the
// snapshot that includes them. Changed rows are read again, so the
// snapshot holds exactly what the database does at upto; a change to a
// layer the store does not know, or an import, reloads everything.
func (s *Store) catchUp(ctx context.Context, tx pgx.Tx, cur *data.Snapshot, upto int64) (*data.Snapshot, error) {
	rows, err := tx.Query(ctx, "SELECT seq, layer, id, op FROM planmap_changes WHERE seq > $1 AND seq <= $2 ORDER BY seq", cur.Seq, upto)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading changes: %w", err)
	}
	type touch struct {
		layer, id string
		last      int64
	}
	var (
		order  []*touch
		byKey  = map[string]*touch{}
		reload bool
		count  int64
	)
	for rows.Next() {
		var (
			seq           int64
			layer, id, op string
		)
		if err := rows.Scan(&seq, &layer, &id, &op); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgis: reading changes: %w", err)
		}
		count++
		if s.layers[layer] == nil || op == string(data.OpReload) {
			reload = true
			continue
		}
		key := layer + "\x00" + id
		t := byKey[key]
		if t == nil {
			t = &touch{layer: layer, id: id}
			byKey[key] = t
			order = append(order, t)
		}
		t.last = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: reading changes: %w", err)
	}
	if reload || count != upto-cur.Seq || len(order) == 0 {
		snap, layers, err := s.loadIn(ctx, tx)
		if err != nil {
			return nil, err
		}
		s.layers = layers
		s.log.Info("postgis: reloaded every layer", "seq", snap.Seq)
		return snap, nil
	}
	ids := map[string][]string{}
	for _, t := range order {
		ids[t.layer] = append(ids[t.layer], t.id)
	}
	found := map[string][]byte{}
	for layer, list := range ids {
		got, err := s.readRows(ctx, tx, s.layers[layer], list, false)
		if err != nil {
			return nil, err
		}
		for id, enc := range got {
			found[layer+"\x00"+id] = enc
		}
	}
	revs := make([]data.Revision, len(order))
	for i, t := range order {
		after := json.RawMessage("null")
		if enc, ok := found[t.layer+"\x00"+t.id]; ok {
			after = enc
		}
		revs[i] = data.Revision{Seq: t.last, Layer: t.layer, ID: t.id, After: after}
	}
	next, err := cur.ReplayRevisions(revs, s.opts.MatchCacheBytes)
	if err != nil {
		return nil, err
	}
	next.Seq = upto // next is new: no reader has it yet
	return next, nil
}

// readRows reads features of a layer by id, as EncodeFeature writes them,
// locking the rows when forUpdate.
func (s *Store) readRows(ctx context.Context, tx pgx.Tx, l *tableLayer, ids []string, forUpdate bool) (map[string][]byte, error) {
	sql := fmt.Sprintf("SELECT %s FROM %s AS t0 WHERE t0.%s = ANY(%s)", l.selectList("t0"), l.qualified(), ident(l.Key), l.keyArray("$1"))
	if forUpdate {
		sql += " FOR UPDATE"
	}
	rows, err := tx.Query(ctx, sql, ids)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading layer %s: %w", l.Layer, err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var rw row
		if err := rows.Scan(&rw.key, &rw.geom, &rw.props); err != nil {
			return nil, fmt.Errorf("postgis: reading layer %s: %w", l.Layer, err)
		}
		if rw.geom == nil {
			continue // served layers skip rows without a geometry
		}
		f, err := decodeRow(rw, l)
		if err != nil {
			return nil, fmt.Errorf("postgis: layer %s: %w", l.Layer, err)
		}
		out[string(rw.key)] = data.EncodeFeature(string(rw.key), f)
	}
	return out, rows.Err()
}

// install makes snap current when it is newer, and tells subscribers.
func (s *Store) install(snap *data.Snapshot, force bool) {
	cur := s.current.Load()
	if snap == cur || (!force && snap.Seq <= cur.Seq) {
		return
	}
	s.current.Store(snap)
	s.notify()
}

// write applies a group of requests — one transaction, one COMMIT, for
// all of them (group commit) — retrying when the database asks (a
// serialization failure or deadlock) or when a connection died before
// anything was committed. Each request is planned on its own, so one that
// fails the planmap rules fails alone; when the database refuses a change
// of a group of several, the group is applied again one request at a
// time, so that the refusal reaches only its request.
func (s *Store) write(reqs []*writeRequest) []writeResult {
	var (
		results   []writeResult
		lastErr   error
		committed bool
	)
	for attempt := 0; attempt < 4; attempt++ {
		var err error
		results, committed, err = s.writeOnce(reqs)
		if err == nil {
			s.setUp()
			return results
		}
		lastErr = err
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01") {
			continue
		}
		if !committed && isConnectionError(err) && attempt == 0 {
			continue // a pooled connection the server dropped
		}
		if len(reqs) > 1 && !committed && (errors.Is(err, errRegroup) || !isConnectionError(err)) {
			out := make([]writeResult, len(reqs))
			for i, req := range reqs {
				out[i] = s.write([]*writeRequest{req})[0]
			}
			return out
		}
		break
	}
	if committed {
		// The outcome is unknown: look at the database again soon, as our
		// own notification is not followed.
		s.wake(false)
	}
	err := s.classify(lastErr)
	for i := range results {
		if results[i].err == nil {
			results[i] = writeResult{err: err}
		}
	}
	return results
}

// errRegroup says a group's changes cannot be checked together (the
// database stored a feature other than planned, which later requests of
// the group were planned on): apply them one request at a time.
var errRegroup = errors.New("postgis: the group must be applied request by request")

// isConnectionError reports errors that say nothing about the change, only
// that the database could not be reached.
func isConnectionError(err error) bool {
	if errors.Is(err, errRegroup) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") || strings.HasPrefix(pgErr.Code, "53")
	}
	var ce *data.ChangeError
	if errors.As(err, &ce) {
		return false
	}
	return !errors.Is(err, data.ErrInvalid) && !errors.Is(err, data.ErrNotFound) && !errors.Is(err, data.ErrExists) &&
		!errors.Is(err, data.ErrPrecondition)
}

// classify maps a failed write's error to the store's errors.
func (s *Store) classify(err error) error {
	var ce *data.ChangeError
	if errors.As(err, &ce) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return fmt.Errorf("%w: %s", data.ErrExists, pgErr.Message)
		case strings.HasPrefix(pgErr.Code, "22"), strings.HasPrefix(pgErr.Code, "23"), pgErr.Code == "42804", pgErr.Code == "XX000" && strings.Contains(pgErr.Message, "geometry"):
			return fmt.Errorf("%w: the database refused the feature: %s", data.ErrInvalid, pgErr.Message)
		}
	}
	if isConnectionError(err) {
		s.setDown(err)
		return fmt.Errorf("%w: %v", data.ErrUnavailable, err)
	}
	return fmt.Errorf("postgis: %w", err)
}

// plannedRequest is a request of a group that passed data.Plan.
type plannedRequest struct {
	index   int // in the group
	planned *data.Planned
	revs    []data.Revision // its part of the group's revisions
}

// writeOnce runs one write transaction for a group of requests. The
// results hold the requests data.Plan refused; err is the transaction's
// failure, which concerns the others. committing says whether COMMIT was
// sent, after which a lost connection leaves the outcome unknown.
func (s *Store) writeOnce(reqs []*writeRequest) (results []writeResult, committing bool, err error) {
	results = make([]writeResult, len(reqs))
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.WriteTimeout)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return results, false, err
	}
	defer tx.Rollback(context.Background())
	// planmap.writer tells the triggers that planmap records the changes
	// itself; the row lock on planmap_state orders the writers.
	var seq int64
	if err := tx.QueryRow(ctx, "SELECT seq FROM planmap_state, set_config('planmap.writer', 'on', true) FOR UPDATE OF planmap_state").Scan(&seq); err != nil {
		return results, false, err
	}
	start := s.current.Load()
	if seq != start.Seq {
		// Another writer got in first: see its changes before planning.
		next, err := s.catchUp(ctx, tx, start, seq)
		if err != nil {
			return results, false, err
		}
		s.install(next, true)
		start = next
	}
	// Each request is planned on the snapshot the requests before it
	// make, so their revisions number on from one another.
	now := time.Now()
	cur := start
	var (
		plans []plannedRequest
		revs  []data.Revision
	)
	for i, req := range reqs {
		planned, err := data.Plan(cur, req.actor, now, req.changes, s.opts.MatchCacheBytes)
		if err != nil {
			results[i] = writeResult{err: s.classify(err)}
			continue
		}
		plans = append(plans, plannedRequest{index: i, planned: planned, revs: planned.Revisions})
		revs = append(revs, planned.Revisions...)
		cur = planned.Next()
	}
	if len(plans) == 0 {
		return results, false, nil
	}
	// The optimistic lock: every row touched must still hold the version
	// the plan started from.
	ids := map[string][]string{}
	firstTouch := map[string]int{}
	for i, r := range revs {
		key := r.Layer + "\x00" + r.ID
		if _, ok := firstTouch[key]; !ok {
			firstTouch[key] = i
			ids[r.Layer] = append(ids[r.Layer], r.ID)
		}
	}
	for layer, list := range ids {
		l := s.layers[layer]
		rows, err := s.readRows(ctx, tx, l, list, true)
		if err != nil {
			return results, false, err
		}
		for _, id := range list {
			i := firstTouch[layer+"\x00"+id]
			r := revs[i]
			stored, exists := rows[id]
			fail := func(e error) error {
				return &data.ChangeError{Index: i, Layer: layer, ID: id, Err: e}
			}
			switch {
			case r.Op == data.OpCreate && exists:
				return results, false, fail(fmt.Errorf("%w: %q", data.ErrExists, id))
			case r.Op != data.OpCreate && !exists:
				return results, false, fail(fmt.Errorf("%w: layer %s has no feature %q", data.ErrNotFound, layer, id))
			case r.Op != data.OpCreate && data.ContentVersion(stored) != data.ContentVersion(r.Before):
				return results, false, fail(fmt.Errorf("%w: feature %q changed in the database", data.ErrPrecondition, id))
			}
		}
	}
	// The rows are written in one pipelined batch: one round trip.
	batch := &pgx.Batch{}
	for i, r := range revs {
		sql, args, err := rowStatement(s.layers[r.Layer], r, revisionFeature(plans, i))
		if err != nil {
			var ce *data.ChangeError
			if errors.As(err, &ce) {
				ce.Index = i
			}
			return results, false, err
		}
		batch.Queue(sql, args...)
	}
	actual, err := s.readBatch(tx.SendBatch(ctx, batch), revs)
	if err != nil {
		return results, false, err
	}
	differs := false
	for i, r := range revs {
		if r.Op == data.OpDelete || bytes.Equal(actual[i].After, r.After) {
			continue
		}
		if len(plans) > 1 {
			return results, false, errRegroup
		}
		differs = true
		l := s.layers[r.Layer]
		if _, err := tx.Exec(ctx, fmt.Sprintf("UPDATE %s SET planmap_version = $1 WHERE %s = $2::text::%s", l.qualified(), ident(l.Key), l.keyType),
			actual[i].Version, r.ID); err != nil {
			return results, false, err
		}
	}
	if err := recordChanges(ctx, tx, actual); err != nil {
		return results, false, err
	}
	last := actual[len(actual)-1].Seq
	if _, err := tx.Exec(ctx, "UPDATE planmap_state SET seq = $1", last); err != nil {
		return results, false, err
	}
	// The payload names this replica, whose listener skips its own
	// notifications: it installs its writes itself.
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, s.notifyID); err != nil {
		return results, false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return results, true, err
	}
	next := cur
	if differs {
		// One request (len(plans) == 1): serve what the database stored.
		if next, err = start.ReplayRevisions(actual, s.opts.MatchCacheBytes); err != nil {
			return results, true, err
		}
		next.Seq = last
		applied := make([]data.Applied, len(actual))
		for i, r := range actual {
			applied[i] = data.Applied{Seq: r.Seq, Op: r.Op, Layer: r.Layer, ID: r.ID, Version: r.Version}
			if r.Version != "" {
				f, err := geojson.UnmarshalFeature(r.After)
				if err != nil {
					return results, true, err
				}
				applied[i].Feature = f
			}
		}
		results[plans[0].index] = writeResult{applied: applied}
	} else {
		for _, p := range plans {
			results[p.index] = writeResult{applied: p.planned.Applied}
		}
	}
	s.install(next, true)
	return results, true, nil
}

// readBatch reads the answers to the rows' statements and returns the
// revisions with the features as stored.
func (s *Store) readBatch(br pgx.BatchResults, revs []data.Revision) ([]data.Revision, error) {
	defer br.Close()
	actual := make([]data.Revision, len(revs))
	for i, r := range revs {
		actual[i] = r
		if r.Op == data.OpDelete {
			if _, err := br.Exec(); err != nil {
				return nil, err
			}
			actual[i].After = json.RawMessage("null")
			actual[i].Version = ""
			continue
		}
		enc, err := storedRow(br.QueryRow(), s.layers[r.Layer])
		if err != nil {
			var ce *data.ChangeError
			if errors.As(err, &ce) {
				ce.Index = i
			}
			return nil, err
		}
		actual[i].After = enc
		actual[i].Version = data.ContentVersion(enc)
	}
	return actual, br.Close()
}

// revisionFeature returns the planned Applied of the group's i-th
// revision.
func revisionFeature(plans []plannedRequest, i int) data.Applied {
	for _, p := range plans {
		if i < len(p.revs) {
			return p.planned.Applied[i]
		}
		i -= len(p.revs)
	}
	panic("postgis: revision index out of range")
}

// rowStatement returns the statement that writes one planned change: a
// DELETE, or an INSERT or UPDATE returning the row as stored.
func rowStatement(l *tableLayer, r data.Revision, a data.Applied) (string, []any, error) {
	if r.Op == data.OpDelete {
		return fmt.Sprintf("DELETE FROM %s WHERE %s = $1::text::%s", l.qualified(), ident(l.Key), l.keyType), []any{r.ID}, nil
	}
	f := a.Feature
	ewkb, err := EncodeEWKB(f.Geometry)
	if err != nil {
		return "", nil, &data.ChangeError{Layer: r.Layer, ID: r.ID, Err: fmt.Errorf("%w: %v", data.ErrInvalid, err)}
	}
	cols := map[string]any{}
	extra := map[string]any{}
	var unknown []string
	for k, v := range f.Properties {
		switch {
		case l.propSet[k] && !(k == l.Key):
			cols[k] = v
		case k == l.Key && l.KeyIsProperty:
		case k == "id" && v == r.ID && l.Extra == "":
			// data.Plan sets the id property; a table without an "id"
			// column keeps the id in its key alone.
		case l.Extra != "":
			extra[k] = v
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return "", nil, &data.ChangeError{Layer: r.Layer, ID: r.ID, Err: fmt.Errorf("%w: table %s has no column for the properties %s",
			data.ErrInvalid, l.qualified(), strings.Join(unknown, ", "))}
	}
	var colNames []string
	for _, p := range l.props {
		if p != l.Key {
			colNames = append(colNames, p)
		}
	}
	propsJSON := string(data.AppendValue(nil, cols))
	extraJSON := string(data.AppendValue(nil, extra))
	var sql string
	var args []any
	if r.Op == data.OpCreate {
		names := []string{ident(l.Key), ident(l.Geometry), "planmap_version", "planmap_pos"}
		values := []string{"$1::text::" + l.keyType, l.geomIn("$2"), "$3", "$4"}
		args = []any{r.ID, ewkb, a.Version, r.Seq}
		for _, c := range colNames {
			names = append(names, ident(c))
			values = append(values, "r."+ident(c))
		}
		if l.Extra != "" {
			names = append(names, ident(l.Extra))
			values = append(values, "$5::text::jsonb")
			args = append(args, extraJSON)
		}
		from := ""
		if len(colNames) > 0 {
			args = append(args, propsJSON)
			from = fmt.Sprintf(" FROM jsonb_populate_record(NULL::%s, $%d::text::jsonb) AS r", l.qualified(), len(args))
		}
		sql = fmt.Sprintf("INSERT INTO %s AS t0 (%s) SELECT %s%s RETURNING %s", l.qualified(), strings.Join(names, ", "),
			strings.Join(values, ", "), from, l.selectList("t0"))
	} else {
		sets := []string{ident(l.Geometry) + " = " + l.geomIn("$2"), "planmap_version = $3"}
		args = []any{r.ID, ewkb, a.Version}
		for _, c := range colNames {
			sets = append(sets, ident(c)+" = r."+ident(c))
		}
		if l.Extra != "" {
			args = append(args, extraJSON)
			sets = append(sets, fmt.Sprintf("%s = $%d::text::jsonb", ident(l.Extra), len(args)))
		}
		from := ""
		if len(colNames) > 0 {
			args = append(args, propsJSON)
			from = fmt.Sprintf(" FROM jsonb_populate_record(NULL::%s, $%d::text::jsonb) AS r", l.qualified(), len(args))
		}
		sql = fmt.Sprintf("UPDATE %s AS t0 SET %s%s WHERE t0.%s = $1::text::%s RETURNING %s", l.qualified(), strings.Join(sets, ", "),
			from, ident(l.Key), l.keyType, l.selectList("t0"))
	}
	return sql, args, nil
}

// storedRow reads the answer to an INSERT or UPDATE of rowStatement: the
// feature as stored.
func storedRow(res pgx.Row, l *tableLayer) ([]byte, error) {
	var rw row
	if err := res.Scan(&rw.key, &rw.geom, &rw.props); err != nil {
		return nil, err
	}
	stored, err := decodeRow(rw, l)
	if err != nil {
		return nil, err
	}
	return data.EncodeFeature(string(rw.key), stored), nil
}

// recordChanges adds revisions to planmap_changes.
func recordChanges(ctx context.Context, tx pgx.Tx, revs []data.Revision) error {
	n := len(revs)
	seqs, times := make([]int64, n), make([]time.Time, n)
	actors, ops, layers, ids := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	befores, afters, versions := make([]*string, n), make([]*string, n), make([]*string, n)
	opt := func(b []byte) *string {
		if len(b) == 0 || string(b) == "null" {
			return nil
		}
		s := string(b)
		return &s
	}
	for i, r := range revs {
		seqs[i], times[i], actors[i], ops[i], layers[i], ids[i] = r.Seq, r.Time, r.Actor, string(r.Op), r.Layer, r.ID
		befores[i], afters[i] = opt(r.Before), opt(r.After)
		if r.Version != "" {
			v := r.Version
			versions[i] = &v
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO planmap_changes (seq, time, actor, op, layer, id, before, after, version)
		SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::text[]::json[], $8::text[]::json[], $9::text[])`,
		seqs, times, actors, ops, layers, ids, befores, afters, versions)
	return err
}

// History returns a feature's changes, oldest first.
func (s *Store) History(ctx context.Context, layer, id string) ([]data.Revision, error) {
	return s.queryRevisions(ctx, "WHERE layer = $1 AND id = $2 ORDER BY seq", layer, id)
}

// Changes returns up to limit changes after since, in order.
func (s *Store) Changes(ctx context.Context, since int64, limit int) ([]data.Revision, error) {
	if limit <= 0 {
		return nil, nil
	}
	return s.queryRevisions(ctx, "WHERE seq > $1 ORDER BY seq LIMIT $2", since, limit)
}

func (s *Store) queryRevisions(ctx context.Context, where string, args ...any) ([]data.Revision, error) {
	rows, err := s.pool.Query(ctx, "SELECT seq, time, actor, op, layer, id, coalesce(before::text, 'null'), coalesce(after::text, 'null'), coalesce(version, '') FROM planmap_changes "+where, args...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	var out []data.Revision
	for rows.Next() {
		var r data.Revision
		var op, before, after string
		if err := rows.Scan(&r.Seq, &r.Time, &r.Actor, &op, &r.Layer, &r.ID, &before, &after, &r.Version); err != nil {
			return nil, s.classify(err)
		}
		r.Op, r.Before, r.After = data.Op(op), json.RawMessage(before), json.RawMessage(after)
		r.Time = r.Time.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify(err)
	}
	return out, nil
}

// listen keeps a connection LISTENing on Channel and wakes the loop on
// each notification; after losing it, it reconnects and catches up.
func (s *Store) listen() {
	defer s.wg.Done()
	backoff := 100 * time.Millisecond
	for s.ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(s.ctx, s.connCfg.Copy())
		if err == nil {
			_, err = conn.Exec(s.ctx, "LISTEN "+Channel)
		}
		if err != nil {
			if conn != nil {
				conn.Close(context.Background())
			}
			if s.ctx.Err() != nil {
				return
			}
			s.setDown(fmt.Errorf("listening for changes: %w", err))
			select {
			case <-time.After(backoff):
			case <-s.ctx.Done():
				return
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		s.wake(false) // whatever was missed while not listening
		for {
			n, err := conn.WaitForNotification(s.ctx)
			if err != nil {
				if s.ctx.Err() == nil {
					s.setDown(fmt.Errorf("listening for changes: %w", err))
				}
				break
			}
			if n.Payload == s.notifyID {
				continue // a write of this store, installed at its commit
			}
			s.wake(n.Payload == "reload")
		}
		conn.Close(context.Background())
	}
}

// Subscribe calls fn with each new snapshot; several changes in quick
// succession may be reported once, with the newest.
func (s *Store) Subscribe(fn func(*data.Snapshot)) (cancel func()) {
	return s.notifier.Subscribe(s.Current, fn)
}

func (s *Store) notify() { s.notifier.Notify() }

func (s *Store) setDown(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dbErr == "" {
		s.log.Warn("postgis: database unreachable; serving reads from memory, refusing writes", "err", err)
		s.dbErrAt = time.Now()
	}
	s.dbErr = err.Error()
}

func (s *Store) setUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dbErr != "" {
		s.log.Info("postgis: database reachable again", "down_for", time.Since(s.dbErrAt).Round(time.Millisecond))
	}
	s.dbErr = ""
}

// Health reports the database's state. Ready stays true while the
// database is unreachable: reads are served from memory (see Store).
func (s *Store) Health() data.StoreHealth {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := data.StoreHealth{Kind: "postgis " + s.source, Ready: true, LastLoad: s.lastLoad}
	if s.dbErr != "" {
		h.Problem = fmt.Sprintf("database unreachable: serving reads from memory as of change %d, refusing writes: %s", s.current.Load().Seq, s.dbErr)
		h.ProblemAt = s.dbErrAt
	}
	return h
}

// DatabaseUp reports whether the last contact with the database worked.
func (s *Store) DatabaseUp() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dbErr == ""
}

// Close stops following changes and closes the connections.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.cancel()
	s.wg.Wait()
	s.pool.Close()
	return nil
}

package data

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// FileOptions configures a file store.
type FileOptions struct {
	// MatchCacheBytes bounds each layer version's cache of query answers
	// (0: 64 MiB; negative: off).
	MatchCacheBytes int64
	// CompactAfter is how many journal entries are folded into the layer
	// files at once (0: 1,000).
	CompactAfter int
	// Watch reloads layer files changed by other programs.
	Watch bool
	// Logger receives reload and compaction reports (nil: slog.Default()).
	Logger *slog.Logger
	// NoSync skips fsync; only for tests that measure without the disk.
	NoSync bool
	// Converter converts layers whose sidecar declares a crs to CRS84 on
	// loading, and their changes back into that CRS on compaction.
	Converter CoordinateConverter
	// MaxFileBytes is the largest layer file read, at start and on
	// reload (0: DefaultMaxFileBytes).
	MaxFileBytes int64
	// NoBinarySnapshot turns off the binary snapshot of the layer files
	// (DIR/.planmap/snapshot-*.bin, see binsnap.go): the layers are then
	// parsed from their GeoJSON at every start, and no snapshot written.
	NoBinarySnapshot bool
	// DeferBinarySnapshot leaves writing the snapshot, after a GeoJSON
	// load, to a call of WriteDeferredSnapshot, so that a server can
	// finish its own start-up first (the writing takes a core for a few
	// seconds at a million features).
	DeferBinarySnapshot bool
}

func (o FileOptions) withDefaults() FileOptions {
	if o.MatchCacheBytes == 0 {
		o.MatchCacheBytes = 64 << 20
	}
	if o.CompactAfter <= 0 {
		o.CompactAfter = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Names inside a data folder's state folder.
const (
	StateDir       = ".planmap"
	journalName    = "journal.ndjson"
	checkpointName = "checkpoint.json"
)

// FileStore is the file-backed store: every layer in memory, indexed,
// and, when it has a folder, every change durable in a journal.
//
// Durability: a change is acknowledged after its revision (the feature
// before and after) is appended to DIR/.planmap/journal.ndjson and the
// file is fsynced; changes arriving together share one fsync (group
// commit). Rewriting a layer file per change would cost the whole layer
// (a 1.5 GB file at 1M features) per write, where the journal costs the
// change: so the journal is the write path, and every CompactAfter
// entries the changed layers are rewritten — to a temporary file, fsynced,
// renamed over the old one, the folder fsynced — and the checkpoint
// (the last sequence number the files hold) is written the same way. On
// start the layer files are loaded and the journal entries after the
// checkpoint replayed. Replay sets each feature to its journaled state,
// so replaying an entry the files already hold changes nothing, and a
// crash at any instant leaves every file parseable (a torn last journal
// line is dropped: its change was never acknowledged). The journal is also
// the history: it is never truncated.
type FileStore struct {
	dir      string // "" for the read-only embedded dataset
	opts     FileOptions
	log      *slog.Logger
	current  atomic.Pointer[Snapshot]
	requests chan *writeRequest
	done     chan struct{}
	wg       sync.WaitGroup

	journal      *os.File
	journalSize  int64
	sinceCompact int
	compacting   atomic.Bool

	mu        sync.Mutex // guards the fields below
	history   []Revision
	byFeature map[string][]int // layer/id → positions in history
	problem   string
	problemAt time.Time
	lastLoad  time.Time
	// written holds the content hash of each layer file as planmap last
	// wrote or read it, so the watcher tells others' edits from its own.
	written map[string]string
	// unsnapshotted is the dataset as loaded from GeoJSON until its binary
	// snapshot is started.
	unsnapshotted *Dataset

	watcher  *fsnotify.Watcher
	notifier Notifier
}

type writeRequest struct {
	ctx     context.Context
	actor   string
	changes []Change
	reload  *Layer // a layer file changed on disk
	done    chan writeResult
}

type writeResult struct {
	applied []Applied
	err     error
}

type checkpoint struct {
	Seq int64 `json:"seq"`
}

// OpenEmbedded opens the built-in dataset, read-only.
func OpenEmbedded(opts FileOptions) (*FileStore, error) {
	ds, err := Default()
	if err != nil {
		return nil, fmt.Errorf("embedded dataset: %w", err)
	}
	return NewMemoryStore(ds, opts), nil
}

// NewMemoryStore serves a loaded dataset, read-only.
func NewMemoryStore(ds *Dataset, opts FileOptions) *FileStore {
	opts = opts.withDefaults()
	s := &FileStore{opts: opts, log: opts.Logger, byFeature: map[string][]int{}, lastLoad: time.Now()}
	s.current.Store(NewSnapshot(ds, opts.MatchCacheBytes))
	return s
}

// OpenFiles opens a data folder: it loads and validates every layer file,
// replays the journal and, when the folder is writable, takes changes.
func OpenFiles(dir string, opts FileOptions) (*FileStore, error) {
	opts = opts.withDefaults()
	loadOpts := LoadOptions{Converter: opts.Converter, MaxFileBytes: opts.MaxFileBytes}
	var ds *Dataset
	// The collector pauses while a snapshot is read and indexed, which
	// leaves next to no garbage (snapshotGC).
	restoreGC := func() {}
	defer func() { restoreGC() }()
	if !opts.NoBinarySnapshot {
		start := time.Now()
		restoreGC = snapshotGC(dir)
		snapDS, load, err := loadBinarySnapshot(dir, loadOpts)
		switch {
		case errors.Is(err, errSnapshotStale):
			opts.Logger.Info("data: the binary snapshot is of other data: loading the GeoJSON", "snapshot", load.path, "reason", err.Error())
		case err != nil:
			opts.Logger.Warn("data: the binary snapshot cannot be read: loading the GeoJSON", "snapshot", load.path, "err", err)
		case snapDS != nil:
			opts.Logger.Info("data: loaded the binary snapshot", "snapshot", load.path, "seconds", time.Since(start).Seconds(),
				"files_hashed", load.hashed, "indexes", load.indexes)
			ds = snapDS
		}
		if ds == nil {
			restoreGC()
		}
	}
	fromSnapshot := ds != nil
	if ds == nil {
		var err error
		if ds, err = LoadDirWith(dir, loadOpts); err != nil {
			return nil, err
		}
	}
	s := &FileStore{dir: dir, opts: opts, log: opts.Logger,
		byFeature: map[string][]int{}, written: map[string]string{}, lastLoad: time.Now(),
		requests: make(chan *writeRequest, 256), done: make(chan struct{})}
	for _, l := range ds.Layers {
		s.written[l.File] = l.fileSum
		if l.fileSum == "" {
			s.written[l.File] = fileHash(filepath.Join(dir, l.File), LoadOptions{MaxFileBytes: opts.MaxFileBytes}.maxFileBytes())
		}
	}
	snap := snapshotOf(ds, opts.MatchCacheBytes, true)
	restoreGC()
	if err := os.MkdirAll(filepath.Join(dir, StateDir), 0o755); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	cp, err := readCheckpoint(filepath.Join(dir, StateDir, checkpointName))
	if err != nil {
		return nil, err
	}
	revs, goodSize, err := readJournal(filepath.Join(dir, StateDir, journalName))
	if err != nil {
		return nil, err
	}
	var replay []Revision
	lastReload := map[string]int64{}
	for _, r := range revs {
		if r.Op == OpReload {
			lastReload[r.Layer] = r.Seq
		}
	}
	var lastSeq int64
	for _, r := range revs {
		lastSeq = max(lastSeq, r.Seq)
		if r.Seq <= cp.Seq || r.Op == OpReload || r.Seq < lastReload[r.Layer] {
			continue
		}
		replay = append(replay, r)
	}
	snap, err = snap.ReplayRevisions(replay, opts.MatchCacheBytes)
	if err != nil {
		return nil, fmt.Errorf("data: replaying %s: %w", filepath.Join(dir, StateDir, journalName), err)
	}
	snap.Seq = max(snap.Seq, lastSeq)
	s.current.Store(snap)
	for _, r := range revs {
		s.remember(r)
	}
	s.sinceCompact = len(replay)
	f, err := os.OpenFile(filepath.Join(dir, StateDir, journalName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data: opening the journal: %w", err)
	}
	// A torn last line (a crash mid-append) was never acknowledged: cut it.
	if err := f.Truncate(goodSize); err != nil {
		f.Close()
		return nil, fmt.Errorf("data: trimming the journal: %w", err)
	}
	if _, err := f.Seek(goodSize, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("data: %w", err)
	}
	s.journal, s.journalSize = f, goodSize
	if opts.Watch {
		if err := s.watch(); err != nil {
			f.Close()
			return nil, err
		}
	}
	s.wg.Add(1)
	go s.commitLoop()
	if !fromSnapshot && !opts.NoBinarySnapshot {
		s.unsnapshotted = ds
		if !opts.DeferBinarySnapshot {
			s.WriteDeferredSnapshot()
		}
	}
	return s, nil
}

// WriteDeferredSnapshot starts writing the binary snapshot of the layer
// files as loaded, in the background, when the store loaded them from
// GeoJSON and has not written it yet (see FileOptions.DeferBinarySnapshot).
func (s *FileStore) WriteDeferredSnapshot() {
	if s.done == nil {
		return
	}
	select {
	case <-s.done:
		return // closed
	default:
	}
	s.mu.Lock()
	ds := s.unsnapshotted
	s.unsnapshotted = nil
	s.mu.Unlock()
	if ds == nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.writeBinarySnapshot(ds)
	}()
}

// writeBinarySnapshot writes the snapshot of the layer files as loaded,
// for the next start; a failure costs only that start's speed, so it is
// logged, not returned.
func (s *FileStore) writeBinarySnapshot(ds *Dataset) {
	start := time.Now()
	digests := make([]fileDigest, 0, len(ds.Layers))
	for _, l := range ds.Layers {
		if l.digest.File == "" {
			return // not read from files
		}
		digests = append(digests, l.digest)
	}
	sort.Slice(digests, func(i, j int) bool { return digests[i].File < digests[j].File })
	path, err := writeBinarySnapshot(filepath.Join(s.dir, StateDir), ds, digests, s.opts.Converter != nil, s.opts.NoSync, s.done)
	if errors.Is(err, errSnapshotAbandoned) {
		s.log.Debug("data: the binary snapshot was not written: the store closed first")
		return
	}
	if err != nil {
		s.log.Warn("data: writing the binary snapshot", "err", err)
		return
	}
	s.log.Info("data: wrote the binary snapshot", "snapshot", path, "seconds", time.Since(start).Seconds())
}

func fileHash(path string, limit int64) string {
	raw, err := readRegularFile(path, limit)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func readCheckpoint(path string) (checkpoint, error) {
	var cp checkpoint
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cp, nil
	}
	if err != nil {
		return cp, fmt.Errorf("data: %w", err)
	}
	if err := json.Unmarshal(raw, &cp); err != nil {
		return cp, fmt.Errorf("data: %s: %w", path, err)
	}
	return cp, nil
}

// readJournal reads every complete revision and the size of the file up to
// the end of the last one.
func readJournal(path string) ([]Revision, int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var (
		revs []Revision
		size int64
		line int
	)
	for {
		b, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return revs, size, nil // a line without its newline was torn
		}
		if err != nil {
			return nil, 0, fmt.Errorf("data: reading %s: %w", path, err)
		}
		line++
		var rev Revision
		if err := json.Unmarshal(b, &rev); err != nil {
			return nil, 0, fmt.Errorf("data: %s line %d: %w", path, line, err)
		}
		revs = append(revs, rev)
		size += int64(len(b))
	}
}

func (s *FileStore) remember(r Revision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.Layer + "/" + r.ID
	s.byFeature[key] = append(s.byFeature[key], len(s.history))
	s.history = append(s.history, r)
}

// Current returns the newest snapshot.
func (s *FileStore) Current() *Snapshot { return s.current.Load() }

// Writable says whether the store takes changes.
func (s *FileStore) Writable() error {
	if s.dir == "" {
		return fmt.Errorf("%w: the built-in dataset cannot be edited; copy it to a folder with `planmap init DIR` and serve that folder with `planmap serve --data DIR`", ErrReadOnly)
	}
	return nil
}

// Apply applies changes atomically and returns once they are on disk.
func (s *FileStore) Apply(ctx context.Context, actor string, changes []Change) ([]Applied, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	req := &writeRequest{ctx: ctx, actor: actor, changes: changes, done: make(chan writeResult, 1)}
	select {
	case s.requests <- req:
	case <-s.done:
		return nil, fmt.Errorf("%w: the store is closed", ErrUnavailable)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued, the change is applied or refused whatever the caller
	// does: wait for the answer so a cancelled request is never half-known.
	res := <-req.done
	return res.applied, res.err
}

// commitLoop applies queued changes in order, a group at a time: one
// journal append and one fsync for every request waiting.
func (s *FileStore) commitLoop() {
	defer s.wg.Done()
	for {
		var group []*writeRequest
		select {
		case req := <-s.requests:
			group = append(group, req)
		case <-s.done:
			return
		}
	drain:
		for len(group) < 256 {
			select {
			case req := <-s.requests:
				group = append(group, req)
			default:
				break drain
			}
		}
		s.commit(group)
	}
}

func (s *FileStore) commit(group []*writeRequest) {
	start := s.current.Load()
	snap := start
	var (
		lines   []byte
		results = make([]writeResult, len(group))
		revs    []Revision
		ok      = make([]bool, len(group))
	)
	now := time.Now()
	for i, req := range group {
		var planned *Planned
		var err error
		if req.reload != nil {
			planned, err = planReload(snap, req.reload, now, s.opts.MatchCacheBytes)
		} else {
			planned, err = Plan(snap, req.actor, now, req.changes, s.opts.MatchCacheBytes)
		}
		if err != nil {
			results[i].err = err
			continue
		}
		for _, r := range planned.Revisions {
			b, err := json.Marshal(r)
			if err != nil {
				results[i].err = fmt.Errorf("data: writing the journal: %w", err)
				break
			}
			lines = append(append(lines, b...), '\n')
		}
		if results[i].err != nil {
			continue
		}
		snap = planned.Next()
		results[i].applied = planned.Applied
		revs = append(revs, planned.Revisions...)
		ok[i] = true
	}
	if len(lines) > 0 {
		if err := s.appendJournal(lines); err != nil {
			s.setProblem(err.Error())
			for i := range group {
				if ok[i] {
					results[i] = writeResult{err: fmt.Errorf("%w: %v", ErrUnavailable, err)}
				}
			}
			snap, revs = start, nil
		}
	}
	for _, r := range revs {
		s.remember(r)
	}
	if snap != start {
		s.current.Store(snap)
		s.sinceCompact += len(revs)
		s.notify()
	}
	for i, req := range group {
		req.done <- results[i]
	}
	if s.sinceCompact >= s.opts.CompactAfter && s.compacting.CompareAndSwap(false, true) {
		s.sinceCompact = 0
		// Close waits for a compaction too, so that nothing writes the
		// folder once it has returned (a store opened on the same folder
		// after Close would otherwise read a layer file older than the
		// checkpoint written after it, and skip changes).
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.compacting.Store(false)
			if err := s.compact(snap); err != nil {
				s.setProblem(err.Error())
				s.log.Error("compaction failed; the journal still holds every change", "err", err)
			}
		}()
	}
}

func (s *FileStore) appendJournal(lines []byte) error {
	if _, err := s.journal.Write(lines); err != nil {
		_ = s.journal.Truncate(s.journalSize)
		_, _ = s.journal.Seek(s.journalSize, io.SeekStart)
		return fmt.Errorf("data: appending to the journal: %w", err)
	}
	if !s.opts.NoSync {
		if err := s.journal.Sync(); err != nil {
			return fmt.Errorf("data: syncing the journal: %w", err)
		}
	}
	s.journalSize += int64(len(lines))
	return nil
}

// compact writes every layer changed since it was loaded from snap's
// state, then the checkpoint.
func (s *FileStore) compact(snap *Snapshot) error {
	for _, lv := range snap.Layers() {
		if lv.overlaySize() == 0 {
			continue
		}
		path := filepath.Join(s.dir, lv.Meta.File)
		_, fromCRS84, err := layerConversions(lv.Meta, s.opts.Converter)
		if err != nil {
			return fmt.Errorf("data: compacting %s: %w", path, err)
		}
		raw, err := encodeLayerFileIn(lv.Materialize(), fromCRS84)
		if err != nil {
			return err
		}
		s.mu.Lock()
		sum := sha256.Sum256(raw)
		s.written[lv.Meta.File] = hex.EncodeToString(sum[:])
		s.mu.Unlock()
		if err := WriteFileAtomic(path, raw, !s.opts.NoSync); err != nil {
			return err
		}
	}
	cp, _ := json.Marshal(checkpoint{Seq: snap.Seq})
	return WriteFileAtomic(filepath.Join(s.dir, StateDir, checkpointName), cp, !s.opts.NoSync)
}

// EncodeLayerFile writes a layer as a GeoJSON FeatureCollection, one
// feature a line, as planmap's own files are.
func EncodeLayerFile(l *Layer) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, f := range l.Features.Features {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		b.Write(EncodeFeature(FeatureID(f), f))
	}
	b.WriteString("\n]}\n")
	return b.Bytes()
}

// WriteFileAtomic replaces path with data so that a crash leaves either
// the old file or the new one: a temporary file beside it, fsynced,
// renamed over it, and the folder fsynced.
func WriteFileAtomic(path string, data []byte, sync bool) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("data: writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("data: writing %s: %w", path, err)
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return fmt.Errorf("data: syncing %s: %w", path, err)
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("data: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("data: replacing %s: %w", path, err)
	}
	if sync {
		d, err := os.Open(dir)
		if err != nil {
			return fmt.Errorf("data: syncing %s: %w", dir, err)
		}
		defer d.Close()
		if err := d.Sync(); err != nil {
			return fmt.Errorf("data: syncing %s: %w", dir, err)
		}
	}
	return nil
}

// History returns a feature's revisions, oldest first.
func (s *FileStore) History(_ context.Context, layer, id string) ([]Revision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Revision
	for _, i := range s.byFeature[layer+"/"+id] {
		out = append(out, s.history[i])
	}
	return out, nil
}

// Changes returns up to limit revisions after since.
func (s *FileStore) Changes(_ context.Context, since int64, limit int) ([]Revision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.history), func(i int) bool { return s.history[i].Seq > since })
	end := min(len(s.history), i+max(limit, 0))
	return append([]Revision(nil), s.history[i:end]...), nil
}

// Subscribe calls fn with each new snapshot; several changes in quick
// succession may be reported once, with the newest.
func (s *FileStore) Subscribe(fn func(*Snapshot)) (cancel func()) {
	return s.notifier.Subscribe(s.Current, fn)
}

func (s *FileStore) notify() { s.notifier.Notify() }

func (s *FileStore) setProblem(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problem, s.problemAt = p, time.Now()
}

// Health reports the store's state.
func (s *FileStore) Health() StoreHealth {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind := "files"
	if s.dir == "" {
		kind = "memory (read-only)"
	}
	return StoreHealth{Kind: kind, Ready: true, Problem: s.problem, ProblemAt: s.problemAt, LastLoad: s.lastLoad}
}

// Close stops taking changes and closes the journal.
func (s *FileStore) Close() error {
	if s.done == nil {
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	close(s.done)
	s.wg.Wait()
	if s.watcher != nil {
		s.watcher.Close()
	}
	return s.journal.Close()
}

// watch reloads layer files that another program changes.
func (s *FileStore) watch() error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("data: watching %s: %w", s.dir, err)
	}
	if err := w.Add(s.dir); err != nil {
		w.Close()
		return fmt.Errorf("data: watching %s: %w", s.dir, err)
	}
	s.watcher = w
	go func() {
		pending := map[string]bool{}
		var timer <-chan time.Time
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				name := filepath.Base(ev.Name)
				if strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, ".geojson") || strings.HasSuffix(name, ".json")) {
					continue
				}
				pending[strings.TrimSuffix(strings.TrimSuffix(name, ".geojson"), ".json")] = true
				timer = time.After(250 * time.Millisecond)
			case <-timer:
				for id := range pending {
					s.reloadLayer(id)
				}
				clear(pending)
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				s.setProblem("watching the data folder: " + err.Error())
			}
		}
	}()
	return nil
}

// reloadLayer validates a layer file changed on disk and, when it is
// good, makes it the layer's new version; a bad file keeps the last good
// version serving and is reported.
func (s *FileStore) reloadLayer(id string) {
	snap := s.current.Load()
	lv := snap.Layer(id)
	if lv == nil {
		s.setProblem(fmt.Sprintf("%s.geojson appeared or is not a layer being served; restart planmap to add or remove layers", id))
		return
	}
	path := filepath.Join(s.dir, lv.Meta.File)
	raw, err := readRegularFile(path, LoadOptions{MaxFileBytes: s.opts.MaxFileBytes}.maxFileBytes())
	if err != nil {
		s.setProblem(fmt.Sprintf("reload refused, still serving the last good version: %v", err))
		return
	}
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	s.mu.Lock()
	same := s.written[lv.Meta.File] == hash
	s.mu.Unlock()
	if same {
		return
	}
	toCRS84, _, err := layerConversions(lv.base.meta, s.opts.Converter)
	if err != nil {
		s.setProblem(fmt.Sprintf("reloading %s: %v", path, err))
		return
	}
	fc, problems := validateLayer(lv.Meta.File, id, raw, toCRS84)
	if len(problems) > 0 {
		msg := (&ValidationError{Problems: problems}).Error()
		s.setProblem("reload refused, still serving the last good version: " + msg)
		s.log.Error("reload refused; still serving the last good version", "file", path, "problems", msg)
		return
	}
	meta := *lv.base.meta
	meta.Features = fc
	meta.Hash = hash[:16]
	req := &writeRequest{ctx: context.Background(), actor: "file", reload: &meta, done: make(chan writeResult, 1)}
	select {
	case s.requests <- req:
	case <-s.done:
		return
	}
	if res := <-req.done; res.err != nil {
		s.setProblem(fmt.Sprintf("reloading %s: %v", path, res.err))
		return
	}
	s.mu.Lock()
	s.written[lv.Meta.File] = hash
	s.lastLoad = time.Now()
	s.problem = ""
	s.mu.Unlock()
	s.log.Info("reloaded a layer changed on disk", "file", path, "features", len(fc.Features))
}

// planReload makes the snapshot in which layer l, as read from its file,
// replaces the layer of the same id.
func planReload(snap *Snapshot, l *Layer, now time.Time, matchBudget int64) (*Planned, error) {
	seq := snap.Seq + 1
	views := make([]*LayerView, len(snap.layers))
	for i, lv := range snap.layers {
		if lv.Meta.ID != l.ID {
			views[i] = lv
			continue
		}
		b := newLayerBase(l, nil, true) // l as just read from its file
		b.hash = l.Hash
		views[i] = newView(b, nil, b.hash, matchBudget)
	}
	rev := Revision{Seq: seq, Time: now.UTC(), Actor: "file", Op: OpReload, Layer: l.ID, Before: json.RawMessage("null"), After: json.RawMessage("null")}
	return &Planned{Revisions: []Revision{rev}, next: newSnapshot(seq, snap.Source, views)}, nil
}

// InitFolder copies the built-in dataset into dir, which must be empty or
// missing, so it can be served editable.
func InitFolder(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("data: %s is not empty", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	src := DefaultFS()
	entries, err := fs.ReadDir(src, ".")
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	for _, e := range entries {
		raw, err := fs.ReadFile(src, e.Name())
		if err != nil {
			return fmt.Errorf("data: %w", err)
		}
		if err := WriteFileAtomic(filepath.Join(dir, e.Name()), raw, true); err != nil {
			return err
		}
	}
	return nil
}

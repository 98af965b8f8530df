package geo

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Corridors is a set of corridor lines prepared for coverage analysis:
// each line as a Shape, and an Index over pieces of them (the nodes of
// corridorPieceLevel, runs of 32 consecutive edges), so that a target is
// measured only against the pieces of corridor that pass near it: a 300 km
// corridor's envelope covers half the region, its pieces do not. It is
// immutable and safe for concurrent use.
type Corridors struct {
	ids    []string
	shapes []*Shape
	pieces []corridorPiece
	index  *Index // over the pieces' boxes, in pieces order
}

// corridorPiece is one node of a corridor shape's box hierarchy.
type corridorPiece struct {
	corridor     int
	level, index int
}

// corridorPieceLevel is the hierarchy level whose nodes are indexed: level 1
// nodes hold shapeLeafSize·shapeFanout = 32 edges.
const corridorPieceLevel = 1

// NewCorridors prepares one corridor per geometry; ids name them in
// results and must have the same length as geoms.
func NewCorridors(ids []string, geoms []orb.Geometry) (*Corridors, error) {
	if len(ids) != len(geoms) {
		return nil, fmt.Errorf("geo: %d corridor ids for %d geometries", len(ids), len(geoms))
	}
	shapes := make([]*Shape, len(geoms))
	for i, g := range geoms {
		shapes[i] = NewShape(g)
	}
	return newCorridors(slices.Clone(ids), shapes), nil
}

func newCorridors(ids []string, shapes []*Shape) *Corridors {
	c := &Corridors{ids: ids, shapes: shapes}
	var boxes []*geojson.Feature
	for i, s := range shapes {
		if s.IsEmpty() {
			continue
		}
		level := min(corridorPieceLevel, len(s.levels)-1)
		for k, box := range s.levels[level] {
			c.pieces = append(c.pieces, corridorPiece{corridor: i, level: level, index: k})
			boxes = append(boxes, &geojson.Feature{Geometry: orb.Bound{
				Min: orb.Point{box.minLon, box.minLat}, Max: orb.Point{box.maxLon, box.maxLat},
			}})
		}
	}
	c.index = NewIndex(boxes)
	return c
}

// Subset returns the corridors at the given positions, in that order,
// sharing their prepared shapes; positions in results refer to the subset.
func (c *Corridors) Subset(positions []int) *Corridors {
	ids := make([]string, len(positions))
	shapes := make([]*Shape, len(positions))
	for k, i := range positions {
		ids[k], shapes[k] = c.ids[i], c.shapes[i]
	}
	return newCorridors(ids, shapes)
}

// Len returns the number of corridors.
func (c *Corridors) Len() int { return len(c.ids) }

// ID returns corridor i's id.
func (c *Corridors) ID(i int) string { return c.ids[i] }

// Shape returns corridor i's prepared shape.
func (c *Corridors) Shape(i int) *Shape { return c.shapes[i] }

// CoverageTarget is one feature to check against the corridors.
type CoverageTarget struct {
	Layer, ID, Kind, Status string
	Geometry                orb.Geometry
}

// TargetCoverage is one target's result.
type TargetCoverage struct {
	// Nearest is the position of the nearest corridor, or −1 when there is
	// none (no corridor, or a target without geometry).
	Nearest int
	// Distance is the geodesic distance in metres to the nearest corridor
	// (0 when they meet), +Inf when Nearest is −1.
	Distance float64
	// Covered reports Distance ≤ the coverage distance.
	Covered bool
	// HasShare reports whether the target is polygonal; CoveredShare is
	// then the share of its area within the coverage distance of any
	// corridor, from 0 to 1.
	HasShare     bool
	CoveredShare float64
}

// CoverageCount counts targets and covered targets in one group.
type CoverageCount struct {
	Targets, Covered int
	// Share is Covered/Targets (0 when there are no targets).
	Share float64
}

// CoverageSummary sums a coverage run up.
type CoverageSummary struct {
	Distance         float64
	Targets, Covered int
	Share            float64
	// ByLayer, ByKind and ByStatus group the targets by those fields;
	// targets with an empty kind or status count under "unknown".
	ByLayer, ByKind, ByStatus map[string]CoverageCount
	// Uncovered lists the ids of the targets not covered, in target order.
	Uncovered []string
}

// CoverageReport holds one result per target, in target order, and the
// summary.
type CoverageReport struct {
	Results []TargetCoverage
	Summary CoverageSummary
}

// CoverageOptions parameterise Coverage.
type CoverageOptions struct {
	// Distance is the reach of a corridor in metres (≥ 0).
	Distance float64
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// coverageChunk is the number of targets a worker takes at a time.
const coverageChunk = 32

// Coverage finds, for every target, the nearest corridor and its distance,
// whether it is covered (within opts.Distance), and for polygonal targets
// the share of their area within opts.Distance of any corridor; and sums
// the results up. It stops early, returning ctx's error, when ctx is done.
func (c *Corridors) Coverage(ctx context.Context, targets []CoverageTarget, opts CoverageOptions) (*CoverageReport, error) {
	if !(opts.Distance >= 0) || math.IsInf(opts.Distance, 1) {
		return nil, fmt.Errorf("geo: coverage distance %v m must be a non-negative number", opts.Distance)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, (len(targets)+coverageChunk-1)/coverageChunk)
	results := make([]TargetCoverage, len(targets))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newCoverageWorker(c)
			for ctx.Err() == nil {
				start := int(next.Add(coverageChunk)) - coverageChunk
				if start >= len(targets) {
					return
				}
				for i := start; i < min(start+coverageChunk, len(targets)); i++ {
					results[i] = w.cover(targets[i].Geometry, opts.Distance)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("geo: coverage of %d targets: %w", len(targets), err)
	}
	return &CoverageReport{Results: results, Summary: summarize(targets, results, opts.Distance)}, nil
}

func summarize(targets []CoverageTarget, results []TargetCoverage, distance float64) CoverageSummary {
	s := CoverageSummary{
		Distance: distance,
		ByLayer:  map[string]CoverageCount{}, ByKind: map[string]CoverageCount{}, ByStatus: map[string]CoverageCount{},
		Uncovered: []string{},
	}
	add := func(m map[string]CoverageCount, key string, covered bool) {
		if key == "" {
			key = "unknown"
		}
		n := m[key]
		n.Targets++
		if covered {
			n.Covered++
		}
		m[key] = n
	}
	for i, t := range targets {
		covered := results[i].Covered
		s.Targets++
		if covered {
			s.Covered++
		} else {
			s.Uncovered = append(s.Uncovered, t.ID)
		}
		add(s.ByLayer, t.Layer, covered)
		add(s.ByKind, t.Kind, covered)
		add(s.ByStatus, t.Status, covered)
	}
	s.Share = share(s.Covered, s.Targets)
	for _, m := range []map[string]CoverageCount{s.ByLayer, s.ByKind, s.ByStatus} {
		for k, n := range m {
			n.Share = share(n.Covered, n.Targets)
			m[k] = n
		}
	}
	return s
}

func share(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// coverageWorker holds one goroutine's scratch space.
type coverageWorker struct {
	c *Corridors
	// seen[i] == round marks piece i as already queued for the current
	// target; checked[j] == round marks corridor j as checked for
	// containment, and inside[j] records the answer.
	seen, checked []uint32
	inside        []bool
	round         uint32
	candidates    []pieceCandidate
	capsules      []capsule
	target        Shape
	share         shareScratch
	queue         pairQueue
}

type pieceCandidate struct {
	piece int
	bound float64
}

func newCoverageWorker(c *Corridors) *coverageWorker {
	return &coverageWorker{c: c, seen: make([]uint32, len(c.pieces)),
		checked: make([]uint32, c.Len()), inside: make([]bool, c.Len())}
}

func (w *coverageWorker) cover(g orb.Geometry, distance float64) TargetCoverage {
	w.target.resetTarget(g)
	shape := &w.target
	res := TargetCoverage{Nearest: -1, Distance: math.Inf(1), HasShare: shape.IsPolygonal()}
	if shape.IsEmpty() {
		return res
	}
	res.Nearest, res.Distance = w.nearest(shape, distance)
	res.Covered = res.Nearest >= 0 && res.Distance <= distance
	if res.HasShare && res.Covered {
		res.CoveredShare = w.coveredShare(shape, distance, res.Distance)
	}
	return res
}

// The first search radius is the coverage distance, kept between these
// bounds: below 1 km the index would often have to be asked again; above
// 2 km it hands over many pieces that the nearest corridor, usually
// closer, makes pointless (measured on BenchmarkCoverage's scene).
const (
	minSearchRadius = 1000.0
	maxFirstRadius  = 2000.0
)

// nearest returns the nearest corridor to shape and its distance. It asks
// the index for the corridor pieces whose boxes come within a radius of
// the target's box, widened by the radius in degrees with the latitude
// factor (expandBound), and queues them; the pair queue then measures them
// nearest box first, opening a piece only as far as it could still beat
// the best so far. If the best is farther than the radius, a piece outside
// the radius could still beat it, so the radius grows fourfold and the new
// pieces are measured too.
func (w *coverageWorker) nearest(shape *Shape, distance float64) (int, float64) {
	w.round++
	if w.round == 0 { // wrapped: forget every mark
		clear(w.seen)
		clear(w.checked)
		w.round = 1
	}
	if shape.IsPolygonal() {
		if corridor := w.corridorInside(shape); corridor >= 0 {
			return corridor, 0
		}
	}
	top := int32(len(shape.levels) - 1)
	if w.c.Len() <= directCorridors {
		return w.nearestDirect(shape, top)
	}
	best, bestCorridor := math.Inf(1), -1
	extent := w.c.index.Bound()
	for radius := math.Min(math.Max(distance, minSearchRadius), maxFirstRadius); ; radius *= 4 {
		box := expandBound(shape.Bound(), radius)
		w.candidates = w.candidates[:0]
		w.c.index.Candidates(box, func(i int) bool {
			if w.seen[i] != w.round {
				w.seen[i] = w.round
				p := w.c.pieces[i]
				// The boxes' bound alone: most pieces the index hands
				// over are beaten before they are opened, and the queue
				// bounds their children tightly (nodeLowerBound).
				bound := boxLowerBound(shape.levels[top][0], w.c.shapes[p.corridor].levels[p.level][p.index])
				w.candidates = append(w.candidates, pieceCandidate{i, bound})
			}
			return true
		})
		// Nearest first, so that containment (distance 0) is met early.
		slices.SortFunc(w.candidates, func(a, b pieceCandidate) int {
			if c := cmpFloat(a.bound, b.bound); c != 0 {
				return c
			}
			return a.piece - b.piece
		})
		for _, cand := range w.candidates {
			if cand.bound >= best {
				break
			}
			p := w.c.pieces[cand.piece]
			if w.contains(shape, p.corridor) {
				best, bestCorridor = 0, p.corridor
				break
			}
			w.queue.pushBound(pairEntry{bound: cand.bound, b: w.c.shapes[p.corridor], tag: p.corridor,
				la: top, lb: int32(p.level), ib: int32(p.index)})
		}
		if best > 0 {
			best, bestCorridor = w.queue.run(shape, best, bestCorridor)
		}
		w.queue.heap = w.queue.heap[:0]
		if best <= radius || boundCovers(box, extent) {
			return bestCorridor, best
		}
	}
}

// directCorridors is the most corridors nearestDirect serves: it bounds
// every corridor once per target, where the index would hand over only the
// pieces within a radius (but has to be asked again for far targets).
const directCorridors = 64

// nearestDirect is nearest for a few corridors (a request's selection): the
// pair queue starts from each corridor's root, nearest bound first, and
// descends both hierarchies as far as the bounds leave a piece that could
// beat the best so far. With the balls' bounds (nodeLowerBound) a target
// far from the corridors opens a few leaves of them, not most.
func (w *coverageWorker) nearestDirect(shape *Shape, top int32) (int, float64) {
	w.candidates = w.candidates[:0]
	for i, c := range w.c.shapes {
		if c.IsEmpty() {
			continue
		}
		bound := nodeLowerBound(shape, top, 0, c, int32(len(c.levels)-1), 0, math.Inf(1))
		w.candidates = append(w.candidates, pieceCandidate{piece: i, bound: bound})
	}
	slices.SortFunc(w.candidates, func(a, b pieceCandidate) int {
		if c := cmpFloat(a.bound, b.bound); c != 0 {
			return c
		}
		return a.piece - b.piece
	})
	best, bestCorridor := math.Inf(1), -1
	for _, cand := range w.candidates {
		if cand.bound >= best {
			break
		}
		if w.contains(shape, cand.piece) {
			best, bestCorridor = 0, cand.piece
			break
		}
		c := w.c.shapes[cand.piece]
		w.queue.pushBound(pairEntry{bound: cand.bound, b: c, tag: cand.piece, la: top, lb: int32(len(c.levels) - 1)})
	}
	if best > 0 {
		best, bestCorridor = w.queue.run(shape, best, bestCorridor)
	}
	w.queue.heap = w.queue.heap[:0]
	return bestCorridor, best
}

// corridorInside returns the lowest-numbered corridor with a vertex inside
// the polygonal shape, or −1. Corridors drawn across a park almost always
// have one, and this finds them far faster than the distance search,
// which would have to come upon the crossing edges.
func (w *coverageWorker) corridorInside(shape *Shape) int {
	bound := shape.Bound()
	found := -1
	w.c.index.Candidates(bound, func(i int) bool {
		piece := w.c.pieces[i]
		if found >= 0 && piece.corridor >= found {
			return true
		}
		corridor := w.c.shapes[piece.corridor]
		corridor.eachElemInNode(piece.level, piece.index, bound, func(e shapeElem) {
			if found >= 0 && piece.corridor >= found {
				return
			}
			v := corridor.verts[e.a]
			if shape.containsPoint(orb.Point{v.lon, v.lat}) {
				found = piece.corridor
			}
		})
		return true
	})
	return found
}

// contains reports, once per target and corridor, whether one of the two
// lies (partly) inside a polygon of the other with no edges crossing.
func (w *coverageWorker) contains(shape *Shape, corridor int) bool {
	if w.checked[corridor] != w.round {
		w.checked[corridor] = w.round
		c := w.c.shapes[corridor]
		w.inside[corridor] = shape.containsRunOf(c) || c.containsRunOf(shape)
	}
	return w.inside[corridor]
}

// expandBound widens b by radius metres on every side, conservatively: a
// point within radius of b (geodesically) lies in the result. Latitude
// moves by at most radius/M with M ≥ lowerBoundRadius; longitude by at
// most radius/(N·cos φ) with N ≥ a at the highest latitude reachable.
func expandBound(b orb.Bound, radius float64) orb.Bound {
	dLat := radius / lowerBoundRadius / degree
	minLat, maxLat := b.Min[1]-dLat, b.Max[1]+dLat
	if minLat <= -90 || maxLat >= 90 {
		return orb.Bound{Min: orb.Point{-180, math.Max(minLat, -90)}, Max: orb.Point{180, math.Min(maxLat, 90)}}
	}
	cosLat := math.Cos(math.Max(math.Abs(minLat), math.Abs(maxLat)) * degree)
	dLon := radius / (lowerBoundRadius * cosLat) / degree
	if dLon >= 180 {
		return orb.Bound{Min: orb.Point{-180, minLat}, Max: orb.Point{180, maxLat}}
	}
	return orb.Bound{Min: orb.Point{b.Min[0] - dLon, minLat}, Max: orb.Point{b.Max[0] + dLon, maxLat}}
}

func boundCovers(outer, inner orb.Bound) bool {
	return outer.Min[0] <= inner.Min[0] && outer.Min[1] <= inner.Min[1] &&
		outer.Max[0] >= inner.Max[0] && outer.Max[1] >= inner.Max[1]
}

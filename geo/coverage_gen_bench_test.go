package geo_test

import (
	"context"
	"fmt"
	"math/rand"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// BenchmarkCoverageGenerated measures the soak's coverage requests
// (bench/soak.sh: one or two corridors drawn at random, 1 or 5 km, every
// port as a target) on the 100k generated dataset of seed 1: about 35,000
// ports, four fifths of them points, and 15,000 corridors to draw from.
// Most ports lie far from one or two corridors, so the figure is dominated
// by the nearest-corridor search for uncovered targets. One op is one
// request; run with -cpu 1 for the per-core figure. The last case is the
// largest corridor alone.
func BenchmarkCoverageGenerated(b *testing.B) {
	ds := benchDataset(100_000)
	var corridorIDs []string
	var corridorGeoms []orb.Geometry
	var targets []geo.CoverageTarget
	for _, l := range ds.Layers {
		switch l.ID {
		case data.Corridors:
			for _, f := range l.Features.Features {
				corridorIDs = append(corridorIDs, fmt.Sprint(f.ID))
				corridorGeoms = append(corridorGeoms, f.Geometry)
			}
		case data.Ports:
			for _, f := range l.Features.Features {
				kind, _ := f.Properties["kind"].(string)
				status, _ := f.Properties["status"].(string)
				targets = append(targets, geo.CoverageTarget{Layer: l.ID, ID: fmt.Sprint(f.ID), Kind: kind, Status: status, Geometry: f.Geometry})
			}
		}
	}
	all, err := geo.NewCorridors(corridorIDs, corridorGeoms)
	if err != nil {
		b.Fatal(err)
	}
	// The corridor of the most vertices (9,924): the heavy tail of the
	// generator's sizes, which the soak meets in about one run in two.
	largest := 0
	for i, g := range corridorGeoms {
		if countVertices(g) > countVertices(corridorGeoms[largest]) {
			largest = i
		}
	}
	rng := rand.New(rand.NewSource(14))
	for _, tc := range []struct {
		corridors int
		distance  float64
	}{{1, 1000}, {2, 1000}, {1, 5000}, {2, 5000}, {0, 5000}} {
		positions := []int{largest}
		if tc.corridors > 0 {
			positions = rng.Perm(all.Len())[:tc.corridors]
		}
		sub := all.Subset(positions)
		vertices := 0
		for i := range sub.Len() {
			vertices += countVertices(corridorGeoms[positions[i]])
		}
		b.Run(fmt.Sprintf("corridors=%d/vertices=%d/%.0fm", len(positions), vertices, tc.distance), func(b *testing.B) {
			var report *geo.CoverageReport
			cpuStart := cpuTime()
			for b.Loop() {
				report, err = sub.Coverage(context.Background(), targets, geo.CoverageOptions{Distance: tc.distance})
				if err != nil {
					b.Fatal(err)
				}
			}
			// CPU time is the figure to compare on a shared machine, where
			// wall time also counts other processes' hold of the cores.
			b.ReportMetric(float64(cpuTime()-cpuStart)/1e6/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(targets)), "ns/target")
			b.ReportMetric(float64(report.Summary.Covered), "covered")
		})
	}
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func countVertices(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.LineString:
		return len(g)
	case orb.MultiLineString:
		n := 0
		for _, l := range g {
			n += len(l)
		}
		return n
	}
	return 0
}

package api

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestDeadlineContextLikeWithTimeout drives deadlineContext and
// context.WithTimeout (the reference) side by side through the same
// sequence of calls and checks they agree at every step: Err before and
// after the deadline, Done closing (asked for before or after the
// deadline, or never), cancel before and after the deadline, and the
// deadline itself.
func TestDeadlineContextLikeWithTimeout(t *testing.T) {
	const d = 40 * time.Millisecond
	type step int
	const (
		askDone step = iota
		checkErr
		waitPast
		cancelNow
	)
	tests := []struct {
		name  string
		steps []step
	}{
		{"never waited on, cancelled", []step{checkErr, cancelNow, checkErr}},
		{"done asked, deadline passes", []step{askDone, checkErr, waitPast, checkErr}},
		{"deadline passes, err polled only", []step{checkErr, waitPast, checkErr, askDone}},
		{"deadline passes, then done asked", []step{waitPast, askDone, checkErr}},
		{"cancelled before the deadline, done asked after", []step{cancelNow, askDone, checkErr, waitPast, checkErr}},
		{"done asked, cancelled, deadline passes", []step{askDone, cancelNow, checkErr, waitPast, checkErr}},
		{"deadline passes, cancelled", []step{askDone, waitPast, cancelNow, checkErr}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			ref, refCancel := context.WithTimeout(context.Background(), d)
			defer refCancel()
			// the same deadline as the reference's: one taken a moment
			// later would still be ahead of it when its timer has fired
			rd, _ := ref.Deadline()
			got := newDeadlineContext(rd)
			cancel := got.cancel
			defer cancel()
			if gd, ok := got.Deadline(); !ok || !gd.Equal(rd) {
				t.Fatalf("deadline differs from context.WithTimeout's")
			}
			var gotDone, refDone <-chan struct{}
			for i, s := range tt.steps {
				switch s {
				case askDone:
					gotDone, refDone = got.Done(), ref.Done()
				case checkErr:
					if g, r := got.Err(), ref.Err(); !errors.Is(g, r) && !(g == nil && r == nil) {
						t.Fatalf("step %d: Err %v, context.WithTimeout says %v", i, g, r)
					}
				case waitPast:
					<-ref.Done()
					if gotDone != nil {
						select {
						case <-gotDone:
						case <-time.After(time.Second):
							t.Fatalf("step %d: Done not closed a second after the deadline", i)
						}
						if late := time.Since(start); late > d+200*time.Millisecond {
							t.Errorf("Done closed %v after start, deadline %v", late, d)
						}
					}
				case cancelNow:
					cancel()
					refCancel()
				}
				if gotDone != nil && refDone != nil {
					// once the reference's Done is closed, ours is too (it
					// ends on the same deadline or cancel).
					select {
					case <-refDone:
						select {
						case <-gotDone:
						case <-time.After(time.Second):
							t.Fatalf("step %d: the reference's Done is closed, ours not", i)
						}
					default:
					}
				}
			}
			if got.Err() == nil || !errors.Is(got.Err(), ref.Err()) {
				t.Errorf("at the end Err %v, context.WithTimeout says %v", got.Err(), ref.Err())
			}
			select {
			case <-got.Done():
			default:
				t.Error("Done not closed at the end")
			}
		})
	}
}

// TestDeadlineContextStopsLimitWait checks the limiter's queue wait ends
// at the request's deadline with this context as with a timer one.
func TestDeadlineContextStopsLimitWait(t *testing.T) {
	l := newLimiter(Options{Concurrency: map[string]int{kindAnalysis: 1}})
	release := l.acquire(context.Background(), kindAnalysis)
	defer release()
	ctx := newDeadlineContext(time.Now().Add(50 * time.Millisecond))
	cancel := ctx.cancel
	defer cancel()
	start := time.Now()
	if r := l.acquire(ctx, kindAnalysis); r != nil {
		t.Fatal("acquired a slot that is taken")
	}
	if waited := time.Since(start); waited < 40*time.Millisecond || waited > time.Second {
		t.Errorf("waited %v for a 50 ms deadline", waited)
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("Err %v after the deadline", ctx.Err())
	}
}

// BenchmarkRequestDeadline compares a request's deadline context (made,
// then cancelled at the request's end without being waited on) with
// context.WithTimeout.
func BenchmarkRequestDeadline(b *testing.B) {
	b.Run("WithTimeout", func(b *testing.B) {
		for range b.N {
			_, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			cancel()
		}
	})
	b.Run("deadlineContext", func(b *testing.B) {
		for range b.N {
			newDeadlineContext(time.Now().Add(10 * time.Second)).cancel()
		}
	})
}

package api

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineContext is a request's deadline as context.WithTimeout on
// context.Background() gives it, without arming a timer for requests that
// never wait on it. Most requests are in-memory reads that finish in
// microseconds and never look at their context; a timer per request (set,
// then stopped) was a measurable part of their cost. The timer starts the
// first time Done is asked for, to fire at the same deadline; Err compares
// the clock with the deadline, so code that polls Err (rather than
// selecting on Done) sees context.DeadlineExceeded from the same instant.
//
// Once it has ended, Err and Done say so for good: cancel (the request's
// end) gives context.Canceled unless the deadline came first, as with
// context.WithTimeout.
type deadlineContext struct {
	deadline time.Time
	// ended is set (under mu) once err is; Err reads it without the lock.
	ended atomic.Bool
	mu    sync.Mutex
	err   error
	done  chan struct{}
	timer *time.Timer
}

// closedDone is the Done channel of contexts that had ended before anyone
// asked for it.
var closedDone = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// newDeadlineContext returns a context ending at deadline, like
// context.WithDeadline(context.Background(), deadline); its cancel
// method is the CancelFunc.
func newDeadlineContext(deadline time.Time) *deadlineContext {
	return &deadlineContext{deadline: deadline}
}

func (c *deadlineContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *deadlineContext) Value(any) any { return nil }

func (c *deadlineContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.done
	}
	if c.err == nil {
		if d := time.Until(c.deadline); d > 0 {
			c.done = make(chan struct{})
			c.timer = time.AfterFunc(d, func() { c.end(context.DeadlineExceeded) })
			return c.done
		}
		c.setErr(context.DeadlineExceeded)
	}
	c.done = closedDone
	return c.done
}

func (c *deadlineContext) Err() error {
	if !c.ended.Load() {
		if time.Now().Before(c.deadline) {
			return nil
		}
		c.end(context.DeadlineExceeded)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *deadlineContext) cancel() { c.end(context.Canceled) }

// end records err unless the context has ended already, closing Done if
// it was handed out and stopping the timer.
func (c *deadlineContext) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.setErr(err)
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.done != nil {
		close(c.done)
	}
}

func (c *deadlineContext) setErr(err error) {
	c.err = err
	c.ended.Store(true)
}

func (c *deadlineContext) String() string { return "api.deadlineContext" }

package data

import "sync"

// Notifier tells subscribers that a store installed a new snapshot. Each
// subscriber is called from a goroutine of its own with the newest
// snapshot; changes in quick succession may be reported once. Stores embed
// one and call Notify after installing a snapshot.
type Notifier struct {
	mu   sync.Mutex
	next int
	subs map[int]chan struct{}
}

// Subscribe calls fn with current() after every Notify until cancel.
func (n *Notifier) Subscribe(current func() *Snapshot, fn func(*Snapshot)) (cancel func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs == nil {
		n.subs = map[int]chan struct{}{}
	}
	id := n.next
	n.next++
	n.subs[id] = ch
	n.mu.Unlock()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				fn(current())
			case <-stop:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			n.mu.Lock()
			delete(n.subs, id)
			n.mu.Unlock()
			close(stop)
		})
	}
}

// Notify wakes every subscriber.
func (n *Notifier) Notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, ch := range n.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

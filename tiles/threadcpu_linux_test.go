//go:build linux

package tiles

import "syscall"

// threadCPU returns the CPU time (user and system, nanoseconds) the calling
// OS thread has used, and false when it cannot tell.
func threadCPU() (int64, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}

//go:build !linux

package tiles

func threadCPU() (int64, bool) { return 0, false }

//go:build linux

package data

import (
	"io/fs"
	"syscall"
)

// statOf returns what a stat of the file says about it, and false when
// the file system does not say (a FileInfo of another kind).
func statOf(fi fs.FileInfo) (fileStat, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st == nil {
		return fileStat{}, false
	}
	return fileStat{
		Size:    st.Size,
		MtimeNs: st.Mtim.Nano(),
		CtimeNs: st.Ctim.Nano(),
		Ino:     st.Ino,
		Dev:     uint64(st.Dev), //nolint:unconvert // Dev is uint64 on linux/amd64, but not on every linux
	}, true
}

//go:build !linux

package data

import "io/fs"

// statOf returns false where planmap does not know how to read a file's
// change time and inode: every start then hashes every layer file.
func statOf(fs.FileInfo) (fileStat, bool) { return fileStat{}, false }

package emulators

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CopyData copies a stopped emulators' data folder src to dst, which must
// not exist, so that a benchmark can write to a cached data set without
// changing it. DynamoDB Local keeps a table set in one SQLite file, which it
// changes in place, so every file is copied.
func CopyData(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Name() == "LOCK" || d.Name() == ".lock":
			return nil // the copy's own process takes its own lock
		}
		return copyFile(path, target)
	})
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read only: closing cannot lose data
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

//go:build unix

package proc

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockDir takes an exclusive lock on dir for the life of the process (or
// until the returned file is closed), so that two local stacks never open
// the same emulator data, which would corrupt it or crash the emulator.
func LockDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close() // the lock is what matters
		return nil, fmt.Errorf("%s is in use by another local stack (stop the other `make run` first)", dir)
	}
	return f, nil
}

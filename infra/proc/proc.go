// Package proc starts and stops the child processes of the local stack
// (emulators, function binaries) so that none outlives it.
package proc

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// Stop asks cmd's process group to terminate and kills it after grace. It
// returns once exited is closed; the caller owns cmd.Wait and closes exited.
func Stop(cmd *exec.Cmd, exited <-chan struct{}, grace time.Duration) {
	if cmd.Process == nil {
		return
	}
	signalGroup(cmd, false)
	select {
	case <-exited:
		return
	case <-time.After(grace):
	}
	signalGroup(cmd, true)
	<-exited
}

// Kill kills cmd's process group at once.
func Kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		signalGroup(cmd, true)
	}
}

// PrefixWriter tags each line written to w with prefix, so the output of
// several children stays readable when interleaved.
func PrefixWriter(w io.Writer, prefix string) io.Writer {
	if w == io.Discard || w == nil {
		return io.Discard
	}
	return &prefixer{w: w, prefix: prefix}
}

type prefixer struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (l *prefixer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		if _, err := fmt.Fprintf(l.w, "%s%s\n", l.prefix, l.buf[:i]); err != nil {
			return 0, err
		}
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

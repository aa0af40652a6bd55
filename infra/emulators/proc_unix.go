//go:build unix

package emulators

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup puts the child in its own group so that stopping it also
// stops whatever it spawned.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

// stopProcess asks the group to terminate, then kills it if it lingers.
func stopProcess(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM) // already gone is fine
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}

// processExited reports whether the child has died, without reaping it.
func processExited(cmd *exec.Cmd) bool {
	return cmd.Process == nil || syscall.Kill(cmd.Process.Pid, 0) != nil || isZombie(cmd.Process.Pid)
}

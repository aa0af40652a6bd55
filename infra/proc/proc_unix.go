//go:build unix

package proc

import (
	"os/exec"
	"syscall"
)

// Group puts cmd in its own process group, so that stopping it also stops
// whatever it spawned, and (on Linux) has the kernel kill it if the stack
// dies without cleaning up.
func Group(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

func signalGroup(cmd *exec.Cmd, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig) // already gone is fine
}

package emulators

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// setParentDeathSignal makes the kernel kill emulators if the Go process dies
// without running Close (a test binary killed on timeout, say).
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndex(s, ")")
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

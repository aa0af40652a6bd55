//go:build unix && !linux

package emulators

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}

func isZombie(int) bool { return false }

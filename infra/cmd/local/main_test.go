package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInvokePortRecorded: the port make run serves the Invoke API on is
// what make invoke uses, and a stopped stack's record goes away unless
// another stack took it over.
func TestInvokePortRecorded(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, ".local", "invoke-port")
	if err := recordPort(file, 4123); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is needed")
	}
	// make -n prints the invoke command without running it.
	cmd := exec.Command("make", "-s", "-n", "-f", filepath.Join(mustAbs(t, "../../../Makefile")), "invoke", "FN=HealthFunction")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n invoke: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "-port 4123") {
		t.Fatalf("make invoke does not use the recorded port:\n%s", out)
	}
	cmd = exec.Command("make", "-s", "-n", "-f", filepath.Join(mustAbs(t, "../../../Makefile")), "invoke", "FN=HealthFunction", "INVOKE_PORT=4999")
	cmd.Dir = root
	if out, err = cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "-port 4999") {
		t.Fatalf("INVOKE_PORT given to make invoke should win: %v\n%s", err, out)
	}

	forgetPort(file, 5000) // another stack's port: the record stays
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("record removed for another port: %v", err)
	}
	forgetPort(file, 4123)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("record kept after the stack stopped: %v", err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

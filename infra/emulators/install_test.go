package emulators_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/emulators"
)

// oneLine fails unless err exists, is a single line and mentions want.
func oneLine(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one line mentioning %q", err, want)
	}
}

// A machine without Node learns it in one line, before anything starts.
func TestStartWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := emulators.Start(context.Background(), emulators.Options{InfraDir: t.TempDir(), Log: io.Discard})
	oneLine(t, err, "`node` is not on PATH")
}

// staleInstall is an infra folder whose lock file asks for a package that
// is not installed yet.
func staleInstall(t *testing.T) string {
	dir := t.TempDir()
	files := map[string]string{
		"package.json": `{"name":"x","version":"1.0.0","private":true,"dependencies":{"left-pad":"1.3.0"}}`,
		"package-lock.json": `{"name":"x","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{` +
			`"":{"name":"x","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}},` +
			`"node_modules/left-pad":{"version":"1.3.0","resolved":"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",` +
			`"integrity":"sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEB5nySO+eSQ0F1jxuKJXpXbvcnw5PSa0tfzEx/kZDMCx1Q=="}}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEnsureNodeModulesWithoutNPM(t *testing.T) {
	dir := staleInstall(t)
	t.Setenv("PATH", t.TempDir())
	oneLine(t, emulators.EnsureNodeModules(context.Background(), dir, io.Discard), "`npm` is not on PATH")
}

// An unreachable registry ends in one line naming the likely cause, after
// npm's bounded retries rather than its default minutes.
func TestEnsureNodeModulesWithUnreachableRegistry(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatal("npm is needed by the local stack and must be on PATH here")
	}
	dir := staleInstall(t)
	t.Setenv("npm_config_registry", "http://127.0.0.1:9/")
	t.Setenv("npm_config_fetch_retry_mintimeout", "50")
	t.Setenv("npm_config_fetch_retry_maxtimeout", "100")
	t.Setenv("npm_config_cache", t.TempDir()) // nothing cached to install from
	t.Setenv("npm_config_offline", "false")
	oneLine(t, emulators.EnsureNodeModules(context.Background(), dir, io.Discard), "is the npm registry reachable?")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "left-pad")); err == nil {
		t.Error("left-pad was installed despite an unreachable registry")
	}
}

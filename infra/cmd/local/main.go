// Command local runs the whole of Switchboard on this machine: `make run`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/local"
	"github.com/switchboard-hq/switchboard/infra/samtemplate"
)

func main() {
	host := flag.String("host", "127.0.0.1", "loopback address to serve on")
	apiPort := flag.Int("port", 3000, "port of the API and the admin site")
	invokePort := flag.Int("invoke-port", 3001, "port of the Lambda Invoke API")
	samplePort := flag.Int("sample-port", 3002, "port of the demo's sample app")
	dataDir := flag.String("data", filepath.Join(".local", "data"), "emulator data folder, relative to the repository root")
	flag.Parse()
	if err := run(*host, *apiPort, *invokePort, *samplePort, *dataDir); err != nil {
		fmt.Fprintf(os.Stderr, "switchboard: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
}

func run(host string, apiPort, invokePort, samplePort int, dataDir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := samtemplate.FindRoot(".")
	if err != nil {
		return err
	}
	if !filepath.IsAbs(dataDir) {
		dataDir = filepath.Join(root, dataDir)
	}
	start := time.Now()
	stack, err := local.Start(ctx, local.Options{
		Root: root, Host: host, APIPort: apiPort, InvokePort: invokePort, SamplePort: samplePort,
		DataDir: dataDir, Seed: true, Log: os.Stdout,
	})
	if err != nil {
		return err
	}
	defer stack.Close()
	// make invoke (and make bootstrap-operator) read the port from here, so
	// INVOKE_PORT given to make run needs no repeating.
	portFile := filepath.Join(root, ".local", "invoke-port")
	if err := recordPort(portFile, invokePort); err != nil {
		return err
	}
	defer forgetPort(portFile, invokePort)

	fmt.Printf("\nSwitchboard is running (backend: %s), started in %s\n", stack.Backend, time.Since(start).Round(100*time.Millisecond))
	fmt.Printf("  admin site     %s/\n", stack.APIURL)
	for _, fn := range stack.Functions {
		for _, r := range fn.Routes {
			fmt.Printf("  %-6s %s%s  → %s\n", r.Method, stack.APIURL, r.Path, fn.LogicalID)
		}
	}
	fmt.Printf("  Lambda Invoke  %s  (aws lambda invoke --endpoint-url %s --function-name <LogicalId> out.json)\n", stack.InvokeURL, stack.InvokeURL)
	for _, t := range stack.Timers {
		fmt.Printf("  schedule       %s %s → %s\n", t.Event.Expression, t.Event.Name, t.Function)
	}
	if e := stack.Emulators; e != nil {
		fmt.Printf("  DynamoDB       %s (DynamoDB Local)\n  S3             %s (gofakes3)\n  SES v2         %s (aws-ses-v2-local)\n", e.DynamoDB, e.S3, e.SES)
		fmt.Printf("  sent mail      %s/\n", e.SES)
		fmt.Printf("  data           %s (make reset wipes .local/data)\n", dataDir)
	}
	if stack.Backend != local.BackendAWS {
		fmt.Printf("  demo sign-ins  ")
		for i, u := range demo.Users {
			if i > 0 {
				fmt.Print(", ")
			}
			fmt.Printf("%s (%s)", u.Email, u.Role)
		}
		fmt.Printf("; password %q\n", local.DemoPassword(os.Getenv))
	}
	if stack.SampleAppURL != "" {
		fmt.Printf("  sample app     %s/  (connect it: sign in as %s, Available apps, choose a location, Connect on %q)\n",
			stack.SampleAppURL, demo.Users[0].Email, demo.SampleApp.Name)
	}
	fmt.Println("Ctrl-C stops everything.")
	<-ctx.Done()
	fmt.Println("\nstopping…")
	return nil
}

// recordPort writes the running stack's Invoke API port to file.
func recordPort(file string, port int) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("recording the invoke port: %w", err)
	}
	if err := os.WriteFile(file, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
		return fmt.Errorf("recording the invoke port: %w", err)
	}
	return nil
}

// forgetPort removes file when it still names port: a second stack started
// meanwhile on another port keeps its record.
func forgetPort(file string, port int) {
	b, err := os.ReadFile(file)
	if err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(port) {
		_ = os.Remove(file)
	}
}

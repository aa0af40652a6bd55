// Command load is `make load`: it starts the local stack (or uses -url),
// connects -connections app instances through the real OAuth flow, runs
// -workers worker processes of itself for -duration, then checks that the
// call log holds one entry per platform call made and that no call got a
// 5xx. It exits non-zero when a check fails.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/load"
	"github.com/switchboard-hq/switchboard/infra/local"
	"github.com/switchboard-hq/switchboard/infra/samtemplate"
)

func main() {
	worker := flag.Bool("worker", false, "run as a worker: read a plan on stdin, print a result on stdout")
	baseURL := flag.String("url", "", "a running Switchboard (default: start the local stack)")
	workers := flag.Int("workers", 4, "worker processes")
	concurrency := flag.Int("concurrency", 8, "concurrent clients per worker")
	connections := flag.Int("connections", 24, "app connections to spread the calls over")
	duration := flag.Duration("duration", 45*time.Second, "how long the workers call")
	flag.Parse()
	var err error
	if *worker {
		err = runWorker(os.Stdin, os.Stdout)
	} else {
		err = coordinate(*baseURL, *workers, *concurrency, *connections, *duration)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(1)
	}
}

func runWorker(in io.Reader, out io.Writer) error {
	var plan load.Plan
	if err := json.NewDecoder(in).Decode(&plan); err != nil {
		return fmt.Errorf("read plan: %w", err)
	}
	return json.NewEncoder(out).Encode(load.RunWorker(context.Background(), plan))
}

func coordinate(baseURL string, workers, concurrency, connections int, duration time.Duration) error {
	ctx := context.Background()
	root, err := samtemplate.FindRoot(".")
	if err != nil {
		return err
	}
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		return err
	}
	if baseURL == "" {
		dir, err := os.MkdirTemp("", "switchboard-load-")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }() // a temporary folder: nothing to do if it stays
		fmt.Println("starting the local stack…")
		stack, err := local.Start(ctx, local.Options{Root: root, BinDir: filepath.Join(root, ".local", "bin"), Seed: true, DataDir: filepath.Join(dir, "data")})
		if err != nil {
			return err
		}
		defer stack.Close()
		baseURL = stack.APIURL
	}
	owner, err := load.SignIn(ctx, baseURL, demo.Users[0].Email, local.DemoPassword(os.Getenv))
	if err != nil {
		return err
	}
	locations := make([]string, 0, len(demo.Locations))
	for _, l := range demo.Locations {
		locations = append(locations, l.ID)
	}
	fmt.Printf("connecting %d app instances…\n", connections)
	conns, err := owner.Connect(ctx, connections, locations)
	if err != nil {
		return err
	}
	canBlock := hasRoute(tpl, "POST", "/admin/v1/connections/{connectionId}/block")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("%d workers × %d clients for %s against %s (blocks: %v)…\n", workers, concurrency, duration, baseURL, canBlock)
	var (
		mu     sync.Mutex
		total  load.Result
		errs   []error
		wg     sync.WaitGroup
		start  = time.Now()
		shares = share(conns, workers)
	)
	for i := range workers {
		plan := load.Plan{BaseURL: baseURL, Duration: duration, Concurrency: concurrency, Connections: shares[i],
			SessionCookie: owner.Cookie, CSRF: owner.CSRF, Seed: uint64(i + 1)}
		if canBlock {
			plan.Blockable = shares[i][0].ID
		}
		wg.Go(func() {
			res, err := spawn(self, plan)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("worker %d: %w", i+1, err))
				return
			}
			total.Merge(res)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Print(load.Report(total, elapsed))

	// Every call answered must be in its connection's log, once. Calls are
	// logged just after their answer, so the last ones may still be in
	// flight: recount for a few seconds before calling a gap a problem.
	var problems []error
	logged := 0
	for settle := time.Now().Add(10 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		problems, logged = nil, 0
		for _, c := range conns {
			n, err := owner.CountLogged(ctx, c.ID)
			if err != nil {
				return err
			}
			logged += n
			if made := total.Calls[c.ID]; n != made {
				problems = append(problems, fmt.Errorf("connection %s: %d calls made, %d logged", c.ID, made, n))
			}
		}
		if len(problems) == 0 || time.Now().After(settle) {
			break
		}
	}
	fmt.Printf("call log        %d entries for %d calls made\n", logged, len(total.LatencyMs))
	if total.ServerError > 0 {
		problems = append(problems, fmt.Errorf("%d answers were 5xx: %v", total.ServerError, total.Errors))
	}
	if total.Transport > 0 {
		problems = append(problems, fmt.Errorf("%d calls got no answer: %v", total.Transport, total.Errors))
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	fmt.Println("checks          passed: one log entry per call, no 5xx, no call left unanswered")
	return nil
}

// share deals the connections out to n workers, round robin.
func share(conns []load.Connection, n int) [][]load.Connection {
	out := make([][]load.Connection, n)
	for i, c := range conns {
		out[i%n] = append(out[i%n], c)
	}
	return out
}

func spawn(self string, plan load.Plan) (load.Result, error) {
	in, err := json.Marshal(plan)
	if err != nil {
		return load.Result{}, err
	}
	cmd := exec.Command(self, "-worker")
	cmd.Stdin = bytes.NewReader(in)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return load.Result{}, err
	}
	var res load.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return load.Result{}, fmt.Errorf("read result: %w", err)
	}
	return res, nil
}

func hasRoute(tpl *samtemplate.Template, method, path string) bool {
	fns, err := tpl.Functions()
	if err != nil {
		return false
	}
	for _, fn := range fns {
		if slices.ContainsFunc(fn.Routes, func(r samtemplate.Route) bool { return r.Method == method && r.Path == path }) {
			return true
		}
	}
	return false
}

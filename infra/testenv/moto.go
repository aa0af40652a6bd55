package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/switchboard-hq/switchboard/infra/proc"
)

// moto is the moto_server this test binary started for MustMoto.
var moto struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// MustMoto returns the URL of a moto_server: the test backend when that is
// moto, else one started on first use and stopped by Main. Tests of what
// only an emulator that behaves like AWS shows (an SES that refuses an
// unverified sender, TTL and lifecycle settings read back) run on it
// whatever the test backend is. moto comes with pip (pip install
// 'moto[server]'); the machines this project runs on have it.
func MustMoto(tb testing.TB) string {
	tb.Helper()
	if os.Getenv(EndpointVar) != "" { // else the backend is the built-in emulators
		if b := MustBackend(tb); b.Kind == BackendMoto {
			return b.Endpoint
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if moto.url != "" {
		return moto.url
	}
	if _, err := exec.LookPath("moto_server"); err != nil {
		tb.Fatal("moto_server is not on PATH: install it with pip install 'moto[server]'")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // moto_server binds it next
	cmd := exec.Command("moto_server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	proc.Group(cmd)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start moto_server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // exit is observed through exited
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !answers(ctx, url+"/moto-api/data.json") {
		select {
		case <-exited:
			tb.Fatal("moto_server exited during start-up")
		case <-ctx.Done():
			proc.Stop(cmd, exited, time.Second)
			tb.Fatalf("moto_server did not answer at %s within 30s", url)
		case <-time.After(100 * time.Millisecond):
		}
	}
	moto.url, moto.cmd, moto.exited = url, cmd, exited
	return url
}

func stopMoto() {
	if moto.cmd != nil {
		proc.Stop(moto.cmd, moto.exited, 3*time.Second)
	}
}

// MustMotoConfig is an AWS configuration whose clients all reach MustMoto's
// server, whatever AWS_ENDPOINT_URL_* say.
func MustMotoConfig(tb testing.TB) aws.Config {
	tb.Helper()
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(MustMoto(tb)),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})}
}

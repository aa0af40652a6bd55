package lifecycle

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPublicIP(t *testing.T) {
	for ip, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1111": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "fd00::1": false, "fe80::1": false, "224.0.0.1": false,
	} {
		if got := PublicIP(net.ParseIP(ip)); got != want {
			t.Errorf("PublicIP(%s) = %v", ip, got)
		}
	}
}

// The production client refuses a loopback receiver at connect time; the
// local one reaches it.
func TestClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, strings.NewReader("{}"))
	if _, err := NewHTTPClient(false).Do(req); err == nil || !strings.Contains(err.Error(), "not public") {
		t.Errorf("production client reached loopback: %v", err)
	}
	req, _ = http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, strings.NewReader("{}"))
	resp, err := NewHTTPClient(true).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
}

func TestExcerptKeepsValidUTF8(t *testing.T) {
	s := strings.Repeat("é", 600) // 1200 bytes
	got := excerpt(s, 1024)
	if len(got) > 1024 || !strings.HasPrefix(s, got) || len(got) < 1022 {
		t.Errorf("excerpt of %d bytes", len(got))
	}
}

func TestTooLate(t *testing.T) {
	if tooLate(context.Background()) {
		t.Error("no deadline is never too late")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !tooLate(ctx) {
		t.Error("10 s left is too little for a 15 s attempt")
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	if tooLate(ctx2) {
		t.Error("a minute left is enough")
	}
}

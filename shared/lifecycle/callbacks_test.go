package lifecycle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDialAllowed: the connect-time check refuses every non-global
// address; the loopback allowance admits loopback and nothing else.
func TestDialAllowed(t *testing.T) {
	for addr, want := range map[string][2]bool{
		"93.184.216.34:443": {true, true}, "[2606:4700::1111]:443": {true, true},
		"127.0.0.1:80": {false, true}, "[::1]:80": {false, true}, "[::ffff:127.0.0.1]:80": {false, true},
		"10.0.0.1:443": {false, false}, "169.254.169.254:80": {false, false}, "[64:ff9b::a9fe:a9fe]:80": {false, false},
		"[2002:a9fe:a9fe::1]:80": {false, false}, "[::ffff:10.0.0.1]:80": {false, false}, "0.0.0.0:80": {false, false},
	} {
		for i, loopback := range []bool{false, true} {
			if got := DialAllowed(addr, loopback) == nil; got != want[i] {
				t.Errorf("DialAllowed(%s, loopback %v) = %v", addr, loopback, got)
			}
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

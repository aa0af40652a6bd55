// Package faults makes AWS calls fail on purpose. Transport wraps the SDK's
// HTTP client and, for a share of the requests to each service, answers as
// a struggling AWS would: a 500, a throttling error, a dropped connection
// before the request left, a response lost after the service acted, or a
// delay. Tests put it in a platform.Env's aws.Config (HTTPClient) and check
// what must hold anyway; the emulators behind it stay real.
package faults

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/logging"

	"github.com/switchboard-hq/switchboard/shared/platform"
)

// Service is the AWS service a request is for.
type Service string

// The services Switchboard calls.
const (
	DynamoDB Service = "dynamodb"
	S3       Service = "s3"
	SES      Service = "ses"
)

// Kind is one way of failing.
type Kind string

// The faults injected.
const (
	ServerError  Kind = "server-error"  // 500 InternalServerError; nothing done
	Throttle     Kind = "throttle"      // throttled; nothing done
	Drop         Kind = "drop"          // connection reset before sending; nothing done
	LoseResponse Kind = "lose-response" // the service acted, the answer never came
	Delay        Kind = "delay"         // the request goes through late
)

// Rates gives each kind its probability (0..1) for one service.
type Rates map[Kind]float64

// Transport injects faults; the zero value of Rates for a service passes its
// requests through untouched.
type Transport struct {
	Next  http.RoundTripper // default http.DefaultTransport
	Rates map[Service]Rates
	Delay time.Duration // how late Delay requests go; default 100ms
	// Match, when set, makes only the requests it accepts eligible for a
	// fault (others pass untouched and uncounted): a test aims a fault at
	// one operation, say the PutItem of an order, from its X-Amz-Target
	// header (or the S3 method and path) and its body.
	Match func(r *http.Request, body []byte) bool
	// Limit, when above 0, stops injecting after that many faults.
	Limit int

	mu       sync.Mutex
	rng      *rand.Rand
	injected map[Service]map[Kind]int
	total    map[Service]int
}

// New returns a Transport with a fixed seed, so a failing run can be
// replayed.
func New(seed uint64, rates map[Service]Rates) *Transport {
	return &Transport{Rates: rates, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Client returns an *http.Client using t, for aws.Config.HTTPClient.
func (t *Transport) Client() *http.Client { return &http.Client{Transport: t} }

// Injected reports how many faults of each kind each service got, and how
// many requests it saw.
func (t *Transport) Injected() (map[Service]map[Kind]int, map[Service]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	inj := map[Service]map[Kind]int{}
	for s, m := range t.injected {
		inj[s] = map[Kind]int{}
		for k, n := range m {
			inj[s][k] = n
		}
	}
	tot := map[Service]int{}
	for s, n := range t.total {
		tot[s] = n
	}
	return inj, tot
}

// ServiceOf tells the service from the request itself: DynamoDB's JSON
// protocol names its target in a header, SES v2 lives under /v2/email, and
// everything else Switchboard calls is S3.
func ServiceOf(r *http.Request) Service {
	switch {
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_"):
		return DynamoDB
	case strings.HasPrefix(r.URL.Path, "/v2/email"):
		return SES
	}
	return S3
}

func (t *Transport) pick(s Service) (Kind, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.injected == nil {
		t.injected, t.total = map[Service]map[Kind]int{}, map[Service]int{}
	}
	if t.rng == nil {
		t.rng = rand.New(rand.NewPCG(1, 2))
	}
	t.total[s]++
	if t.Limit > 0 {
		n := 0
		for _, kinds := range t.injected {
			for _, c := range kinds {
				n += c
			}
		}
		if n >= t.Limit {
			return "", false
		}
	}
	roll := t.rng.Float64()
	for _, k := range []Kind{ServerError, Throttle, Drop, LoseResponse, Delay} {
		p := t.Rates[s][k]
		if roll < p {
			if t.injected[s] == nil {
				t.injected[s] = map[Kind]int{}
			}
			t.injected[s][k]++
			return k, true
		}
		roll -= p
	}
	return "", false
}

// ErrInjected is the transport error of Drop and LoseResponse faults.
var ErrInjected = errors.New("faults: connection reset by injected fault")

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	s := ServiceOf(r)
	if t.Match != nil {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				return nil, err
			}
			body = b
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		if !t.Match(r, body) {
			return next.RoundTrip(r)
		}
	}
	kind, inject := t.pick(s)
	if !inject {
		return next.RoundTrip(r)
	}
	if kind == ServerError || kind == Throttle || kind == Drop {
		// A RoundTripper closes the body it does not send.
		if r.Body != nil {
			_ = r.Body.Close()
		}
	}
	switch kind {
	case ServerError:
		return synthetic(r, s, http.StatusInternalServerError, "InternalServerError", "injected server error"), nil
	case Throttle:
		if s == DynamoDB {
			return synthetic(r, s, http.StatusBadRequest, "ThrottlingException", "injected throttling"), nil
		}
		return synthetic(r, s, http.StatusServiceUnavailable, "SlowDown", "injected throttling"), nil
	case Drop:
		return nil, ErrInjected
	case LoseResponse:
		resp, err := next.RoundTrip(r)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil, ErrInjected
	default: // Delay
		d := t.Delay
		if d == 0 {
			d = 100 * time.Millisecond
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
		return next.RoundTrip(r)
	}
}

// synthetic is an error answer in the service's own protocol, so that the
// SDK classifies it (and retries it) as it would a real one.
func synthetic(r *http.Request, s Service, status int, code, message string) *http.Response {
	h := http.Header{}
	var body string
	switch s {
	case DynamoDB:
		h.Set("Content-Type", "application/x-amz-json-1.0")
		body = fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, code, message)
	case SES:
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-Errortype", code)
		body = fmt.Sprintf(`{"message":%q}`, message)
	default:
		h.Set("Content-Type", "application/xml")
		body = fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, message)
	}
	h.Set("X-Amzn-Requestid", "injected")
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Header: h,
		Body: io.NopCloser(bytes.NewReader([]byte(body))), ContentLength: int64(len(body)), Request: r,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

// Apply returns a copy of cfg whose requests go through t, with the SDK's
// own retries kept (platform.AWSAttempts) but their waits cut to at most
// 50 ms, so that a test spends its time on faults, not on sleeping, and
// without the SDK's warnings about the bodies it could not checksum.
func Apply(cfg aws.Config, t *Transport) aws.Config {
	out := cfg.Copy()
	out.HTTPClient = t.Client()
	out.Logger = logging.Nop{}
	out.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = platform.AWSAttempts
			o.MaxBackoff = 50 * time.Millisecond
		})
	}
	return out
}

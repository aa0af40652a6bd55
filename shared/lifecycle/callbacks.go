package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
	"github.com/switchboard-hq/switchboard/shared/webhook"
)

// AttemptTimeout bounds one POST to an app (the 15 s); the
// functions that attempt in line have a longer Lambda timeout.
const AttemptTimeout = 15 * time.Second

// Lease keeps a delivery away from other senders while one attempts it: the
// attempt's timeout plus room for the writes around it.
const Lease = 2 * time.Minute

// Callbacks delivers lifecycle events to apps' callback URLs.
type Callbacks struct {
	Apps       switchboard.DeveloperAppStore
	Deliveries switchboard.DeliveryStore
	// Sealer opens the apps' sealed signing secrets; nil where the
	// function was given no signing key, and then no attempt is made.
	Sealer *auth.Sealer
	// Loopback admits loopback callback URLs (local stack and tests only);
	// Client must dial with the same allowance.
	Loopback bool
	Client   *http.Client
	Now      func() time.Time
	// Endpoints keeps each app's endpoint health, which every attempt's
	// outcome updates and which stops attempts while disabled.
	Endpoints switchboard.EndpointStore
	// DisableAfter is how long every delivery may fail before the endpoint
	// is disabled; 0: switchboard.DefaultEndpointDisableAfter.
	DisableAfter time.Duration
}

var _ switchboard.Announcer = (*Callbacks)(nil)

// payload is the JSON body of a callback, in the platform API's snake case.
type payload struct {
	ID           string     `json:"id"`
	Type         string     `json:"type"`
	CreatedAt    time.Time  `json:"created_at"`
	AccountID    string     `json:"account_id"`
	LocationID   string     `json:"location_id,omitempty"`
	ConnectionID string     `json:"connection_id"`
	AppID        string     `json:"app_id"`
	ActorType    string     `json:"actor_type,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	BlockedUntil *time.Time `json:"blocked_until,omitempty"`
}

// NewDelivery builds the record of e, to be written with its change, or
// nil when the app has nowhere to be told. It is due when the lease ends:
// the caller makes the first attempt, and the retrier takes over if it
// dies before recording it.
func (c *Callbacks) NewDelivery(ctx context.Context, e switchboard.AppEvent, after *switchboard.Connection) (*switchboard.Delivery, error) {
	app, err := c.Apps.GetDeveloperApp(ctx, e.AppID)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if app.CallbackURL == "" {
		return nil, nil
	}
	p := payload{ID: e.ID, Type: switchboard.CallbackType(e.Type), CreatedAt: e.At.UTC(), AccountID: e.AccountID,
		LocationID: e.LocationID, ConnectionID: e.ConnectionID, AppID: e.AppID, ActorType: string(e.ActorType), Reason: e.Reason}
	if p.ActorType == "" {
		p.ActorType = string(switchboard.ActorUser)
	}
	if after != nil && e.Type == switchboard.EventBlocked {
		p.BlockedUntil = after.BlockedUntil
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("marshal callback %s: %w", e.ID, err)
	}
	lease := c.Now().UTC().Add(Lease)
	return &switchboard.Delivery{EventID: e.ID, Type: p.Type, AccountID: e.AccountID, AppID: e.AppID, ConnectionID: e.ConnectionID,
		LocationID: e.LocationID, CreatedAt: e.At.UTC(), URL: app.CallbackURL, Body: string(body), State: switchboard.DeliveryPending,
		Attempts: []switchboard.DeliveryAttempt{}, NextAttemptAt: &lease}, nil
}

// Send makes the first attempt of a delivery written with its change.
// Failures are recorded on the delivery, which the retrier takes over.
func (c *Callbacks) Send(ctx context.Context, d *switchboard.Delivery) {
	if d == nil {
		return
	}
	if _, err := c.attemptAndSave(ctx, *d, "first"); err != nil {
		platform.Logger(ctx).Warn("first attempt not recorded; the retrier resumes after the lease", "eventId", d.EventID, "error", err)
	}
}

// Announcement builds the delivery of an event, due at once: written in
// the event's transaction, the retrier's next run (within a minute) makes
// the first attempt. The OAuth server announces installs this way rather
// than posting in line: an app often waits for its token answer on the very
// server that receives its callbacks, and a single-threaded one would
// deadlock until the timeout.
func (c *Callbacks) Announcement(ctx context.Context, e switchboard.AppEvent) (*switchboard.Delivery, error) {
	d, err := c.NewDelivery(ctx, e, e.After)
	if err != nil || d == nil {
		return nil, err
	}
	now := c.Now().UTC()
	d.NextAttemptAt = &now
	return d, nil
}

// attemptAndSave posts d once and records the attempt with a versioned
// write; d must be leased by the caller.
func (c *Callbacks) attemptAndSave(ctx context.Context, d switchboard.Delivery, trigger string) (switchboard.Delivery, error) {
	a, posted := c.attempt(ctx, &d, trigger)
	// The post happened whether or not its record is saved below: the
	// endpoint's health counts it either way.
	disabled := posted && c.observe(ctx, d.AppID, a)
	d.Record(a)
	if disabled && d.State == switchboard.DeliveryPending {
		// This outcome disabled the endpoint: no retry is coming, so the
		// event is failed now, redeliverable once it is enabled again.
		d.State, d.NextAttemptAt = switchboard.DeliveryFailed, nil
	}
	return c.Deliveries.SaveDelivery(ctx, d)
}

// attempt posts d's body to the app's current callback URL, signed with
// its current secret's hash, and reports what happened; posted is false
// when no request left (the endpoint's answer, or its silence, is what
// its health counts, not Switchboard's own reasons not to post).
func (c *Callbacks) attempt(ctx context.Context, d *switchboard.Delivery, trigger string) (a switchboard.DeliveryAttempt, posted bool) {
	a = switchboard.DeliveryAttempt{At: c.Now().UTC(), Trigger: trigger}
	app, err := c.Apps.GetDeveloperApp(ctx, d.AppID)
	if err != nil {
		a.Error = "the app cannot be read: " + switchboard.ErrorMessage(err)
		return a, false
	}
	if app.CallbackURL == "" {
		a.Error = "the app has no callback URL"
		return a, false
	}
	if err := switchboard.ValidateCallbackURL(app.CallbackURL, c.Loopback); err != nil {
		a.Error = switchboard.ErrorMessage(err)
		return a, false
	}
	if c.Endpoints != nil {
		ep, err := c.Endpoints.GetCallbackEndpoint(ctx, d.AppID)
		if err != nil {
			a.Error = "the callback endpoint's state cannot be read"
			return a, false
		}
		if ep.Disabled() {
			a.Error = switchboard.EndpointDisabledError
			return a, false
		}
	}
	d.URL = app.CallbackURL
	keys, err := c.signingKeys(ctx, d.AppID)
	if err != nil {
		a.Error = err.Error()
		return a, false
	}
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, app.CallbackURL, strings.NewReader(d.Body))
	if err != nil {
		a.Error = "bad callback URL"
		return a, false
	}
	// The timestamp is the wall clock's: receivers compare it with theirs.
	req.Header = webhook.Headers(d.EventID, time.Now(), []byte(d.Body), keys...)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard-Callbacks/1")
	start := time.Now()
	resp, err := c.Client.Do(req)
	a.LatencyMs = time.Since(start).Milliseconds()
	if err != nil {
		a.Error = excerpt(err.Error(), 300)
		return a, true
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, switchboard.MaxResponseExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	a.Status = resp.StatusCode
	a.Response = excerpt(string(b), switchboard.MaxResponseExcerpt)
	if !a.Succeeded() {
		a.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return a, true
}

// signingKeys opens the app's signing secrets: the current one, then the
// one a rotation replaced while its grace period lasts (by the injectable
// clock, so tests can step past it).
func (c *Callbacks) signingKeys(ctx context.Context, appID string) ([][]byte, error) {
	if c.Sealer == nil {
		return nil, errors.New("callbacks cannot be signed here: no signing key configured")
	}
	secrets, err := c.Apps.AppSigningSecrets(ctx, appID)
	if err != nil {
		return nil, errors.New("the app's signing secret cannot be read")
	}
	if secrets.Current == "" {
		return nil, errors.New("the app has no signing secret: its developer must rotate one")
	}
	sealed := []string{secrets.Current}
	if secrets.Previous != "" && c.Now().Before(secrets.PreviousUntil) {
		sealed = append(sealed, secrets.Previous)
	}
	keys := make([][]byte, 0, len(sealed))
	for _, s := range sealed {
		secret, err := c.Sealer.Open(s, appID)
		if err != nil {
			return nil, errors.New("the app's signing secret cannot be opened")
		}
		key, err := webhook.Key(secret)
		if err != nil {
			return nil, errors.New("the app's signing secret is malformed")
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// excerpt cuts s to n bytes at a rune boundary, as valid UTF-8.
func excerpt(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// RetryDue sends the deliveries due now, a few at a time, each under a
// lease taken with a versioned write: a second run, or a crashed one's
// successor, never sends the same attempt concurrently. It returns how many
// attempts it made.
func (c *Callbacks) RetryDue(ctx context.Context) (int, error) {
	due, err := c.Deliveries.ListDueDeliveries(ctx, c.Now().UTC(), 50)
	if err != nil {
		return 0, err
	}
	var (
		mu    sync.Mutex
		sent  int
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, 8)
	)
	for _, d := range due {
		if tooLate(ctx) {
			break // the next run, a minute on, takes the rest
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			attempted, err := c.retry(ctx, d)
			mu.Lock()
			defer mu.Unlock()
			if attempted {
				sent++
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("delivery %s: %w", d.EventID, err))
			}
		})
	}
	wg.Wait()
	return sent, errors.Join(errs...)
}

func (c *Callbacks) retry(ctx context.Context, d switchboard.Delivery) (bool, error) {
	now := c.Now().UTC()
	lease := now.Add(Lease)
	d.NextAttemptAt = &lease
	claimed, err := c.Deliveries.SaveDelivery(ctx, d)
	if err != nil {
		return false, ignoreConflict(err) // another run has it
	}
	trigger := "retry"
	if claimed.AttemptCount == 0 {
		trigger = "first"
	}
	_, err = c.attemptAndSave(ctx, claimed, trigger)
	return true, err
}

// tooLate reports that the function's deadline leaves no room for one more
// attempt and its writes: better leave a delivery due than leased by a run
// that is killed mid-attempt.
func tooLate(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < AttemptTimeout+5*time.Second
}

// ignoreConflict drops EConflict: someone else changed the delivery first.
func ignoreConflict(err error) error {
	if switchboard.ErrorCode(err) == switchboard.EConflict {
		return nil
	}
	return err
}

// Redeliver posts one delivery again now, with the same event id and body,
// whatever its state; it leaves a pending delivery's schedule as it was.
func (c *Callbacks) Redeliver(ctx context.Context, d switchboard.Delivery) (switchboard.Delivery, error) {
	if err := c.requireEnabled(ctx, d.AppID); err != nil {
		return switchboard.Delivery{}, err
	}
	// Lease it first, so the retrier does not post it at the same moment.
	held := d
	if d.State == switchboard.DeliveryPending {
		lease := c.Now().UTC().Add(Lease)
		held.NextAttemptAt = &lease
	}
	held, err := c.Deliveries.SaveDelivery(ctx, held)
	if switchboard.ErrorCode(err) == switchboard.EConflict {
		return switchboard.Delivery{}, switchboard.Errorf(switchboard.EConflict, "The event is being delivered right now; try again in a minute.")
	}
	if err != nil {
		return switchboard.Delivery{}, err
	}
	if held.State == switchboard.DeliveryPending {
		held.NextAttemptAt = d.NextAttemptAt // the schedule resumes as before
	}
	return c.attemptAndSave(ctx, held, "redeliver")
}

// RedeliverFailed puts failed deliveries back on a fresh retry schedule,
// due now; the retrier sends them within a minute. It returns how many.
func (c *Callbacks) RedeliverFailed(ctx context.Context, ds []switchboard.Delivery) (int, error) {
	now := c.Now().UTC()
	n := 0
	checked := map[string]bool{}
	for _, d := range ds {
		if d.State != switchboard.DeliveryFailed {
			continue
		}
		if !checked[d.AppID] {
			if err := c.requireEnabled(ctx, d.AppID); err != nil {
				return n, err
			}
			checked[d.AppID] = true
		}
		d.State, d.NextAttemptAt, d.Failures = switchboard.DeliveryPending, &now, 0
		if _, err := c.Deliveries.SaveDelivery(ctx, d); err != nil {
			if switchboard.ErrorCode(err) == switchboard.EConflict {
				continue
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// NewHTTPClient is the callbacks' client: 15 s per attempt, redirects not
// followed (a 3xx is a failure, so a callback cannot be bounced elsewhere),
// and no connection to an address that is not global
// (switchboard.GlobalIP), checked on the resolved address so that DNS
// cannot point a public name at the inside. loopback (the local stack's
// and the tests' allowance, see platform.Config) admits loopback addresses
// too, and nothing else.
func NewHTTPClient(loopback bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	dialer.Control = func(_, address string, _ syscall.RawConn) error {
		return DialAllowed(address, loopback)
	}
	return &http.Client{
		Timeout: AttemptTimeout,
		Transport: &http.Transport{
			DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second,
			MaxIdleConns: 20, IdleConnTimeout: 30 * time.Second,
			Proxy: nil, // never through a proxy, which would dial on our behalf unchecked
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// DialAllowed is the connect-time check of a resolved "host:port".
func DialAllowed(address string, loopback bool) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("callback address %s is not an IP address", host)
	}
	if switchboard.GlobalIP(ip) || (loopback && ip.Unmap().IsLoopback()) {
		return nil
	}
	return fmt.Errorf("callback address %s is not public", host)
}

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/lifecycle"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// endpointSite is the admin site's origin the tests configure: the
// notices' links must come from it.
const endpointSite = "https://admin.switchboard.test"

// endpointRig is an app whose callback endpoint answers what status says,
// a retrier and a notice sender on a test clock.
type endpointRig struct {
	t       *testing.T
	env     *platform.Env
	store   *dynamo.Store
	app     registered
	appName string
	owner   signedIn
	clock   time.Time
	cb      *lifecycle.Callbacks
	notices *lifecycle.Notices

	mu     sync.Mutex
	status func(eventID string) int
	posts  []string // event ids posted, in order
}

func newEndpointRig(t *testing.T, disableAfter time.Duration) *endpointRig {
	t.Helper()
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = endpointSite
	r := &endpointRig{t: t, env: env, store: dynamo.New(env.DynamoDB(), env.Config.TableName), clock: time.Now().UTC(),
		status: func(string) int { return http.StatusOK }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ev struct{ ID string }
		_ = json.Unmarshal(body, &ev)
		r.mu.Lock()
		r.posts = append(r.posts, ev.ID)
		status := r.status(ev.ID)
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	r.owner = mustSignIn(t, env, "owner@demo.test")
	r.appName = fmt.Sprintf("Health POS %d", time.Now().UnixNano())
	r.app = mustRegisterApp(t, env, r.owner, posApp(map[string]any{"name": r.appName, "callbackUrl": srv.URL + "/hooks"}))
	now := func() time.Time { return r.clock }
	r.cb = &lifecycle.Callbacks{Apps: r.store, Deliveries: r.store, Sealer: api.SealerOf(env), Loopback: true,
		Client: lifecycle.NewHTTPClient(true), Now: now, Endpoints: r.store, DisableAfter: disableAfter}
	r.notices = &lifecycle.Notices{Endpoints: r.store, Apps: r.store, Users: r.store,
		Mailer: sesmail.New(env.SESv2(), env.Config.SenderAddress), SiteOrigin: env.Config.SiteOrigin, Now: now}
	return r
}

func (r *endpointRig) answer(f func(eventID string) int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = f
}

func (r *endpointRig) posted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.posts)
}

// event records a lifecycle event of the app at at with its delivery, due
// at once, as a change's transaction writes them.
func (r *endpointRig) event(at time.Time, state switchboard.DeliveryState) switchboard.Delivery {
	r.t.Helper()
	e := switchboard.AppEvent{ID: switchboard.NewEventID(at), AccountID: demo.Account.ID, Type: switchboard.EventBlocked,
		ConnectionID: "con-health", AppID: r.app.ClientID, LocationID: "loc-bastille", ActorType: switchboard.ActorUser, At: at}
	d, err := r.cb.Announcement(context.Background(), e)
	if err != nil || d == nil {
		r.t.Fatalf("announcement: %+v %v", d, err)
	}
	d.NextAttemptAt = &at
	if state != switchboard.DeliveryPending {
		d.State, d.NextAttemptAt = state, nil
	}
	mustDo(r.t, "delivery", r.store.CreateDelivery(context.Background(), *d))
	return *d
}

// retry runs the scheduled retrier once at the rig's clock, notices
// included, as RetryDeliveriesFunction does.
func (r *endpointRig) retry() {
	r.t.Helper()
	if _, err := api.RetryDeliveries(r.cb, r.notices, slog.New(slog.DiscardHandler))(context.Background(), events.CloudWatchEvent{}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *endpointRig) endpoint() switchboard.CallbackEndpoint {
	r.t.Helper()
	e, err := r.store.GetCallbackEndpoint(context.Background(), r.app.ClientID)
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

func (r *endpointRig) delivery(id string) switchboard.Delivery {
	r.t.Helper()
	d, err := r.store.GetDelivery(context.Background(), demo.Account.ID, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return d
}

// mails returns the messages the SES emulator accepted about this rig's
// app, to recipient.
func (r *endpointRig) mails(to string) []testenv.SentEmail {
	r.t.Helper()
	var out []testenv.SentEmail
	for _, m := range testenv.MustSentMail(r.t) {
		if strings.Contains(m.Subject, r.appName) && slices.Contains(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

func mailBody(m testenv.SentEmail) string { return m.Text + m.HTML }

// An endpoint every delivery to which fails is disabled once the
// configured period has passed since the first failure, not before; its
// developer's admins (not its members) are emailed once, with a link from
// the configuration; afterwards no attempt is made and new events are
// recorded failed with "endpoint disabled", redeliverable.
func TestCallbackEndpointDisabledAfterConfiguredPeriod(t *testing.T) {
	const period = 3 * 24 * time.Hour
	r := newEndpointRig(t, period)
	r.answer(func(string) int { return http.StatusServiceUnavailable })
	start := r.clock
	var disabledAt time.Time
	for step := 0; step < 4*24*2; step++ { // every 30 minutes for 4 days
		if step%24 == 0 { // a new event every 12 hours
			r.event(r.clock, switchboard.DeliveryPending)
		}
		r.retry()
		e := r.endpoint()
		if e.Disabled() {
			disabledAt = r.clock
			break
		}
		if r.clock.Sub(start) >= period+time.Hour {
			t.Fatalf("still active %s after the first failure: %+v", r.clock.Sub(start), e)
		}
		r.clock = r.clock.Add(30 * time.Minute)
	}
	if disabledAt.IsZero() {
		t.Fatal("never disabled")
	}
	if since := disabledAt.Sub(start); since < period {
		t.Fatalf("disabled %s after the first failure, before the %s configured", since, period)
	}
	e := r.endpoint()
	if e.DisabledAt == nil || !e.DisabledAt.Equal(disabledAt) || !strings.Contains(e.DisabledReason, "Every delivery failed since") || e.Notice != "" {
		t.Errorf("disabled endpoint %+v (its notice should be sent by the same run)", e)
	}
	h := e.Health(r.clock)
	if h.Last7d.Attempts == 0 || h.Last7d.Failed != h.Last7d.Attempts || h.Last7d.Rate != 1 {
		t.Errorf("7-day failure rate %+v, want every attempt failed", h.Last7d)
	}

	// The developer's admins got one email each; the member none.
	for _, to := range []string{"owner@demo.test", "admin@demo.test"} {
		got := r.mails(to)
		if len(got) != 1 || !strings.Contains(got[0].Subject, "disabled") || !strings.Contains(mailBody(got[0]), endpointSite+"/#/developer") {
			t.Fatalf("emails to %s: %+v", to, got)
		}
	}
	if got := r.mails("member@demo.test"); len(got) != 0 {
		t.Errorf("a member was emailed: %+v", got)
	}

	// No attempt while disabled: a new event fails at once, kept.
	before := len(r.posted())
	late := r.event(r.clock, switchboard.DeliveryPending)
	for range 6 {
		r.clock = r.clock.Add(time.Hour)
		r.retry()
	}
	if n := len(r.posted()); n != before {
		t.Fatalf("%d posts while disabled", n-before)
	}
	d := r.delivery(late.EventID)
	if d.State != switchboard.DeliveryFailed || d.NextAttemptAt != nil || len(d.Attempts) != 1 || d.Attempts[0].Error != switchboard.EndpointDisabledError {
		t.Errorf("event while disabled: %+v", d)
	}
	// A manual redelivery is refused until the endpoint is enabled.
	if _, err := r.cb.Redeliver(context.Background(), d); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Errorf("redelivery while disabled: %v", err)
	}
	if got := r.mails("owner@demo.test"); len(got) != 1 {
		t.Errorf("%d emails after more runs, want still 1", len(got))
	}
}

// An answer 410 Gone disables the endpoint at the first attempt: no retry.
func TestCallbackEndpointGoneDisablesAtOnce(t *testing.T) {
	r := newEndpointRig(t, 0)
	r.answer(func(string) int { return http.StatusGone })
	d := r.event(r.clock, switchboard.DeliveryPending)
	r.retry()
	e := r.endpoint()
	if !e.Disabled() || !strings.Contains(e.DisabledReason, "410") {
		t.Fatalf("after a 410: %+v", e)
	}
	// The event is failed at once, not left for a retry.
	if got := r.delivery(d.EventID); got.State != switchboard.DeliveryFailed || got.NextAttemptAt != nil || got.Attempts[0].Status != http.StatusGone {
		t.Fatalf("delivery answered 410: %+v", got)
	}
	for range 5 {
		r.clock = r.clock.Add(10 * time.Minute)
		r.retry()
	}
	if n := len(r.posted()); n != 1 {
		t.Errorf("%d posts, want only the one answered 410", n)
	}
	if got := r.delivery(d.EventID); got.State != switchboard.DeliveryFailed || got.AttemptCount != 1 {
		t.Errorf("delivery after the 410: %+v", got)
	}
	if got := r.mails("owner@demo.test"); len(got) != 1 || !strings.Contains(mailBody(got[0]), "410 Gone") {
		t.Errorf("emails: %+v", got)
	}
}

// The first failure after a day of successes is mailed; a failure after a
// shorter healthy run, or the next failures of the same run, is not.
func TestCallbackEndpointFailingNoticeAfterHealthyDay(t *testing.T) {
	r := newEndpointRig(t, 0)
	r.event(r.clock, switchboard.DeliveryPending)
	r.retry() // healthy from here
	r.answer(func(string) int { return http.StatusInternalServerError })
	r.clock = r.clock.Add(2 * time.Hour)
	r.event(r.clock, switchboard.DeliveryPending)
	r.retry() // fails after 2 h of success: no email
	if got := r.mails("owner@demo.test"); len(got) != 0 {
		t.Fatalf("emailed after a 2-hour healthy run: %+v", got)
	}
	r.answer(func(string) int { return http.StatusOK })
	r.clock = r.clock.Add(2 * time.Minute)
	r.retry() // the retry succeeds: healthy again from here
	r.clock = r.clock.Add(25 * time.Hour)
	r.event(r.clock, switchboard.DeliveryPending)
	r.retry() // still healthy
	r.answer(func(string) int { return http.StatusInternalServerError })
	r.clock = r.clock.Add(time.Hour)
	r.event(r.clock, switchboard.DeliveryPending)
	r.retry() // first failure after 26 h of success
	r.clock = r.clock.Add(10 * time.Minute)
	r.retry() // a second failure of the same run
	got := r.mails("owner@demo.test")
	if len(got) != 1 || !strings.Contains(got[0].Subject, "failing") || !strings.Contains(mailBody(got[0]), endpointSite+"/#/developer") {
		t.Fatalf("emails: %+v", got)
	}
	if e := r.endpoint(); e.Disabled() || e.Notice != "" {
		t.Errorf("endpoint %+v", e)
	}
}

// Enabling with "since T" queues exactly the app's failed events created at
// or after T: not those before T, not the succeeded ones, not another
// app's; the retrier then sends those and only those.
func TestEnableCallbackEndpointRedeliversExactlyFailedSince(t *testing.T) {
	r := newEndpointRig(t, 0)
	other := newEndpointRigOn(t, r)
	T := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	r.clock = T.Add(-time.Hour)
	before := r.event(T.Add(-time.Minute), switchboard.DeliveryFailed)
	ok := r.event(T.Add(time.Minute), switchboard.DeliveryFailed)
	ok.State = switchboard.DeliverySucceeded
	ok.Version = 1
	if _, err := r.store.SaveDelivery(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	atT := r.event(T, switchboard.DeliveryFailed)
	after := r.event(T.Add(2*time.Minute), switchboard.DeliveryFailed)
	foreign := other.event(T.Add(3*time.Minute), switchboard.DeliveryFailed)
	// A 410 disables the endpoint; its event fails at the next run.
	r.answer(func(string) int { return http.StatusGone })
	r.clock = T.Add(4 * time.Minute)
	gone := r.event(r.clock, switchboard.DeliveryPending)
	r.retry()
	if !r.endpoint().Disabled() || r.delivery(gone.EventID).State != switchboard.DeliveryFailed {
		t.Fatalf("setup: endpoint %+v, delivery %+v", r.endpoint(), r.delivery(gone.EventID))
	}

	path := "/admin/v1/developer/apps/" + r.app.ClientID + "/callback-endpoint/enable"
	params := map[string]string{"appId": r.app.ClientID}
	// A member may not; B's admin does not find the app; bad times are 400.
	member := mustSignIn(t, r.env, "member@demo.test")
	mustStatus(t, "member enables", member.call(t, api.EnableCallbackEndpointFunction(r.env), http.MethodPost, path, params, nil), http.StatusForbidden)
	otherAdmin := mustOtherAccountAdmin(t, r.env)
	mustStatus(t, "another account enables", otherAdmin.call(t, api.EnableCallbackEndpointFunction(r.env), http.MethodPost, path, params, nil), http.StatusNotFound)
	for _, bad := range []string{"yesterday", time.Now().Add(time.Hour).Format(time.RFC3339)} {
		resp := r.owner.call(t, api.EnableCallbackEndpointFunction(r.env), http.MethodPost, path, params, map[string]string{"redeliverSince": bad})
		mustStatus(t, "since "+bad, resp, http.StatusBadRequest)
	}
	if !r.endpoint().Disabled() {
		t.Fatal("refused enables enabled it")
	}

	resp := r.owner.call(t, api.EnableCallbackEndpointFunction(r.env), http.MethodPost, path, params, map[string]string{"redeliverSince": T.Format(time.RFC3339)})
	mustStatus(t, "enable", resp, http.StatusOK)
	out := mustDecode[struct {
		CallbackEndpoint switchboard.EndpointHealth
		Queued           int
	}](t, resp)
	if out.CallbackEndpoint.State != switchboard.EndpointActive || out.Queued != 3 {
		t.Fatalf("enable answered %s, want active and 3 queued", resp.Body)
	}
	r.answer(func(string) int { return http.StatusOK })
	postsBefore := len(r.posted())
	r.clock = time.Now().UTC().Add(time.Second)
	r.retry()
	got := r.posted()[postsBefore:]
	want := []string{atT.EventID, after.EventID, gone.EventID}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("redelivered %v, want exactly %v", got, want)
	}
	for id, state := range map[string]switchboard.DeliveryState{before.EventID: switchboard.DeliveryFailed, ok.EventID: switchboard.DeliverySucceeded,
		atT.EventID: switchboard.DeliverySucceeded, after.EventID: switchboard.DeliverySucceeded, gone.EventID: switchboard.DeliverySucceeded} {
		if d := r.delivery(id); d.State != state {
			t.Errorf("delivery %s is %s, want %s", id, d.State, state)
		}
	}
	if d := other.delivery(foreign.EventID); d.State != switchboard.DeliveryFailed || d.AttemptCount != 0 {
		t.Errorf("another app's failed event was touched: %+v", d)
	}
	if e := r.endpoint(); e.Disabled() || e.EnabledAt == nil || e.LastSuccessAt == nil {
		t.Errorf("endpoint after the enable: %+v", e)
	}
}

// newEndpointRigOn is a second app of the same account and table.
func newEndpointRigOn(t *testing.T, r *endpointRig) *endpointRig {
	o := &endpointRig{t: t, env: r.env, store: r.store, owner: r.owner, clock: r.clock, status: func(string) int { return http.StatusOK }}
	o.appName = r.appName + " bis"
	o.app = mustRegisterApp(t, r.env, r.owner, posApp(map[string]any{"name": o.appName, "callbackUrl": "http://127.0.0.1:9/hooks"}))
	o.cb, o.notices = r.cb, r.notices
	return o
}

// Concurrent outcomes of one endpoint are all counted: the versioned
// read-modify-write retries a conflict from a fresh read, so two retriers
// racing lose nothing and count nothing twice.
func TestCallbackEndpointCountsExactUnderConcurrency(t *testing.T) {
	r := newEndpointRig(t, 0)
	r.answer(func(id string) int {
		if id[len(id)-1]%2 == 0 {
			return http.StatusOK
		}
		return http.StatusInternalServerError
	})
	const n = 40
	for range n {
		r.event(r.clock, switchboard.DeliveryPending)
	}
	var wg sync.WaitGroup
	for range 3 { // three retriers at once; the deliveries' leases share them out
		wg.Go(func() {
			if _, err := r.cb.RetryDue(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	posts := r.posted()
	if len(posts) != n {
		t.Fatalf("%d posts, want %d", len(posts), n)
	}
	failed := 0
	for _, id := range posts {
		if id[len(id)-1]%2 != 0 {
			failed++
		}
	}
	h := r.endpoint().Health(r.clock)
	if h.Last24h.Attempts != n || h.Last24h.Failed != failed || h.Last7d.Attempts != n {
		t.Errorf("counts %+v / %+v, want %d attempts, %d failed", h.Last24h, h.Last7d, n, failed)
	}
}

// The developer's app answers carry the endpoint's state and failure
// rates; the merchant's catalog answer carries its state only.
func TestEndpointStateShownToDeveloperAndMerchant(t *testing.T) {
	r := newEndpointRig(t, 0)
	mustApprove(t, r.env, r.app.ClientID) // the catalog shows listed apps only
	r.answer(func(string) int { return http.StatusGone })
	r.clock = time.Now().UTC()
	r.event(r.clock, switchboard.DeliveryPending)
	r.retry()
	params := map[string]string{"appId": r.app.ClientID}

	resp := r.owner.call(t, api.GetDeveloperAppFunction(r.env), http.MethodGet, "/admin/v1/developer/apps/"+r.app.ClientID, params, nil)
	mustStatus(t, "developer app", resp, http.StatusOK)
	dev := mustDecode[struct{ CallbackEndpoint map[string]any }](t, resp).CallbackEndpoint
	if dev["state"] != "disabled" || dev["disabledReason"] == nil || dev["last24h"].(map[string]any)["failed"] != 1.0 {
		t.Errorf("developer view %v", dev)
	}
	resp = r.owner.call(t, api.ListDeveloperAppsFunction(r.env), http.MethodGet, "/admin/v1/developer/apps", nil, nil)
	mustStatus(t, "developer apps", resp, http.StatusOK)
	found := false
	for _, a := range mustDecode[struct {
		Apps []struct {
			ID               string
			CallbackEndpoint switchboard.EndpointHealth
		}
	}](t, resp).Apps {
		if a.ID == r.app.ClientID {
			found = a.CallbackEndpoint.State == switchboard.EndpointDisabled && a.CallbackEndpoint.Last7d.Rate == 1
		}
	}
	if !found {
		t.Errorf("the list does not show the app disabled: %s", resp.Body)
	}

	member := mustSignIn(t, r.env, "member@demo.test")
	resp = member.call(t, api.GetAppFunction(r.env), http.MethodGet, "/admin/v1/apps/"+r.app.ClientID, params, nil)
	mustStatus(t, "catalog app", resp, http.StatusOK)
	merchant := mustDecode[struct{ CallbackEndpoint map[string]any }](t, resp).CallbackEndpoint
	if len(merchant) != 1 || merchant["state"] != "disabled" {
		t.Errorf("merchant view %v, want the state only", merchant)
	}
}

// FuzzEnableCallbackEndpoint sends arbitrary bodies to the enable route:
// the answer is JSON with a 2xx or 4xx.
func FuzzEnableCallbackEndpoint(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"redeliverSince":"2026-01-01T00:00:00Z"}`, `{"redeliverSince":"3000-01-01T00:00:00Z"}`,
		`{"redeliverSince":1}`, `{"redeliverSince":"x"}`, `[]`, `{"other":true}`, `{"redeliverSince":"0001-01-01T00:00:00Z"}`} {
		f.Add(s)
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	app := mustRegisterApp(f, env, owner, posApp(nil))
	h := api.EnableCallbackEndpointFunction(env)
	f.Fuzz(func(t *testing.T, body string) {
		req := owner.get("/admin/v1/developer/apps/" + app.ClientID + "/callback-endpoint/enable")
		req.RequestContext.HTTP.Method = http.MethodPost
		req.PathParameters = map[string]string{"appId": app.ClientID}
		req.Headers = map[string]string{"x-csrf-token": owner.csrf, "content-type": "application/json"}
		req.Body = body
		fuzzSend(t, h, "/admin/v1/developer/apps/{appId}/callback-endpoint/enable", req)
	})
}

// A notice SES cannot take stays owed, leased away from other runs for a
// while, then goes out once to each admin and is cleared.
func TestEndpointNoticeSurvivesSESOutage(t *testing.T) {
	r := newEndpointRig(t, 0)
	working := r.notices.Mailer
	faulty := *r.env
	faulty.AWS = faults.Apply(r.env.AWS, faults.New(11, map[faults.Service]faults.Rates{faults.SES: {faults.ServerError: 1}}))
	r.notices.Mailer = sesmail.New(faulty.SESv2(), r.env.Config.SenderAddress)
	r.answer(func(string) int { return http.StatusGone })
	r.event(r.clock, switchboard.DeliveryPending)
	if _, err := r.cb.RetryDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, err := r.notices.Send(context.Background()); err == nil || n != 0 {
		t.Fatalf("send while SES fails: %d %v", n, err)
	}
	if e := r.endpoint(); e.Notice != switchboard.NoticeDisabled {
		t.Fatalf("the notice was dropped: %+v", e)
	}
	r.notices.Mailer = working
	r.clock = r.clock.Add(time.Minute)
	if n, err := r.notices.Send(context.Background()); err != nil || n != 0 {
		t.Fatalf("a leased notice was sent by another run: %d %v", n, err)
	}
	r.clock = r.clock.Add(5 * time.Minute)
	if n, err := r.notices.Send(context.Background()); err != nil || n != 2 {
		t.Fatalf("after the lease: %d %v, want the two admins", n, err)
	}
	if n, err := r.notices.Send(context.Background()); err != nil || n != 0 {
		t.Fatalf("sent again: %d %v", n, err)
	}
	for _, to := range []string{"owner@demo.test", "admin@demo.test"} {
		if got := r.mails(to); len(got) != 1 {
			t.Errorf("%d emails to %s, want 1", len(got), to)
		}
	}
	if e := r.endpoint(); e.Notice != "" {
		t.Errorf("notice not cleared: %+v", e)
	}
}

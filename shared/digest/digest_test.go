package digest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/infra/provision"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/digest"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// fixture is one account with users and a team, on a fresh table. Every
// address carries a random tag: the SES emulator's store is shared by the
// package's tests.
type fixture struct {
	env     *platform.Env
	store   *dynamo.Store
	account switchboard.Account
	tag     string
}

func (f fixture) email(name string) string { return name + "+" + f.tag + "@pizzeria.test" }

func mustFixture(t *testing.T, zone string) fixture {
	t.Helper()
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = "https://admin.switchboard.test"
	var b [4]byte
	_, _ = rand.Read(b[:])
	f := fixture{env: env, store: dynamo.New(env.DynamoDB(), env.Config.TableName), tag: hex.EncodeToString(b[:])}
	ctx := context.Background()
	f.account = switchboard.Account{ID: "acc-" + f.tag, Name: "Pizza <Roma> & Co", TimeZone: zone}
	if err := f.store.CreateAccount(ctx, f.account, []switchboard.Location{{ID: "loc-1", AccountID: f.account.ID, Name: "Roma Centro"}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		id     string
		role   switchboard.Role
		active bool
	}{{"owner", switchboard.RoleSuperAdmin, true}, {"admin", switchboard.RoleAdmin, true}, {"member", switchboard.RoleMember, true},
		{"cook", switchboard.RoleMember, true}, {"gone", switchboard.RoleSuperAdmin, false}} {
		user := switchboard.User{ID: "usr-" + u.id, AccountID: f.account.ID, Email: f.email(u.id), Name: strings.ToUpper(u.id[:1]) + u.id[1:], Role: u.role, Active: u.active}
		if err := f.store.CreateUser(ctx, user, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.CreateTeam(ctx, switchboard.Team{ID: "team-kitchen", AccountID: f.account.ID, Name: "Kitchen", MemberIDs: []string{"usr-cook", "usr-member", "usr-admin", "usr-gone"}}); err != nil {
		t.Fatal(err)
	}
	for _, app := range []string{"app-pos", "app-drop"} {
		if err := f.store.RegisterApp(ctx, switchboard.DeveloperApp{App: switchboard.App{ID: app, Name: app, Category: "pos", Level: switchboard.LevelAccount,
			Scopes: []string{"orders.read"}, Developer: "Dev"}, OwnerAccountID: f.account.ID, Published: true, RedirectURIs: []string{"https://x.test/cb"}}, "hash", ""); err != nil {
			t.Fatal(err)
		}
		// Rules name catalog apps: listed once an operator approved them.
		if err := f.store.ReviewListing(ctx, app, switchboard.ListingReview{Approve: true}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// ruleEpoch is when fixture rules are created unless a test says
// otherwise: before every period the tests send, since a rule promises
// nothing for periods that closed before it existed.
var ruleEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (f fixture) mustRule(t *testing.T, r switchboard.NotificationRule) switchboard.NotificationRule {
	t.Helper()
	r.AccountID = f.account.ID
	if r.CreatedAt.IsZero() {
		r.CreatedAt = ruleEpoch
	}
	saved, err := f.store.CreateRule(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

var appNames = map[string]string{"app-pos": "OrderLine <POS>", "app-drop": "SpeedyDrop"}

func (f fixture) mustEvent(t *testing.T, id string, typ switchboard.AppEventType, app, at string) {
	t.Helper()
	f.mustEventWithReason(t, id, typ, app, at, "because <script>")
}

// mustEventWithReason records an event whose reason the digest shows: tests
// that check which events a digest holds give each its id as reason.
func (f fixture) mustEventWithReason(t *testing.T, id string, typ switchboard.AppEventType, app, at, reason string) {
	t.Helper()
	when, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		t.Fatal(err)
	}
	c := &switchboard.Connection{ID: "conn-" + app, AccountID: f.account.ID, AppID: app, AppName: appNames[app], LocationID: "loc-1"}
	e := switchboard.AppEvent{ID: id, AccountID: f.account.ID, Type: typ, ConnectionID: c.ID, AppID: app, LocationID: "loc-1",
		ActorType: switchboard.ActorUser, ActorUserID: "usr-admin", At: when, After: c, Reason: reason}
	if err := f.store.RecordEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) sender(m switchboard.Mailer) *digest.Sender {
	s := digest.NewSender(f.env)
	s.Backoff = []time.Duration{time.Millisecond, time.Millisecond}
	if m != nil {
		s.Mailer = m
	}
	return s
}

func (f fixture) realMailer() switchboard.Mailer {
	return sesmail.New(f.env.SESv2(), f.env.Config.SenderAddress)
}

// sentMail returns the messages the backend's SES accepted for the
// fixture's addresses, by recipient name ("admin").
func (f fixture) sentMail(t *testing.T) map[string][]testenv.SentEmail {
	t.Helper()
	out := map[string][]testenv.SentEmail{}
	for _, e := range testenv.MustSentMail(t) {
		for _, to := range e.To {
			if name, ok := strings.CutSuffix(to, "+"+f.tag+"@pizzeria.test"); ok {
				out[name] = append(out[name], e)
			}
		}
	}
	return out
}

// counts is "admin:1 cook:1" for the recipients that got mail.
func counts(mail map[string][]testenv.SentEmail) string {
	var parts []string
	for name, list := range mail {
		parts = append(parts, name+":"+string(rune('0'+len(list))))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func mustRun(t *testing.T, s *digest.Sender, f switchboard.Frequency, at string) digest.Report {
	t.Helper()
	rep, err := s.Run(context.Background(), f, mustTime(t, at))
	if err != nil {
		t.Fatalf("run at %s: %v", at, err)
	}
	return rep
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestHourlyDigestOncePerRecipient(t *testing.T) {
	f := mustFixture(t, "UTC")
	// The hourly rules exist from 10:00: the first run (no mark yet) looks
	// back DigestCatchUp, but the hours before a rule are not its own.
	created := mustTime(t, "2026-11-24T10:00:00Z")
	installs := f.mustRule(t, switchboard.NotificationRule{ID: "rule-installs", Name: "Installs <b>now</b>", Type: switchboard.RuleInstall,
		Frequency: switchboard.Hourly, AllApps: true, CreatedAt: created,
		Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSpecific, UserIDs: []string{"usr-admin"}, TeamIDs: []string{"team-kitchen"}}})
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-errors", Name: "POS errors", Type: switchboard.RuleErrors, CreatedAt: created,
		Frequency: switchboard.Hourly, AppIDs: []string{"app-pos"}, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}})
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-daily", Name: "Daily installs", Type: switchboard.RuleInstall,
		Frequency: switchboard.Daily, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsEveryone}})

	f.mustEvent(t, "ev-before", switchboard.EventInstalled, "app-pos", "2026-11-24T09:59:59.999999999Z")
	f.mustEvent(t, "ev-boundary", switchboard.EventInstalled, "app-pos", "2026-11-24T10:00:00Z")
	f.mustEvent(t, "ev-reinstall", switchboard.EventReinstalled, "app-drop", "2026-11-24T10:30:00Z")
	f.mustEvent(t, "ev-blocked", switchboard.EventBlocked, "app-pos", "2026-11-24T10:40:00Z")
	f.mustEvent(t, "ev-drop-error", switchboard.EventErroring, "app-drop", "2026-11-24T10:50:00Z") // not one of rule-errors' apps
	f.mustEvent(t, "ev-next", switchboard.EventInstalled, "app-drop", "2026-11-24T11:00:00Z")

	s := f.sender(nil)
	rep := mustRun(t, s, switchboard.Hourly, "2026-11-24T11:05:00Z")
	if rep.Rules < 2 || rep.Sent != 3 || rep.Events != 2 || rep.Failed != 0 {
		t.Errorf("report %+v", rep)
	}
	mail := f.sentMail(t)
	if got := counts(mail); got != "admin:1 cook:1 member:1" {
		t.Fatalf("mail sent: %s", got)
	}
	m := mail["cook"][0]
	if m.From != f.env.Config.SenderAddress || !strings.HasPrefix(m.Subject, "Installs <b>now</b>: 2 events, Tue 24 Nov 2026, 10:00–11:00 UTC") {
		t.Errorf("from %q subject %q", m.From, m.Subject)
	}
	ruleURL := "https://admin.switchboard.test/#/notifications/" + installs.ID
	for _, want := range []string{"Installs &lt;b&gt;now&lt;/b&gt;", "OrderLine &lt;POS&gt;", "SpeedyDrop", "Installed", "Reinstalled", "Tue 24 Nov 10:00 UTC",
		"Tue 24 Nov 10:30 UTC", "Roma Centro", "by Admin", "because &lt;script&gt;", "Pizza &lt;Roma&gt; &amp; Co",
		`href="https://admin.switchboard.test/#/connections/conn-app-pos/logs"`, `href="` + ruleURL + `"`, "a team you belong to"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	for _, bad := range []string{"<b>now", "<script>", "<POS>", "Blocked", "10:40", "09:59", "11:00 UTC ·"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML holds %q:\n%s", bad, m.HTML)
		}
	}
	for _, want := range []string{"Installs <b>now</b>", "OrderLine <POS>", "- Installed · Tue 24 Nov 10:00 UTC · Roma Centro · by Admin", ruleURL} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Index(m.Text, "OrderLine") > strings.Index(m.Text, "SpeedyDrop") {
		t.Errorf("apps are not grouped by name:\n%s", m.Text)
	}
	if len(m.Headers) != 1 || m.Headers[0].Name != "List-Unsubscribe" || m.Headers[0].Value != "<"+ruleURL+">" {
		t.Errorf("headers %+v", m.Headers)
	}

	// A rerun of the same scheduled time starts at the account's mark,
	// past the settled hour, and sends nothing more.
	rep = mustRun(t, s, switchboard.Hourly, "2026-11-24T11:05:00Z")
	if rep.Sent != 0 || rep.Periods != 0 || rep.Due != 0 {
		t.Errorf("rerun report %+v", rep)
	}
	if got := counts(f.sentMail(t)); got != "admin:1 cook:1 member:1" {
		t.Errorf("after the rerun: %s", got)
	}

	// The next hour holds only the event at its start.
	mustRun(t, s, switchboard.Hourly, "2026-11-24T12:05:00Z")
	mail = f.sentMail(t)
	if got := counts(mail); got != "admin:2 cook:2 member:2" {
		t.Fatalf("after the next hour: %s", got)
	}
	next := mail["admin"][1]
	if !strings.Contains(next.Subject, "1 event, Tue 24 Nov 2026, 11:00–12:00 UTC") || strings.Contains(next.Text, "10:00 UTC") ||
		!strings.Contains(next.Text, "Tue 24 Nov 11:00 UTC") {
		t.Errorf("next hour's digest: %s\n%s", next.Subject, next.Text)
	}

	// An empty hour sends nothing.
	if rep := mustRun(t, s, switchboard.Hourly, "2026-11-24T13:05:00Z"); rep.Sent != 0 || rep.Events != 0 || rep.Due != 2 {
		t.Errorf("empty hour report %+v", rep)
	}
	if got := counts(f.sentMail(t)); got != "admin:2 cook:2 member:2" {
		t.Errorf("after an empty hour: %s", got)
	}
}

// TestDailyDigestInAccountZone: a Tokyo account's day closes at 15:00 UTC;
// the run of that hour (at 15:05, past the grace), through the Lambda
// runtime's JSON path, sends it, and the runs before and after do not.
func TestDailyDigestInAccountZone(t *testing.T) {
	f := mustFixture(t, "Asia/Tokyo")
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-day", Name: "Uninstalls", Type: switchboard.RuleUninstall,
		Frequency: switchboard.Daily, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins},
		// Created as the 24th begins in Tokyo: the 23rd, which closed
		// within the catch-up, is not the rule's.
		CreatedAt: mustTime(t, "2026-11-23T15:00:00Z")})
	f.mustEvent(t, "ev-first", switchboard.EventUninstalled, "app-pos", "2026-11-23T15:00:00Z") // 00:00 on the 24th in Tokyo
	f.mustEvent(t, "ev-last", switchboard.EventUninstalled, "app-drop", "2026-11-24T14:59:59Z") // 23:59:59
	f.mustEvent(t, "ev-next", switchboard.EventUninstalled, "app-drop", "2026-11-24T15:00:00Z") // the 25th
	f.mustEvent(t, "ev-prev", switchboard.EventUninstalled, "app-drop", "2026-11-23T14:59:59Z") // the 23rd
	handler := lambda.NewHandler(digest.SendDailyDigestsFunction(f.env))
	invoke := func(at string) {
		t.Helper()
		payload := `{"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"` + at + `","region":"eu-west-1","resources":[],"detail":{}}`
		out, err := handler.Invoke(context.Background(), []byte(payload))
		// The answer is the run's report, as for every scheduled function.
		if err != nil || !strings.HasPrefix(string(out), `{"Rules":`) {
			t.Fatalf("invoke at %s: %s %v", at, out, err)
		}
	}
	invoke("2026-11-24T14:05:00Z")
	if got := counts(f.sentMail(t)); got != "" {
		t.Fatalf("before Tokyo midnight: %s", got)
	}
	invoke("2026-11-24T15:05:00Z")
	invoke("2026-11-24T16:05:00Z")
	mail := f.sentMail(t)
	if got := counts(mail); got != "owner:1" {
		t.Fatalf("after Tokyo midnight: %s", got)
	}
	m := mail["owner"][0]
	if !strings.Contains(m.Subject, "2 events, Tuesday 24 November 2026") || !strings.Contains(m.Text, "Tue 24 Nov 00:00 JST") ||
		!strings.Contains(m.Text, "Tue 24 Nov 23:59 JST") || strings.Contains(m.Text, "Wed 25") || strings.Contains(m.Text, "Mon 23") {
		t.Errorf("digest: %s\n%s", m.Subject, m.Text)
	}
}

// crashingMailer stands for a function instance that dies: after `after`
// emails it cancels the run, either before calling SES or just after SES
// accepted the email (before the record is marked sent).
type crashingMailer struct {
	next      switchboard.Mailer
	after     int
	afterSend bool
	cancel    context.CancelFunc
	mu        sync.Mutex
	n         int
}

func (m *crashingMailer) SendEmail(ctx context.Context, e switchboard.Email) error {
	m.mu.Lock()
	m.n++
	n := m.n
	m.mu.Unlock()
	if n <= m.after {
		return m.next.SendEmail(ctx, e)
	}
	if m.afterSend {
		if err := m.next.SendEmail(ctx, e); err != nil {
			return err
		}
	}
	m.cancel()
	return switchboard.Errorf(switchboard.EUnavailable, "the instance died")
}

func TestDigestResumesAfterCrash(t *testing.T) {
	for _, tt := range []struct {
		name      string
		afterSend bool
		want      string
	}{
		// Dying before SES took the third email: the rerun sends it and
		// the others, and everyone has exactly one.
		{"crash before the send", false, "admin:1 cook:1 member:1 owner:1"},
		// Dying after SES took it but before the mark: SES has no
		// idempotency key, so the rerun cannot know and sends it again.
		// This is the one at-least-once window, one API call wide.
		{"crash between the send and the mark", true, "admin:1 cook:1 member:2 owner:1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := mustFixture(t, "UTC")
			f.mustRule(t, switchboard.NotificationRule{ID: "rule-all", Name: "Everything installed", Type: switchboard.RuleInstall,
				Frequency: switchboard.Hourly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsEveryone}})
			f.mustEvent(t, "ev-1", switchboard.EventInstalled, "app-pos", "2026-11-24T10:15:00Z")
			ctx, cancel := context.WithCancel(context.Background())
			crash := &crashingMailer{next: f.realMailer(), after: 2, afterSend: tt.afterSend, cancel: cancel}
			s := f.sender(crash)
			now := mustTime(t, "2026-11-24T11:05:05Z")
			s.Now = func() time.Time { return now }
			if _, err := s.Run(ctx, switchboard.Hourly, mustTime(t, "2026-11-24T11:05:00Z")); err == nil {
				t.Fatal("the crashed run reported success")
			}
			if got := counts(f.sentMail(t)); got != "admin:1 cook:1"+map[bool]string{true: " member:1", false: ""}[tt.afterSend] {
				t.Fatalf("before the rerun: %s", got)
			}
			// Recipients are sent in id order: admin, cook, member, owner.
			d, err := f.store.GetDigestDelivery(context.Background(), f.account.ID, "rule-all", "2026-11-24T10:00:00Z", "usr-member")
			if err != nil || d.State != switchboard.DigestPending {
				t.Fatalf("member's record: %+v %v", d, err)
			}

			// A rerun within the lease leaves the pending email to its run,
			// sends the one never claimed, and asks for a retry.
			s = f.sender(nil)
			s.Now = func() time.Time { return now.Add(10 * time.Second) }
			rep, err := s.Run(context.Background(), switchboard.Hourly, mustTime(t, "2026-11-24T11:05:00Z"))
			if err == nil || rep.Sent != 1 || rep.Skipped != 2 || rep.Leased != 1 {
				t.Errorf("rerun within the lease: %+v %v", rep, err)
			}
			// Once the lease has run out, the rerun takes it over.
			s.Now = func() time.Time { return now.Add(2 * time.Minute) }
			rep = mustRun(t, s, switchboard.Hourly, "2026-11-24T11:05:00Z")
			if rep.Sent != 1 || rep.Skipped != 3 {
				t.Errorf("rerun after the lease: %+v", rep)
			}
			if got := counts(f.sentMail(t)); got != tt.want {
				t.Errorf("in the end: %s, want %s", got, tt.want)
			}
			d, err = f.store.GetDigestDelivery(context.Background(), f.account.ID, "rule-all", "2026-11-24T10:00:00Z", "usr-member")
			if err != nil || d.State != switchboard.DigestSent || d.Attempts != 2 || rep.Leased != 0 {
				t.Errorf("member's record at the end: %+v %v", d, err)
			}
		})
	}
}

// flakyMailer refuses one address for good, throttles another once, and
// passes everything else to SES; when down, SES is unavailable for all.
type flakyMailer struct {
	next               switchboard.Mailer
	refuse, throttleOn string
	down               bool
	mu                 sync.Mutex
	throttled          int
}

func (m *flakyMailer) SendEmail(ctx context.Context, e switchboard.Email) error {
	if m.down {
		return switchboard.Errorf(switchboard.EUnavailable, "ServiceUnavailable")
	}
	switch e.To {
	case m.refuse:
		return errors.Join(switchboard.Errorf(switchboard.EInvalid, "The email was refused by the mail service."), errors.New("MessageRejected: Illegal address"))
	case m.throttleOn:
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.throttled == 0 {
			m.throttled++
			return switchboard.Errorf(switchboard.EUnavailable, "TooManyRequestsException")
		}
	}
	return m.next.SendEmail(ctx, e)
}

func TestDigestPermanentFailureDoesNotStopOthers(t *testing.T) {
	f := mustFixture(t, "UTC")
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-all", Name: "Disconnections", Type: switchboard.RuleDisconnect,
		Frequency: switchboard.Weekly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsEveryone}})
	f.mustEvent(t, "ev-1", switchboard.EventBlocked, "app-drop", "2026-11-18T08:00:00Z")
	flaky := &flakyMailer{next: f.realMailer(), refuse: f.email("admin"), throttleOn: f.email("member")}
	s := f.sender(flaky)
	rep := mustRun(t, s, switchboard.Weekly, "2026-11-23T00:05:00Z")
	if rep.Sent != 3 || rep.Failed != 1 || flaky.throttled != 1 {
		t.Errorf("report %+v, throttled %d", rep, flaky.throttled)
	}
	mail := f.sentMail(t)
	if got := counts(mail); got != "cook:1 member:1 owner:1" {
		t.Errorf("sent: %s", got)
	}
	if m := mail["owner"][0]; !strings.Contains(m.Subject, "the week of Monday 16 November 2026") {
		t.Errorf("subject %q", m.Subject)
	}
	d, err := f.store.GetDigestDelivery(context.Background(), f.account.ID, "rule-all", "2026-11-16T00:00:00Z", "usr-admin")
	if err != nil || d.State != switchboard.DigestFailed || !strings.Contains(d.Detail, "Illegal address") {
		t.Errorf("admin's record: %+v %v", d, err)
	}
	// The refusal is final: it settles the week, which a rerun does not
	// read again.
	if rep := mustRun(t, s, switchboard.Weekly, "2026-11-23T00:05:00Z"); rep.Sent != 0 || rep.Failed != 0 || rep.Periods != 0 {
		t.Errorf("rerun report %+v", rep)
	}
}

// TestUnverifiedSenderLeavesPeriodPending: SES (here moto, which checks the
// sender as SES does) refuses mail from an unverified identity. Nothing is
// wrong with the digest, so its period stays pending, an error-level line
// says what to do, and once the identity is verified the next run sends it.
func TestUnverifiedSenderLeavesPeriodPending(t *testing.T) {
	f := mustFixture(t, "UTC")
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-all", Name: "Installs", Type: switchboard.RuleInstall,
		Frequency: switchboard.Hourly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}})
	f.mustEvent(t, "ev-1", switchboard.EventInstalled, "app-pos", "2026-11-24T10:15:00Z")
	ses := sesv2.NewFromConfig(testenv.MustMotoConfig(t))
	from := "digests-" + f.tag + "@sender.test"
	var logs bytes.Buffer
	s := f.sender(sesmail.New(ses, from))
	s.Logger = platform.NewLogger(&logs, slog.LevelInfo)

	rep, err := runAtClock(t, s, switchboard.Hourly, "2026-11-24T11:05:00Z")
	if err == nil || rep.Sent != 0 || rep.Failed != 0 || rep.Transient != 1 {
		t.Fatalf("run with an unverified sender: %+v %v; want one email pending and an error asking for a retry", rep, err)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"digest not sent: SES refuses the sender`) {
		t.Errorf("no error-level line says why:\n%s", logs.String())
	}
	d, err := f.store.GetDigestDelivery(context.Background(), f.account.ID, "rule-all", "2026-11-24T10:00:00Z", "usr-owner")
	if err != nil || d.State != switchboard.DigestPending {
		t.Errorf("owner's record: %+v %v, want pending", d, err)
	}

	if err := provision.SenderIdentity(context.Background(), ses, from); err != nil {
		t.Fatal(err)
	}
	rep, err = runAtClock(t, s, switchboard.Hourly, "2026-11-24T12:05:00Z")
	if err != nil || rep.Sent != 1 || rep.Failed != 0 || rep.Transient != 0 {
		t.Fatalf("run after verifying the sender: %+v %v", rep, err)
	}
	d, err = f.store.GetDigestDelivery(context.Background(), f.account.ID, "rule-all", "2026-11-24T10:00:00Z", "usr-owner")
	if err != nil || d.State != switchboard.DigestSent {
		t.Errorf("owner's record after verifying: %+v %v, want sent", d, err)
	}
}

// TestMonthlyDigestAfterRuleChange: the rule is read at send time, so an
// edit (frequency, recipients) before the period closes is what counts, and
// a deleted rule sends nothing.
func TestMonthlyDigestAfterRuleChange(t *testing.T) {
	f := mustFixture(t, "Europe/Paris")
	ctx := context.Background()
	r := f.mustRule(t, switchboard.NotificationRule{ID: "rule-m", Name: "Errors", Type: switchboard.RuleErrors,
		Frequency: switchboard.Weekly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}})
	gone := f.mustRule(t, switchboard.NotificationRule{ID: "rule-gone", Name: "Gone", Type: switchboard.RuleErrors,
		Frequency: switchboard.Monthly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsEveryone}})
	r.Frequency, r.Recipients = switchboard.Monthly, switchboard.Recipients{Mode: switchboard.RecipientsSpecific, TeamIDs: []string{"team-kitchen"}}
	if _, err := f.store.UpdateRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteRule(ctx, f.account.ID, gone.ID); err != nil {
		t.Fatal(err)
	}
	f.mustEvent(t, "ev-oct", switchboard.EventErroring, "app-pos", "2026-10-31T22:59:59Z") // 23:59:59 on 31 October in Paris
	f.mustEvent(t, "ev-nov", switchboard.EventErroring, "app-pos", "2026-10-31T23:00:00Z") // November in Paris
	s := f.sender(nil)
	// The week closing at Paris midnight on Sunday would have been due.
	if rep := mustRun(t, s, switchboard.Weekly, "2026-11-01T23:05:00Z"); rep.Rules != 0 || rep.Sent != 0 {
		t.Errorf("weekly run after the change: %+v", rep)
	}
	// October closes at 23:00 UTC in Paris: the run of that hour sends it,
	// the UTC-midnight run after it does not.
	rep := mustRun(t, s, switchboard.Monthly, "2026-10-31T23:05:00Z")
	if again := mustRun(t, s, switchboard.Monthly, "2026-11-01T00:05:00Z"); again.Due != 0 {
		t.Errorf("the next hour's run: %+v", again)
	}
	mail := f.sentMail(t)
	if got := counts(mail); got != "admin:1 cook:1 member:1" || rep.Events != 1 {
		t.Fatalf("sent %s, report %+v", got, rep)
	}
	if m := mail["cook"][0]; !strings.Contains(m.Subject, "1 event, October 2026") || !strings.Contains(m.Text, "Sat 31 Oct 23:59 CET") {
		t.Errorf("digest: %s\n%s", m.Subject, m.Text)
	}
}

// TestClaimDeliveryRace: runs racing on one email (a duplicate EventBridge
// delivery, a retry while the first run still works) get one claim between
// them, and one takeover once the lease has run out.
func TestClaimDeliveryRace(t *testing.T) {
	f := mustFixture(t, "UTC")
	ctx := context.Background()
	d := switchboard.DigestDelivery{AccountID: f.account.ID, RuleID: "rule-x", PeriodKey: "2026-11-24T10:00:00Z", UserID: "usr-owner", Email: f.email("owner")}
	now := mustTime(t, "2026-11-24T11:00:00Z")
	race := func(at time.Time) map[switchboard.Claim]int {
		var mu sync.Mutex
		var wg sync.WaitGroup
		got := map[switchboard.Claim]int{}
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := f.store.ClaimDigest(ctx, d, at, at.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				got[c]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		return got
	}
	if got := race(now); got[switchboard.Claimed] != 1 || got[switchboard.Leased] != 9 {
		t.Errorf("first claims: %v", got)
	}
	if got := race(now.Add(2 * time.Minute)); got[switchboard.Claimed] != 1 || got[switchboard.Leased] != 9 {
		t.Errorf("takeovers after the lease: %v", got)
	}
	d.State = switchboard.DigestSent
	if err := f.store.FinishDigest(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got := race(now.Add(time.Hour)); got[switchboard.Settled] != 10 {
		t.Errorf("claims of a sent email: %v", got)
	}
}

// TestDigestUnderInjectedFaults sends an hourly digest through AWS clients
// that fail, throttle, drop and delay DynamoDB and SES requests, and lose
// DynamoDB answers. Runs are retried as Lambda retries a failed invocation;
// in the end every recipient holds exactly one email: none twice, none
// skipped. (SES answers are not lost here: SES v2 has no idempotency key,
// and that one window is at-least-once by design, see TestDigestResumesAfterCrash.)
func TestDigestUnderInjectedFaults(t *testing.T) {
	f := mustFixture(t, "UTC")
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-all", Name: "Everything installed", Type: switchboard.RuleInstall,
		Frequency: switchboard.Hourly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsEveryone}})
	f.mustEvent(t, "ev-1", switchboard.EventInstalled, "app-pos", "2026-11-24T10:15:00Z")
	f.mustEvent(t, "ev-2", switchboard.EventReinstalled, "app-drop", "2026-11-24T10:45:00Z")

	tr := faults.New(11, map[faults.Service]faults.Rates{
		faults.DynamoDB: {faults.ServerError: .15, faults.Throttle: .15, faults.Drop: .1, faults.LoseResponse: .1, faults.Delay: .05},
		faults.SES:      {faults.ServerError: .3, faults.Throttle: .3, faults.Drop: .2, faults.Delay: .05},
	})
	tr.Delay = 10 * time.Millisecond
	faulty := *f.env
	faulty.AWS = faults.Apply(f.env.AWS, tr)
	s := digest.NewSender(&faulty)
	s.Backoff = nil // no retry of our own: runs fail, and the next run resumes
	// Each retried invocation comes after the previous one's lease, as
	// Lambda's retries (a minute or more apart) do.
	clock := mustTime(t, "2026-11-24T11:05:05Z")
	s.Now = func() time.Time { return clock }
	var runs, failed int
	for runs = 1; runs <= 20; runs++ {
		_, err := s.Run(context.Background(), switchboard.Hourly, mustTime(t, "2026-11-24T11:05:00Z"))
		if err == nil {
			break
		}
		failed++
		clock = clock.Add(2 * s.Lease)
	}
	if runs > 20 {
		t.Fatalf("20 runs and still failing")
	}
	injected, total := tr.Injected()
	t.Logf("%d runs (%d failed); faults %v over %v requests", runs, failed, injected, total)
	if got := counts(f.sentMail(t)); got != "admin:1 cook:1 member:1 owner:1" {
		t.Fatalf("mail sent under faults: %s, want one each", got)
	}
	if failed == 0 {
		t.Errorf("no run failed: the faults did not test resuming")
	}
}

// runAtClock runs s as the schedule would at `at`, with the clock a few
// seconds later: runs in these tests may lie ahead of the wall clock.
func runAtClock(t *testing.T, s *digest.Sender, f switchboard.Frequency, at string) (digest.Report, error) {
	t.Helper()
	runAt := mustTime(t, at)
	s.Now = func() time.Time { return runAt.Add(5 * time.Second) }
	return s.Run(context.Background(), f, runAt)
}

// digestIDs returns the reasons (event ids) a digest's text lists, or its
// HTML on a backend that keeps only the HTML part (moto).
func digestIDs(m testenv.SentEmail, ids []string) []string {
	var out []string
	for _, id := range ids {
		if m.Text != "" && strings.Contains(m.Text, " · "+id+"\n") || m.Text == "" && strings.Contains(m.HTML, " · "+id+" · <a ") {
			out = append(out, id)
		}
	}
	return out
}

// TestDigestBoundaries: an event exactly at a period's start belongs to it,
// one a millisecond before to the previous period, for each frequency, in
// UTC and in zones with other offsets; read back from the SES emulator.
func TestDigestBoundaries(t *testing.T) {
	type event struct{ id, at string }
	type run struct {
		at, period string   // when the schedule fires; the period the email names
		ids        []string // the events the email lists, in order
	}
	tests := []struct {
		name   string
		zone   string
		f      switchboard.Frequency
		events []event
		runs   []run
	}{
		{"weekly UTC", "UTC", switchboard.Weekly,
			[]event{{"mon-old", "2026-11-16T00:00:00Z"}, {"sun-last", "2026-11-22T23:59:59.999Z"}, {"mon-new", "2026-11-23T00:00:00Z"}},
			[]run{
				{"2026-11-23T00:05:00Z", "the week of Monday 16 November 2026", []string{"mon-old", "sun-last"}},
				{"2026-11-30T00:05:00Z", "the week of Monday 23 November 2026", []string{"mon-new"}},
			}},
		{"weekly Paris", "Europe/Paris", switchboard.Weekly,
			[]event{{"sun-last", "2026-11-22T22:59:59.999Z"}, {"mon-new", "2026-11-22T23:00:00Z"}},
			[]run{
				{"2026-11-22T23:05:00Z", "the week of Monday 16 November 2026", []string{"sun-last"}},
				{"2026-11-29T23:05:00Z", "the week of Monday 23 November 2026", []string{"mon-new"}},
			}},
		// Kolkata is UTC+5:30: its hours close at half past in UTC, and the
		// run at five past the next UTC hour sends them.
		{"hourly Kolkata", "Asia/Kolkata", switchboard.Hourly,
			[]event{{"h15-last", "2026-11-24T10:29:59.999Z"}, {"h16-first", "2026-11-24T10:30:00Z"}, {"h16-last", "2026-11-24T11:29:59.999Z"},
				{"h17-first", "2026-11-24T11:30:00Z"}},
			[]run{
				{"2026-11-24T11:05:00Z", "Tue 24 Nov 2026, 15:00–16:00 IST", []string{"h15-last"}},
				{"2026-11-24T12:05:00Z", "Tue 24 Nov 2026, 16:00–17:00 IST", []string{"h16-first", "h16-last"}},
				{"2026-11-24T13:05:00Z", "Tue 24 Nov 2026, 17:00–18:00 IST", []string{"h17-first"}},
			}},
		{"daily UTC", "UTC", switchboard.Daily,
			[]event{{"d22-last", "2026-11-22T23:59:59.999Z"}, {"d23-first", "2026-11-23T00:00:00Z"}, {"d23-last", "2026-11-23T23:59:59.999Z"},
				{"d24-first", "2026-11-24T00:00:00Z"}},
			[]run{
				{"2026-11-23T00:05:00Z", "Sunday 22 November 2026", []string{"d22-last"}},
				{"2026-11-24T00:05:00Z", "Monday 23 November 2026", []string{"d23-first", "d23-last"}},
				{"2026-11-25T00:05:00Z", "Tuesday 24 November 2026", []string{"d24-first"}},
			}},
		{"monthly UTC", "UTC", switchboard.Monthly,
			[]event{{"oct-last", "2026-10-31T23:59:59.999Z"}, {"nov-first", "2026-11-01T00:00:00Z"}, {"nov-last", "2026-11-30T23:59:59.999Z"},
				{"dec-first", "2026-12-01T00:00:00Z"}},
			[]run{
				{"2026-11-01T00:05:00Z", "October 2026", []string{"oct-last"}},
				{"2026-12-01T00:05:00Z", "November 2026", []string{"nov-first", "nov-last"}},
				{"2027-01-01T00:05:00Z", "December 2026", []string{"dec-first"}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustFixture(t, tt.zone)
			f.mustRule(t, switchboard.NotificationRule{ID: "rule-b", Name: "Installs", Type: switchboard.RuleInstall,
				Frequency: tt.f, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}})
			var all []string
			for _, e := range tt.events {
				f.mustEventWithReason(t, "ev-"+e.id, switchboard.EventInstalled, "app-pos", e.at, e.id)
				all = append(all, e.id)
			}
			s := f.sender(nil)
			for i, r := range tt.runs {
				if _, err := runAtClock(t, s, tt.f, r.at); err != nil {
					t.Fatalf("run at %s: %v", r.at, err)
				}
				mail := f.sentMail(t)
				if got := len(mail["owner"]); got != i+1 || len(mail) != 1 {
					t.Fatalf("after the run at %s: %s, want owner:%d", r.at, counts(mail), i+1)
				}
				m := mail["owner"][i]
				if !strings.HasSuffix(m.Subject, ", "+r.period) {
					t.Errorf("run at %s: subject %q, want the period %q", r.at, m.Subject, r.period)
				}
				if got := digestIDs(m, all); !slices.Equal(got, r.ids) {
					t.Errorf("run at %s: digest lists %v, want %v:\n%s", r.at, got, r.ids, m.Text)
				}
			}
		})
	}
}

// TestMissedRunsAreCaughtUp: a run that never happened (an EventBridge
// outage) or that failed (SES down, no retry came) leaves the account's
// mark where it was; the next run sends every closed, unsent hour, resumes
// the emails left pending, and a rerun sends nothing.
func TestMissedRunsAreCaughtUp(t *testing.T) {
	for _, tt := range []struct {
		name   string
		failed bool // the 11:05 run happened and failed, rather than never ran
	}{{"skipped run", false}, {"failed run", true}} {
		t.Run(tt.name, func(t *testing.T) {
			f := mustFixture(t, "UTC")
			f.mustRule(t, switchboard.NotificationRule{ID: "rule-all", Name: "Installs", Type: switchboard.RuleInstall,
				Frequency: switchboard.Hourly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}})
			ids := []string{"h10", "h11", "h12"}
			f.mustEventWithReason(t, "ev-h10", switchboard.EventInstalled, "app-pos", "2026-11-24T10:15:00Z", "h10")
			f.mustEventWithReason(t, "ev-h11", switchboard.EventInstalled, "app-pos", "2026-11-24T11:20:00Z", "h11")
			f.mustEventWithReason(t, "ev-h12", switchboard.EventReinstalled, "app-drop", "2026-11-24T12:30:00Z", "h12")
			s := f.sender(nil)
			if rep, err := runAtClock(t, s, switchboard.Hourly, "2026-11-24T10:05:00Z"); err != nil || rep.Sent != 0 {
				t.Fatalf("10:05 run: %+v %v", rep, err)
			}
			if tt.failed {
				down := f.sender(&flakyMailer{next: f.realMailer(), down: true})
				down.Backoff = nil
				rep, err := runAtClock(t, down, switchboard.Hourly, "2026-11-24T11:05:00Z")
				if err == nil || rep.Transient != 1 {
					t.Fatalf("11:05 run with SES down: %+v %v", rep, err)
				}
			}
			rep, err := runAtClock(t, s, switchboard.Hourly, "2026-11-24T12:05:00Z")
			if err != nil || rep.Periods != 2 || rep.Sent != 2 {
				t.Fatalf("12:05 run: %+v %v", rep, err)
			}
			mail := f.sentMail(t)
			if got := counts(mail); got != "owner:2" {
				t.Fatalf("after the 12:05 run: %s", got)
			}
			for i, want := range []struct{ period, id string }{{"10:00–11:00 UTC", "h10"}, {"11:00–12:00 UTC", "h11"}} {
				if m := mail["owner"][i]; !strings.HasSuffix(m.Subject, want.period) || !slices.Equal(digestIDs(m, ids), []string{want.id}) {
					t.Errorf("email %d: %s\n%s", i, m.Subject, m.Text)
				}
			}
			if tt.failed {
				d, err := f.store.GetDigestDelivery(context.Background(), f.account.ID, "rule-all", "2026-11-24T10:00:00Z", "usr-owner")
				if err != nil || d.State != switchboard.DigestSent || d.Attempts != 2 {
					t.Errorf("the pending email was not taken over: %+v %v", d, err)
				}
			}
			// A rerun sends nothing; the next hour only its own events.
			if rep, err := runAtClock(t, s, switchboard.Hourly, "2026-11-24T12:05:00Z"); err != nil || rep.Periods != 0 || rep.Sent != 0 {
				t.Errorf("rerun: %+v %v", rep, err)
			}
			if rep, err := runAtClock(t, s, switchboard.Hourly, "2026-11-24T13:05:00Z"); err != nil || rep.Periods != 1 || rep.Sent != 1 {
				t.Errorf("13:05 run: %+v %v", rep, err)
			}
			if m := f.sentMail(t)["owner"]; len(m) != 3 || !slices.Equal(digestIDs(m[2], ids), []string{"h12"}) {
				t.Errorf("after the 13:05 run: %d emails", len(m))
			}
		})
	}
}

// TestLateEventWithinGrace: an event stamped a moment before its hour
// closed but written minutes after (a slow function) is in the hour's
// digest: an invocation that fires before the grace is over does not read
// the hour, and the scheduled run, past the grace, reads it consistently.
func TestLateEventWithinGrace(t *testing.T) {
	f := mustFixture(t, "UTC")
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-all", Name: "Installs", Type: switchboard.RuleInstall,
		Frequency: switchboard.Hourly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}})
	ids := []string{"early", "late"}
	f.mustEventWithReason(t, "ev-early", switchboard.EventInstalled, "app-pos", "2026-11-24T10:30:00Z", "early")
	s := f.sender(nil)
	// Fired at 11:02 (an early or manual invocation): 10:00–11:00 is not
	// settled yet, so it is neither read nor marked.
	rep, err := runAtClock(t, s, switchboard.Hourly, "2026-11-24T11:02:00Z")
	if err != nil || rep.Sent != 0 || rep.Events != 0 {
		t.Fatalf("11:02 run: %+v %v", rep, err)
	}
	if got := counts(f.sentMail(t)); got != "" {
		t.Fatalf("sent before the grace: %s", got)
	}
	// Written at 11:03, stamped 10:59:59.999.
	f.mustEventWithReason(t, "ev-late", switchboard.EventInstalled, "app-drop", "2026-11-24T10:59:59.999Z", "late")
	if rep, err := runAtClock(t, s, switchboard.Hourly, "2026-11-24T11:05:00Z"); err != nil || rep.Sent != 1 || rep.Events != 2 {
		t.Fatalf("11:05 run: %+v %v", rep, err)
	}
	mail := f.sentMail(t)
	if got := counts(mail); got != "owner:1" {
		t.Fatalf("sent: %s", got)
	}
	if got := digestIDs(mail["owner"][0], ids); !slices.Equal(got, ids) {
		t.Errorf("digest lists %v, want %v:\n%s", got, ids, mail["owner"][0].Text)
	}
}

// TestCatchUpIsBounded: after more than DigestCatchUp without a working
// run, the hours older than the bound are given up (and reported), the
// newer ones sent.
func TestCatchUpIsBounded(t *testing.T) {
	f := mustFixture(t, "UTC")
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-all", Name: "Installs", Type: switchboard.RuleInstall,
		Frequency: switchboard.Hourly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}})
	ids := []string{"given-up", "kept", "today"}
	f.mustEventWithReason(t, "ev-1", switchboard.EventInstalled, "app-pos", "2026-11-23T10:30:00Z", "given-up")
	f.mustEventWithReason(t, "ev-2", switchboard.EventInstalled, "app-pos", "2026-11-23T12:30:00Z", "kept")
	f.mustEventWithReason(t, "ev-3", switchboard.EventInstalled, "app-pos", "2026-11-24T11:30:00Z", "today")
	s := f.sender(nil)
	if _, err := runAtClock(t, s, switchboard.Hourly, "2026-11-23T10:05:00Z"); err != nil {
		t.Fatal(err)
	}
	// Nothing ran for 26 hours: 10:00–12:00 yesterday is past the bound.
	// This run finds SES down too.
	down := f.sender(&flakyMailer{down: true})
	down.Backoff = nil
	rep, err := runAtClock(t, down, switchboard.Hourly, "2026-11-24T12:05:00Z")
	if err == nil || rep.GivenUp != 2 || rep.Periods != 24 || rep.Transient != 2 {
		t.Fatalf("run after 26 hours: %+v %v", rep, err)
	}
	// Its retry, past the lease, sends the rest and reports nothing given
	// up again: the mark moved past the given-up hours.
	runAt := mustTime(t, "2026-11-24T12:05:00Z")
	s.Now = func() time.Time { return runAt.Add(3 * time.Minute) }
	rep, err = s.Run(context.Background(), switchboard.Hourly, runAt)
	if err != nil || rep.GivenUp != 0 || rep.Periods != 24 || rep.Sent != 2 {
		t.Fatalf("the retry: %+v %v", rep, err)
	}
	mail := f.sentMail(t)["owner"]
	if len(mail) != 2 || !slices.Equal(digestIDs(mail[0], ids), []string{"kept"}) || !slices.Equal(digestIDs(mail[1], ids), []string{"today"}) {
		t.Errorf("%d emails", len(mail))
	}
}

// TestDigestMarkMovesForwardOnly: a slow run finishing after a faster one
// cannot move the account's mark back (which would resend nothing, the
// records skip it, but would reread settled periods).
func TestDigestMarkMovesForwardOnly(t *testing.T) {
	f := mustFixture(t, "UTC")
	ctx := context.Background()
	if m, err := f.store.DigestMark(ctx, f.account.ID, switchboard.Daily); err != nil || !m.IsZero() {
		t.Fatalf("mark before any run: %v %v", m, err)
	}
	later, earlier := mustTime(t, "2026-11-24T00:00:00Z"), mustTime(t, "2026-11-23T00:00:00Z")
	for _, through := range []time.Time{later, earlier} {
		if err := f.store.AdvanceDigestMark(ctx, f.account.ID, switchboard.Daily, through); err != nil {
			t.Fatal(err)
		}
	}
	if m, err := f.store.DigestMark(ctx, f.account.ID, switchboard.Daily); err != nil || !m.Equal(later) {
		t.Errorf("mark %v %v, want %v", m, err, later)
	}
	if m, err := f.store.DigestMark(ctx, f.account.ID, switchboard.Weekly); err != nil || !m.IsZero() {
		t.Errorf("the weekly mark moved with the daily one: %v %v", m, err)
	}
}

// zoneStore reads the account with another time zone: the account's zone
// changed between two runs.
type zoneStore struct {
	*dynamo.Store
	zone string
}

func (z zoneStore) GetAccount(ctx context.Context, accountID string) (switchboard.Account, error) {
	a, err := z.Store.GetAccount(ctx, accountID)
	a.TimeZone = z.zone
	return a, err
}

// TestZoneChangeSendsNoEventTwice: after the UTC day of 23 November was
// sent, the account moves to Tokyo, whose day of the 24th began at 15:00 UTC
// on the 23rd; its digest starts at the mark, so the evening of the 23rd
// (UTC) is not sent again, and nothing after the mark is skipped.
func TestZoneChangeSendsNoEventTwice(t *testing.T) {
	f := mustFixture(t, "UTC")
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-day", Name: "Installs", Type: switchboard.RuleInstall,
		Frequency: switchboard.Daily, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}})
	ids := []string{"evening-23", "morning-24"}
	f.mustEventWithReason(t, "ev-1", switchboard.EventInstalled, "app-pos", "2026-11-23T20:00:00Z", "evening-23")
	f.mustEventWithReason(t, "ev-2", switchboard.EventInstalled, "app-pos", "2026-11-24T10:00:00Z", "morning-24")
	s := f.sender(nil)
	if _, err := runAtClock(t, s, switchboard.Daily, "2026-11-24T00:05:00Z"); err != nil {
		t.Fatal(err)
	}
	s.Store = zoneStore{Store: f.store, zone: "Asia/Tokyo"}
	if _, err := runAtClock(t, s, switchboard.Daily, "2026-11-24T15:05:00Z"); err != nil {
		t.Fatal(err)
	}
	mail := f.sentMail(t)["owner"]
	if len(mail) != 2 || !slices.Equal(digestIDs(mail[0], ids), []string{"evening-23"}) || !slices.Equal(digestIDs(mail[1], ids), []string{"morning-24"}) {
		for _, m := range mail {
			t.Logf("%s\n%s", m.Subject, m.Text)
		}
		t.Errorf("%d emails", len(mail))
	}
}

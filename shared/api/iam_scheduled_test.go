package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// The isolation matrix drives routes; scheduled functions have none, so
// TestScheduledFunctionsIAM drives each through its events/ sample on a
// table seeded so that every path of the run that calls AWS runs, recording
// the calls as the matrix does: a call template.yaml does not grant, or a
// grant nothing used (bar the named unreached paths), fails for them too.

// scheduledWorld is what a seed needs: a fresh table and an app callback
// endpoint that answers 200.
type scheduledWorld struct {
	env      *platform.Env
	store    *dynamo.Store
	callback string
	now      time.Time
}

// scheduledCase seeds a world for one scheduled function and checks, from
// its output and the table, that the run did the work the seed set up (a
// run that did nothing would make the IAM check vacuous).
type scheduledCase struct {
	seed  func(t *testing.T, w scheduledWorld)
	check func(t *testing.T, w scheduledWorld, out []byte)
}

// digestCase seeds one account with a rule of each frequency (made before
// every sample's period) and events in the periods the samples close:
// events/send-monthly-digests.json fires on 1 November (October closes),
// the others on 2 November (1 November, its last hour, and the week of 26
// October close).
func digestCase(f switchboard.Frequency, periodKey string) scheduledCase {
	const account, owner = "acc-iam-digest", "usr-iam-owner"
	return scheduledCase{
		seed: func(t *testing.T, w scheduledWorld) {
			ctx := context.Background()
			mustDo(t, "account", w.store.CreateAccount(ctx, switchboard.Account{ID: account, Name: "IAM digests", TimeZone: "UTC"},
				[]switchboard.Location{{ID: "loc-iam", AccountID: account, Name: "Iam"}}))
			mustDo(t, "user", w.store.CreateUser(ctx, switchboard.User{ID: owner, AccountID: account, Email: "iam-digest-" + string(f) + "@iam.test",
				Name: "Owner", Role: switchboard.RoleSuperAdmin, Active: true}, "x"))
			mustDo(t, "team", w.store.CreateTeam(ctx, switchboard.Team{ID: "team-iam", AccountID: account, Name: "Iam", MemberIDs: []string{owner}}))
			_, err := w.store.CreateRule(ctx, switchboard.NotificationRule{ID: "rule-" + string(f), AccountID: account, Name: "Installs",
				Type: switchboard.RuleInstall, Frequency: f, AllApps: true, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSpecific, TeamIDs: []string{"team-iam"}}})
			mustDo(t, "rule", err)
			for i, at := range []string{"2026-10-15T12:00:00Z", "2026-11-01T12:00:00Z", "2026-11-01T23:30:00Z"} {
				when, _ := time.Parse(time.RFC3339, at)
				mustDo(t, "event", w.store.RecordEvent(ctx, switchboard.AppEvent{ID: fmt.Sprintf("evt-iam-%d", i), AccountID: account,
					Type: switchboard.EventInstalled, ConnectionID: "con-iam", AppID: "app-iam", LocationID: "loc-iam",
					ActorType: switchboard.ActorUser, ActorUserID: owner, At: when}))
			}
		},
		check: func(t *testing.T, w scheduledWorld, _ []byte) {
			d, err := w.store.GetDigestDelivery(context.Background(), account, "rule-"+string(f), periodKey, owner)
			if err != nil || d.State != switchboard.DigestSent {
				t.Errorf("the %s digest of %s was not sent: %+v %v", f, periodKey, d, err)
			}
		},
	}
}

// appWithCallback registers an app whose callbacks go to the world's
// endpoint, and an active or blocked connection of it.
func appWithCallback(t *testing.T, w scheduledWorld, account string, conn switchboard.Connection) {
	t.Helper()
	ctx := context.Background()
	mustDo(t, "account", w.store.CreateAccount(ctx, switchboard.Account{ID: account, Name: "IAM", TimeZone: "UTC"},
		[]switchboard.Location{{ID: "loc-iam", AccountID: account, Name: "Iam"}}))
	_, secretHash := auth.NewToken()
	mustDo(t, "app", w.store.RegisterApp(ctx, switchboard.DeveloperApp{App: switchboard.App{ID: "app-iam", Name: "IAM POS", Category: "pos",
		Level: switchboard.LevelLocation, Scopes: []string{"orders.read"}, Developer: "Dev"}, OwnerAccountID: account, Published: true,
		RedirectURIs: []string{"https://iam.example/cb"}, CallbackURL: w.callback}, secretHash, ""))
	conn.AccountID, conn.AppID, conn.AppName, conn.LocationID, conn.Level = account, "app-iam", "IAM POS", "loc-iam", switchboard.LevelLocation
	conn.Scope, conn.ConnectedBy, conn.ConnectedAt, conn.UpdatedAt, conn.TokenHash = "location[orders.read]", "usr-iam", w.now.Add(-48*time.Hour), w.now.Add(-48*time.Hour), "h-"+conn.ID
	mustDo(t, "connection", w.store.CreateConnection(ctx, conn))
}

func wantDone(t *testing.T, out []byte, want int) {
	t.Helper()
	var res struct{ Done int }
	if err := json.Unmarshal(out, &res); err != nil || res.Done != want {
		t.Errorf("run answered %s, want done %d", out, want)
	}
}

var scheduledCases = map[string]scheduledCase{
	"SendHourlyDigestsFunction":  digestCase(switchboard.Hourly, "2026-11-01T23:00:00Z"),
	"SendDailyDigestsFunction":   digestCase(switchboard.Daily, "2026-11-01T00:00:00Z"),
	"SendWeeklyDigestsFunction":  digestCase(switchboard.Weekly, "2026-10-26T00:00:00Z"),
	"SendMonthlyDigestsFunction": digestCase(switchboard.Monthly, "2026-10-01T00:00:00Z"),

	// A connection failing for the last minutes: the roll-up reads the
	// feed, writes the counts, the kept bodies' batch and its watermark,
	// then finds the connection erroring and records its state and event.
	"RollUpCallsFunction": {
		seed: func(t *testing.T, w scheduledWorld) {
			appWithCallback(t, w, "acc-iam-rollup", switchboard.Connection{ID: "con-iam", Status: switchboard.ConnectionActive})
			written := w.now.Add(-5 * time.Minute)
			logged := dynamo.New(w.env.DynamoDB(), w.env.Config.TableName).WithClock(func() time.Time { return written })
			for i := range 6 {
				c := switchboard.Call{RequestID: fmt.Sprintf("req-iam-%d", i),
					AccountID: "acc-iam-rollup", ConnectionID: "con-iam", At: written.Add(-time.Second), Resource: "orders", Method: http.MethodGet,
					Path: "/v1/locations/loc-iam/orders", Status: http.StatusInternalServerError, LatencyMs: 20, LoggedAt: written}
				if i < 2 { // kept bodies, which the run archives to S3
					mustDo(t, "bodies", logged.KeepBodies(context.Background(), c, switchboard.CallBodies{Response: switchboard.ArchivedBody{Status: c.Status, Body: "{}"}}))
					c.BodiesArchived = true
				}
				mustDo(t, "call", logged.RecordCall(context.Background(), c))
			}
		},
		check: func(t *testing.T, w scheduledWorld, out []byte) {
			var rep switchboard.RollUpReport
			if err := json.Unmarshal(out, &rep); err != nil || rep.Entries != 6 || len(rep.Failing) != 1 {
				t.Errorf("roll-up answered %s", out)
			}
			page, err := w.store.ListEvents(context.Background(), "acc-iam-rollup", switchboard.AppEventFilter{Types: []switchboard.AppEventType{switchboard.EventErroring}},
				switchboard.PageRequest{Limit: 10})
			if err != nil || len(page.Events) != 1 {
				t.Errorf("erroring events: %+v %v", page.Events, err)
			}
		},
	},

	// A timed block that ended a minute ago: the run lists it, records the
	// callback, unblocks, logs the event and tells the app.
	"UnblockExpiredFunction": {
		seed: func(t *testing.T, w scheduledWorld) {
			blockedAt, until := w.now.Add(-time.Hour), w.now.Add(-time.Minute)
			appWithCallback(t, w, "acc-iam-unblock", switchboard.Connection{ID: "con-iam", Status: switchboard.ConnectionBlocked,
				BlockedAt: &blockedAt, BlockedBy: "usr-iam", BlockedReason: "unpaid", BlockedUntil: &until})
		},
		check: func(t *testing.T, w scheduledWorld, out []byte) {
			wantDone(t, out, 1)
			c, err := w.store.GetConnection(context.Background(), "acc-iam-unblock", "con-iam")
			if err != nil || c.Status != switchboard.ConnectionActive {
				t.Errorf("connection after the run: %+v %v", c, err)
			}
		},
	},

	// A delivery whose in-line first attempt never got recorded, now due:
	// the run takes the lease and posts it.
	"RetryDeliveriesFunction": {
		seed: func(t *testing.T, w scheduledWorld) {
			ctx := context.Background()
			appWithCallback(t, w, "acc-iam-retry", switchboard.Connection{ID: "con-iam", Status: switchboard.ConnectionActive})
			at := w.now.Add(-30 * time.Second)
			e := switchboard.AppEvent{ID: switchboard.NewEventID(at), AccountID: "acc-iam-retry", Type: switchboard.EventBlocked, ConnectionID: "con-iam",
				AppID: "app-iam", LocationID: "loc-iam", ActorType: switchboard.ActorUser, ActorUserID: "usr-iam", At: at}
			mustDo(t, "event", w.store.RecordEvent(ctx, e))
			due := w.now.Add(-time.Second)
			mustDo(t, "delivery", w.store.CreateDelivery(ctx, switchboard.Delivery{EventID: e.ID, Type: switchboard.CallbackType(e.Type),
				AccountID: e.AccountID, AppID: e.AppID, ConnectionID: e.ConnectionID, LocationID: e.LocationID, CreatedAt: at, URL: w.callback,
				Body: `{"id":"` + e.ID + `"}`, State: switchboard.DeliveryPending, Attempts: []switchboard.DeliveryAttempt{}, NextAttemptAt: &due}))
			// An endpoint notice owed to the app's developer, an admin of
			// the owner account.
			mustDo(t, "user", w.store.CreateUser(ctx, switchboard.User{ID: "usr-iam-dev", AccountID: "acc-iam-retry", Email: "iam-endpoint@iam.test",
				Name: "Dev", Role: switchboard.RoleAdmin, Active: true}, "x"))
			called := w.now.Add(-time.Hour)
			_, err := w.store.SaveCallbackEndpoint(ctx, switchboard.CallbackEndpoint{AppID: "app-iam", State: switchboard.EndpointActive,
				FailingSince: &called, Notice: switchboard.NoticeFailing, NoticeAt: &called, NoticeDue: &called})
			mustDo(t, "endpoint", err)
		},
		check: func(t *testing.T, w scheduledWorld, out []byte) {
			wantDone(t, out, 1)
			// The endpoint's notice went out (the owner's admins read,
			// SES called) and was cleared.
			e, err := w.store.GetCallbackEndpoint(context.Background(), "app-iam")
			if err != nil || e.Notice != "" {
				t.Errorf("endpoint notice not sent: %+v %v", e, err)
			}
		},
	},
}

func mustDo(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestScheduledFunctionsIAM(t *testing.T) {
	root := testenv.MustRoot(t)
	fns, err := testenv.MustTemplate(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	callbacks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer callbacks.Close()
	var use awsUse
	var scheduled []samtemplate.Function
	for _, fn := range fns {
		if len(fn.Schedules) == 0 {
			continue
		}
		scheduled = append(scheduled, fn)
		t.Run(fn.LogicalID, func(t *testing.T) {
			c, ok := scheduledCases[fn.LogicalID]
			if !ok {
				t.Fatalf("%s is scheduled but has no case here: seed the data its run needs in scheduledCases", fn.LogicalID)
			}
			env := testenv.MustEnv(t)
			w := scheduledWorld{env: env, store: dynamo.New(env.DynamoDB(), env.Config.TableName), callback: callbacks.URL, now: time.Now().UTC()}
			c.seed(t, w)
			payload, err := os.ReadFile(filepath.Join(root, "events", samtemplate.FolderName(fn.LogicalID)+".json"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := lambda.NewHandler(constructors[fn.LogicalID](use.envFor(env, fn.LogicalID))).Invoke(context.Background(), payload)
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			c.check(t, w, out)
		})
	}
	if len(scheduled) < len(scheduledCases) {
		t.Errorf("%d scheduled functions in template.yaml, %d cases here: remove the cases of functions that are gone", len(scheduled), len(scheduledCases))
	}
	missing, unused := use.problems(scheduled)
	for _, m := range missing {
		t.Errorf("template.yaml does not grant what the code calls: %s", m)
	}
	for _, u := range unused {
		if _, ok := grantedForUnreachedPaths[u]; !ok {
			t.Errorf("template.yaml grants what the code never used here: %s (remove it, or name the path that needs it in grantedForUnreachedPaths)", u)
		}
	}
}

package digest_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/digest"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// countingStore counts the app-log events a run reads.
type countingStore struct {
	*dynamo.Store
	read atomic.Int64
}

func (c *countingStore) ListEvents(ctx context.Context, accountID string, f switchboard.AppEventFilter, p switchboard.PageRequest) (switchboard.AppEventPage, error) {
	page, err := c.Store.ListEvents(ctx, accountID, f, p)
	c.read.Add(int64(len(page.Events)))
	return page, err
}

// countingMailer counts SES calls.
type countingMailer struct {
	next  switchboard.Mailer
	calls atomic.Int64
}

func (c *countingMailer) SendEmail(ctx context.Context, e switchboard.Email) error {
	c.calls.Add(1)
	return c.next.SendEmail(ctx, e)
}

// BenchmarkDailyDigestRun is one daily run for 10,000 rules (100 accounts of
// 100 rules): each iteration sends a day no earlier iteration sent, whose
// 10,000 events (100 per account) are written before it, outside the timer,
// on top of 100,000 events of ten earlier days. So every iteration does a
// whole day's work, and ns/op is what one day costs: read that day's events,
// not the history, and call SES once per rule (each rule's one recipient).
// Setup (110,000 writes to DynamoDB Local, then 10,000 per iteration) is not
// timed.
func BenchmarkDailyDigestRun(b *testing.B) {
	const accounts, rulesPerAccount, days, eventsPerAccountDay = 100, 100, 10, 100
	env := testenv.MustEnv(b)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	first := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// eachAccount runs f for every account, eight at a time.
	eachAccount := func(f func(a int) error) {
		var wg sync.WaitGroup
		errs := make(chan error, accounts)
		sem := make(chan struct{}, 8)
		for a := range accounts {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				errs <- f(a)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	eachAccount(func(a int) error {
		if err := seedBenchAccount(ctx, store, a, rulesPerAccount, first); err != nil {
			return err
		}
		for d := range days {
			if err := seedBenchEvents(ctx, store, a, first.AddDate(0, 0, d), eventsPerAccountDay); err != nil {
				return err
			}
		}
		return nil
	})
	counting := &countingStore{Store: store}
	mailer := &countingMailer{next: sesmail.New(env.SESv2(), env.Config.SenderAddress)}
	s := digest.NewSender(env)
	s.Store, s.Mailer = counting, mailer
	// The clock follows the runs, which go past today's date.
	var clock atomic.Int64
	s.Now = func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		day := first.AddDate(0, 0, days+i) // after the history: never sent before
		eachAccount(func(a int) error { return seedBenchEvents(ctx, store, a, day, eventsPerAccountDay) })
		runAt := day.AddDate(0, 0, 1).Add(switchboard.DigestGrace)
		clock.Store(runAt.UnixNano())
		b.StartTimer()
		rep, err := s.Run(ctx, switchboard.Daily, runAt)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Periods != accounts || rep.Sent != accounts*rulesPerAccount || rep.Events != accounts*rulesPerAccount*eventsPerAccountDay {
			b.Fatalf("day %s: %+v, want one period per account, every rule sent with its day's events", day.Format("2006-01-02"), rep)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/day")
	b.ReportMetric(float64(mailer.calls.Load())/float64(b.N), "ses-calls/op")
	b.ReportMetric(float64(counting.read.Load())/float64(b.N), "events-read/op")
}

// seedBenchAccount creates a bench account, its one user and its rules.
func seedBenchAccount(ctx context.Context, store *dynamo.Store, a, rules int, first time.Time) error {
	id := benchAccountID(a)
	if err := store.CreateAccount(ctx, switchboard.Account{ID: id, Name: "Bench " + id, TimeZone: "UTC"}, nil); err != nil {
		return err
	}
	if err := store.CreateUser(ctx, switchboard.User{ID: "usr-" + id, AccountID: id, Email: id + "@bench.test", Name: "Owner", Role: switchboard.RoleSuperAdmin, Active: true}, "x"); err != nil {
		return err
	}
	for r := range rules {
		if _, err := store.CreateRule(ctx, switchboard.NotificationRule{ID: fmt.Sprintf("rule-%03d", r), AccountID: id, Name: "Installs",
			Type: switchboard.RuleInstall, Frequency: switchboard.Daily, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins},
			CreatedAt: first}); err != nil {
			return err
		}
	}
	return nil
}

// seedBenchEvents writes one account's events of one UTC day, every 14
// minutes from midnight.
func seedBenchEvents(ctx context.Context, store *dynamo.Store, a int, day time.Time, perDay int) error {
	for e := range perDay {
		if err := store.RecordEvent(ctx, switchboard.AppEvent{ID: fmt.Sprintf("ev-%s-%d", day.Format("20060102"), e), AccountID: benchAccountID(a),
			Type: switchboard.EventInstalled, ConnectionID: "conn-1", AppID: "app-1", At: day.Add(time.Duration(e) * 14 * time.Minute)}); err != nil {
			return err
		}
	}
	return nil
}

func benchAccountID(a int) string { return fmt.Sprintf("acc-bench-%03d", a) }

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
// 100 rules) over 100,000 events spread over ten days, one of which is the
// period: the run must read that day's 10,000 events, not the history, and
// call SES once per rule (each rule's one recipient). Each iteration runs a
// day that no earlier iteration sent, so every iteration does the full
// work; setup (110,000 writes to DynamoDB Local) is not timed.
func BenchmarkDailyDigestRun(b *testing.B) {
	const accounts, rulesPerAccount, days, eventsPerAccountDay = 100, 100, 10, 100
	env := testenv.MustEnv(b)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	first := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, accounts)
	sem := make(chan struct{}, 8)
	for a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- seedBenchAccount(ctx, store, a, rulesPerAccount, days, eventsPerAccountDay, first)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	counting := &countingStore{Store: store}
	mailer := &countingMailer{next: sesmail.New(env.SESv2(), env.Config.SenderAddress)}
	s := digest.NewSender(env)
	s.Store, s.Mailer = counting, mailer
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		day := i % days
		rep, err := s.Run(ctx, switchboard.Daily, first.AddDate(0, 0, day+1).Add(switchboard.DigestGrace))
		if err != nil {
			b.Fatal(err)
		}
		if i < days && (rep.Sent != accounts*rulesPerAccount || rep.Events != accounts*rulesPerAccount*eventsPerAccountDay) {
			b.Fatalf("day %d: %+v", day, rep)
		}
	}
	b.ReportMetric(float64(mailer.calls.Load())/float64(b.N), "ses-calls/op")
	b.ReportMetric(float64(counting.read.Load())/float64(b.N), "events-read/op")
}

func seedBenchAccount(ctx context.Context, store *dynamo.Store, a, rules, days, perDay int, first time.Time) error {
	id := fmt.Sprintf("acc-bench-%03d", a)
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
	for d := range days {
		for e := range perDay {
			at := first.AddDate(0, 0, d).Add(time.Duration(e) * 14 * time.Minute)
			if err := store.RecordEvent(ctx, switchboard.AppEvent{ID: fmt.Sprintf("ev-%d-%d", d, e), AccountID: id, Type: switchboard.EventInstalled,
				ConnectionID: "conn-1", AppID: "app-1", At: at}); err != nil {
				return err
			}
		}
	}
	return nil
}

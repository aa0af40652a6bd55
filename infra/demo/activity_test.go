package demo_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestSeedActivity: the demo connections get 30 days of hour roll-ups
// whose day roll-ups add up to the same, and a second seed adds nothing.
func TestSeedActivity(t *testing.T) {
	env := testenv.MustEnv(t)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName).WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket))
	ctx := context.Background()
	now := time.Now()
	began := time.Now()
	if n, err := demo.SeedActivity(ctx, store, now); err != nil || n != len(demo.Connections) {
		t.Fatalf("seeded %d, %v", n, err)
	}
	t.Logf("seeded the demo activity in %s", time.Since(began))
	if n, err := demo.SeedActivity(ctx, store, now.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("second seed created %d, %v", n, err)
	}
	for _, c := range demo.Connections {
		hours, err := store.HourRollUps(ctx, demo.Account.ID, c.ID, now.AddDate(0, 0, -31), now)
		if err != nil {
			t.Fatal(err)
		}
		days, err := store.DayRollUps(ctx, demo.Account.ID, c.ID, now.AddDate(0, 0, -31), now)
		if err != nil {
			t.Fatal(err)
		}
		var h, d switchboard.Counts
		for _, r := range hours {
			h.Add(r.Counts)
		}
		for _, r := range days {
			d.Add(r.Counts)
		}
		if h.Total == 0 || h != d {
			t.Errorf("%s: hours %+v, days %+v", c.ID, h, d)
		}
	}
}

package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// exportBenchEntries is the log one export run of the benchmark writes:
// two parts of the production size.
const exportBenchEntries = 2 * 5000

// BenchmarkExportThroughput reports how many entries per second the
// export function writes, with bodies (two thirds of the calls have them,
// half of those archived to S3, the rest read from their feed items, as
// a log younger than the roll-up's archiving holds them) and without, on
// the emulators: each iteration exports the whole log, in production-size
// parts, from the queued job to the last part's checkpoint.
func BenchmarkExportThroughput(b *testing.B) {
	env := testenv.MustEnv(b)
	mustSeedDemo(b, env)
	const conn = "con_exportbench000000001"
	mustExportConnection(b, env, conn)
	seeded := time.Now()
	mustLogExportCalls(b, env, conn, exportBenchEntries)
	b.Logf("seeded %d calls through the call-log write path in %s", exportBenchEntries, time.Since(seeded).Round(time.Millisecond))
	for _, bodies := range []bool{true, false} {
		name := "without bodies"
		if bodies {
			name = "with bodies"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			w := testWriter(env, 5000)
			entries := 0
			var spent time.Duration
			for b.Loop() {
				now := time.Now().UTC()
				e := switchboard.Export{ID: switchboard.NewExportID(now), AccountID: demo.Account.ID,
					Source: switchboard.ExportSource{Kind: switchboard.ExportConnectionLog, ID: conn}, From: now.Add(-24 * time.Hour), To: now,
					Format: switchboard.ExportNDJSON, Bodies: bodies, State: switchboard.ExportQueued, CreatedAt: now, UpdatedAt: now,
					ExpiresAt: now.Add(switchboard.ExportLifetime), Version: 1}
				if err := w.Store.CreateExport(ctx, e); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if _, err := w.Run(ctx, e); err != nil {
					b.Fatal(err)
				}
				spent += time.Since(start)
				got, err := w.Store.ListExports(ctx, demo.Account.ID, e.Source)
				if err != nil || got[0].ID != e.ID || got[0].State != switchboard.ExportDone || got[0].Entries != exportBenchEntries {
					b.Fatalf("export %+v %v", got[0], err)
				}
				entries += got[0].Entries
			}
			b.ReportMetric(float64(entries)/spent.Seconds(), "entries/s")
		})
	}
}

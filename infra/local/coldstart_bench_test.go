package local_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
)

// BenchmarkBinarySize builds the functions exactly as `sam build` does
// (linux/arm64, lambda.norpc, stripped) and reports the size: every
// function ships the same bootstrap, and Lambda's cold start grows with the
// bytes it must fetch and map.
func BenchmarkBinarySize(b *testing.B) {
	root, err := samtemplate.FindRoot(".")
	if err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	cmd := exec.Command("make", "-s", "build-HealthFunction", "ARTIFACTS_DIR="+out)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, msg)
	}
	info, err := os.Stat(filepath.Join(out, "bootstrap"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
	b.ReportMetric(float64(info.Size())/(1<<20), "MiB")
}

// BenchmarkColdStart measures, per function, the time from process start to
// the first response through the local Runtime API, replaying the function's
// events/ fixture against the emulators; it reports the median.
func BenchmarkColdStart(b *testing.B) {
	stack, root := mustStack(b)
	for _, fn := range stack.Functions {
		payload, err := os.ReadFile(filepath.Join(root, "events", samtemplate.FolderName(fn.LogicalID)+".json"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fn.LogicalID, func(b *testing.B) {
			var samples []time.Duration
			for b.Loop() {
				b.StopTimer()
				stack.Recycle(fn.LogicalID)
				b.StartTimer()
				start := time.Now()
				res, err := stack.Invoke(context.Background(), fn.LogicalID, payload)
				samples = append(samples, time.Since(start))
				if err != nil || res.FunctionError != "" || !res.ColdStart {
					b.Fatalf("invoke: %v %s cold=%v", err, res.Payload, res.ColdStart)
				}
			}
			b.ReportMetric(median(samples).Seconds()*1000, "ms-p50")
		})
	}
}

// BenchmarkWarmInvoke is the same call on a warm process: what every request
// after the first costs, local overhead included.
func BenchmarkWarmInvoke(b *testing.B) {
	stack, root := mustStack(b)
	for _, fn := range stack.Functions {
		payload, err := os.ReadFile(filepath.Join(root, "events", samtemplate.FolderName(fn.LogicalID)+".json"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fn.LogicalID, func(b *testing.B) {
			if _, err := stack.Invoke(context.Background(), fn.LogicalID, payload); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				res, err := stack.Invoke(context.Background(), fn.LogicalID, payload)
				if err != nil || res.FunctionError != "" {
					b.Fatalf("invoke: %v %s", err, res.Payload)
				}
			}
		})
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

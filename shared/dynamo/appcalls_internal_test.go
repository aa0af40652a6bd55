package dynamo

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// BenchmarkAppIndexWriteUnits reports what the roll-up spends per call on
// an app's index (appcalls.go), by the number of the app's calls in one
// minute: the chunk items' size as DynamoDB bills it (names and values,
// 1 KB per write unit, rounded up per item), divided by the calls. The
// calls are GET and POST calls of a few accounts and locations, as a
// busy POS app makes them, with random request ids, times, latencies and
// sizes. A per-call index item would be 1 write unit.
func BenchmarkAppIndexWriteUnits(b *testing.B) {
	minute := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, n := range []int{1, 10, 50, 250, 1000} {
		b.Run(fmt.Sprintf("%d-calls-a-minute", n), func(b *testing.B) {
			// Request ids as random as API Gateway's (12 random bytes,
			// base64), accounts as random as ours: what gzip cannot shrink.
			rng := rand.New(rand.NewPCG(uint64(n), 7))
			randomID := func(k int) string {
				raw := make([]byte, k)
				for j := range raw {
					raw[j] = byte(rng.IntN(256))
				}
				return base64.StdEncoding.EncodeToString(raw)
			}
			accounts := make([]string, 7)
			for j := range accounts {
				accounts[j] = fmt.Sprintf("acc-%016x", rng.Uint64())
			}
			calls := make([]switchboard.Call, n)
			for i := range calls {
				at := minute.Add(time.Duration(rng.Int64N(int64(59 * time.Second))))
				calls[i] = switchboard.Call{RequestID: randomID(12), AccountID: accounts[i%7],
					ConnectionID: fmt.Sprintf("con_%020x", i%7), AppID: "app-0123456789abcdef", LocationID: fmt.Sprintf("loc-%d", i%7), At: at,
					Resource: []string{"orders", "location", "catalog"}[i%3], Method: []string{"GET", "POST"}[i%2],
					Path: fmt.Sprintf("/v1/locations/loc-%d/orders", i%7), Status: []int{200, 201, 200, 404}[i%4], LatencyMs: int64(5 + rng.IntN(300)),
					RequestBytes: 1400 * (i % 2), ResponseBytes: 100 + rng.IntN(4000), BodiesArchived: true, LoggedAt: at.Add(30 * time.Millisecond)}
			}
			var units float64
			for b.Loop() {
				units = 0
				index := appIndex{}
				for _, c := range calls {
					index.add(c)
				}
				for appID, cs := range index {
					newestFirst(cs)
					for chunk := 0; chunk*appCallsChunk < len(cs); chunk++ {
						part := cs[chunk*appCallsChunk : min(len(cs), (chunk+1)*appCallsChunk)]
						packed, err := packCalls(part)
						if err != nil {
							b.Fatal(err)
						}
						av, err := attributevalue.MarshalMap(appCallsItem{PK: appCallsPK(appID), SK: appCallsSK(minute, chunk), Type: "app-calls",
							Count: len(part), ExpiresAt: minute.Unix(), Calls: packed})
						if err != nil {
							b.Fatal(err)
						}
						units += math.Ceil(float64(itemSize(av)) / 1024)
					}
				}
			}
			b.ReportMetric(units/float64(n), "WCU/call")
			b.ReportMetric(units/float64(n)*0.625, "$/M-calls")
		})
	}
}

// itemSize is an item's size as DynamoDB bills it: each attribute's name
// and value (numbers counted as their digits, roughly).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += len(v.Value)
		case *types.AttributeValueMemberB:
			n += len(v.Value)
		default:
			n += 1
		}
	}
	return n
}

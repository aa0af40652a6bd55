package local_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/local"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// exportE2EEntries is the size of the log the browser test exports
// (site/test/exports.browser.test.mjs).
const exportE2EEntries = 10_000

// mustSeedExportLog gives the demo account a connection whose log holds
// exportE2EEntries calls, written through the call log's production write
// path (KeepBodies for one call in ten, then RecordCall, as the /v1 door
// does), and returns the variables the browser test reads.
func mustSeedExportLog(t *testing.T, stack *local.Stack) []string {
	t.Helper()
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(stack.Emulators.DynamoDB) })
	store := dynamo.New(client, stack.Resources["Table"])
	const conn = "con_export_e2e_00000001"
	now := time.Now().UTC().Truncate(time.Second)
	if err := store.CreateConnection(ctx, switchboard.Connection{ID: conn, AccountID: demo.Account.ID, LocationID: "loc-bastille",
		AppID: "orderline-pos", AppName: "OrderLine POS", InstanceLabel: "Export test", Level: switchboard.LevelLocation,
		Scope: "location[orders.read,orders.write]", Status: switchboard.ConnectionActive, ConnectedBy: "usr-owner",
		ConnectedAt: now.Add(-24 * time.Hour), UpdatedAt: now.Add(-24 * time.Hour), TokenHash: "h-export-e2e", TokenLast4: "E2E0"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, exportE2EEntries)
	sem := make(chan struct{}, 16)
	for i := range exportE2EEntries {
		at := now.Add(-10*time.Minute - time.Duration(i)*time.Second)
		c := switchboard.Call{RequestID: fmt.Sprintf("req_e2e_export_%05d", i), AccountID: demo.Account.ID, ConnectionID: conn, At: at,
			Resource: "orders", Method: http.MethodGet, Path: "/v1/locations/loc-bastille/orders", Status: http.StatusOK,
			LatencyMs: int64(3 + i%50), ResponseBytes: 100 + i%13, LoggedAt: at.Add(time.Second)}
		switch {
		case i%100 == 7: // a query a spreadsheet would run as a formula
			c.Query, c.Status, c.Error = "=HYPERLINK(\"http://evil.example\",\"x\")", http.StatusBadRequest, "invalid"
		case i%17 == 0:
			c.Method, c.Status, c.RequestBytes = http.MethodPost, http.StatusCreated, 42
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if i%10 == 0 {
				if err := store.KeepBodies(ctx, c, switchboard.CallBodies{
					Request:  switchboard.ArchivedBody{Method: c.Method, Path: c.Path, Headers: map[string]string{"authorization": "[redacted]"}, Body: `{"n":` + strconv.Itoa(i) + `}`},
					Response: switchboard.ArchivedBody{Status: c.Status, Headers: map[string]string{"content-type": "application/json"}, Body: `{"ok":true}`},
				}); err != nil {
					errs <- err
					return
				}
				c.BodiesArchived = true
			}
			errs <- store.RecordCall(ctx, c)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seeded %d calls on %s in %s", exportE2EEntries, conn, time.Since(start).Round(time.Millisecond))
	return []string{"SWITCHBOARD_EXPORT_CONNECTION=" + conn, "SWITCHBOARD_EXPORT_ENTRIES=" + strconv.Itoa(exportE2EEntries),
		"SWITCHBOARD_INVOKE_URL=" + stack.InvokeURL}
}

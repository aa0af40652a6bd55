package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func BenchmarkDevActivity(b *testing.B) {
	env := testenv.MustEnv(b)
	ctx := context.Background()
	client := env.DynamoDB()
	store := dynamo.New(client, env.Config.TableName).WithClock(func() time.Time { return activityBenchNow })
	if _, err := demo.Seed(ctx, store, demo.DefaultPassword); err != nil {
		b.Fatal(err)
	}
	var batch []types.WriteRequest
	flush := func() {
		if len(batch) == 0 {
			return
		}
		_, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{env.Config.TableName: batch}})
		if err != nil {
			b.Fatal(err)
		}
		batch = nil
	}
	put := func(it map[string]types.AttributeValue) {
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		if len(batch) == 25 {
			flush()
		}
	}
	lastHour, today := switchboard.HourStart(activityBenchNow), switchboard.DayStart(activityBenchNow)
	for i := range 2 {
		conn := activityBenchConn(i)
		for h := range activityBenchHours {
			put(dynamo.RollUpItem(demo.Account.ID, activityBenchRollUp(conn, lastHour.Add(-time.Duration(h)*time.Hour), false), false, 0))
		}
		for d := range activityBenchDays {
			put(dynamo.RollUpItem(demo.Account.ID, activityBenchRollUp(conn, today.AddDate(0, 0, -d), true), true, 0))
		}
		flush()
		since := activityBenchNow.AddDate(-1, -1, 0)
		app := demo.Apps[i%len(demo.Apps)]
		c := switchboard.Connection{ID: conn, AccountID: demo.Account.ID, AppID: app.ID, AppName: app.Name,
			LocationID: "loc-bastille", InstanceLabel: "x", Level: switchboard.LevelLocation, Scope: "location[orders.read,orders.write]",
			Status: switchboard.ConnectionActive, ConnectedAt: since, UpdatedAt: since, TokenHash: "h" + conn}
		if err := store.CreateConnection(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	_ = aws.String
	h := api.GetConnectionActivity(store, func() time.Time { return activityBenchNow })
	p := switchboard.Principal{AccountID: demo.Account.ID, UserID: "usr-owner", Role: switchboard.RoleSuperAdmin}
	run := func(i int) time.Duration {
		conn := activityBenchConn(i % 2)
		req := get("/admin/v1/connections/" + conn + "/activity?days=30")
		req.PathParameters = map[string]string{"connectionId": conn}
		start := time.Now()
		resp, err := h(context.Background(), p, req)
		took := time.Since(start)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v %s", resp.StatusCode, err, resp.Body)
		}
		return took
	}
	for i := range 20 {
		run(i)
	}
	var times []time.Duration
	i := 0
	for b.Loop() {
		for range 20 {
			times = append(times, run(i))
			i++
		}
	}
	reportLatency(b, times)
	// raw query timings
	q := func(name string, in *dynamodb.QueryInput) {
		var ts []time.Duration
		n := 0
		for range 10 {
			start := time.Now()
			pg := dynamodb.NewQueryPaginator(client, in)
			n = 0
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					b.Fatal(err)
				}
				n += len(out.Items)
			}
			ts = append(ts, time.Since(start))
		}
		b.Logf("%s: %d items, %v", name, n, ts)
	}
	pk := "ACCOUNT#" + demo.Account.ID + "#ROLLUP#" + activityBenchConn(0)
	hq := &dynamodb.QueryInput{TableName: aws.String(env.Config.TableName), KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}, ":lo": &types.AttributeValueMemberS{Value: "H#2026-10-25T00"}, ":hi": &types.AttributeValueMemberS{Value: "H#2026-11-24T13"}}}
	q("hours 30d", hq)
	hq2 := *hq
	hq2.ProjectionExpression = aws.String("SK, #t, S2xx, S4xx, S5xx, L0, L1, L2")
	hq2.ExpressionAttributeNames = map[string]string{"#t": "Total"}
	q("hours 30d projected", &hq2)
	dq := &dynamodb.QueryInput{TableName: aws.String(env.Config.TableName), KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}, ":lo": &types.AttributeValueMemberS{Value: "D#2026-10-25"}, ":hi": &types.AttributeValueMemberS{Value: "D#2026-11-25"}}}
	q("days 30d", dq)
	h2 := *hq
	h2.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}, ":lo": &types.AttributeValueMemberS{Value: "H#2026-11-22T12"}, ":hi": &types.AttributeValueMemberS{Value: "H#2026-11-24T13"}}
	q("hours 48h", &h2)
}

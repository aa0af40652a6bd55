package emulators_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/testenv"
)

type loadedItem struct {
	PK, SK string
	N      int
	Tags   []string
	OK     bool
}

// TestLoadItems loads items into a stopped emulator's data folder and reads
// them back through the API once it runs again, in key order, with their
// secondary index entries; a malformed item fails the load.
func TestLoadItems(t *testing.T) {
	infra := filepath.Join(testenv.MustRoot(t), "infra")
	dir := t.TempDir()
	ctx := context.Background()
	start := func() (*emulators.Emulators, *dynamodb.Client) {
		e, err := emulators.Start(ctx, emulators.Options{InfraDir: infra, DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		cfg := aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		})}
		return e, dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(e.DynamoDB) })
	}
	e, client := start()
	in, err := testenv.MustTemplate(t).CreateTableInput("Table", "bulk")
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	if _, err := client.CreateTable(ctx, in); err != nil {
		e.Close()
		t.Fatal(err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 5 * time.Millisecond })
	err = waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("bulk")}, 10*time.Second)
	e.Close()
	if err != nil {
		t.Fatal(err)
	}

	want := []loadedItem{{"P", "a", 1, []string{"x"}, true}, {"P", "b", 2, nil, false}, {"P", "c", 3, []string{"y", "z"}, true}}
	err = emulators.LoadItems(ctx, infra, dir, "bulk", func(put func(map[string]types.AttributeValue) error) error {
		for _, it := range []loadedItem{want[2], want[0], want[1]} {
			av, err := attributevalue.MarshalMap(it)
			if err != nil {
				return err
			}
			if err := put(av); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Unlike a write into the data files, the load goes through the API: an
	// item's index keys land in its index, and a malformed item is refused.
	err = emulators.LoadItems(ctx, infra, dir, "bulk", func(put func(map[string]types.AttributeValue) error) error {
		return put(map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "G"}, "SK": &types.AttributeValueMemberS{Value: "d"},
			"GSI1PK": &types.AttributeValueMemberS{Value: "G"}, "GSI1SK": &types.AttributeValueMemberS{Value: "1"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = emulators.LoadItems(ctx, infra, dir, "bulk", func(put func(map[string]types.AttributeValue) error) error {
		return put(map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "P"}})
	})
	if err == nil {
		t.Errorf("an item without its sort key was loaded, want it refused")
	}

	// A copy (CopyData) takes writes that the original never sees.
	copied := filepath.Join(t.TempDir(), "copy")
	if err := emulators.CopyData(dir, copied); err != nil {
		t.Fatal(err)
	}
	ce, err := emulators.Start(ctx, emulators.Options{InfraDir: infra, DataDir: copied})
	if err != nil {
		t.Fatal(err)
	}
	cclient := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
	})}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ce.DynamoDB) })
	_, err = cclient.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bulk"), Item: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "P"}, "SK": &types.AttributeValueMemberS{Value: "written-to-the-copy"}}})
	if err == nil {
		var n *dynamodb.QueryOutput
		n, err = cclient.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bulk"), KeyConditionExpression: aws.String("PK = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "P"}}})
		if err == nil && len(n.Items) != len(want)+1 {
			t.Errorf("the copy holds %d items, want the %d loaded and the one written", len(n.Items), len(want))
		}
	}
	ce.Close()
	if err != nil {
		t.Fatal(err)
	}

	e, client = start()
	defer e.Close()
	out, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bulk"), KeyConditionExpression: aws.String("PK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "P"}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []loadedItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	idx, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bulk"), IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("GSI1PK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "G"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Items) != 1 {
		t.Errorf("GSI1 holds %d items for the loaded item, want 1", len(idx.Items))
	}
	for i := range want {
		if got[i].SK != want[i].SK || got[i].N != want[i].N || got[i].OK != want[i].OK || strings.Join(got[i].Tags, ",") != strings.Join(want[i].Tags, ",") {
			t.Errorf("item %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

package local

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/infra/testenv"
)

// TestAddMissingIndexes: a table kept from a run before an index was added
// to the template gets that index, on-demand like the table.
func TestAddMissingIndexes(t *testing.T) {
	testenv.MustEmulators(t)
	env := testenv.MustEnv(t)
	db := env.DynamoDB()
	ctx := context.Background()
	want, err := testenv.MustTemplate(t).CreateTableInput("Table", "indexes-"+env.Config.TableName)
	if err != nil {
		t.Fatal(err)
	}
	old := *want
	old.GlobalSecondaryIndexes = want.GlobalSecondaryIndexes[:1]
	// DynamoDB Local, like DynamoDB, refuses attribute definitions no key uses.
	used := map[string]bool{}
	for _, k := range append(old.KeySchema, old.GlobalSecondaryIndexes[0].KeySchema...) {
		used[aws.ToString(k.AttributeName)] = true
	}
	old.AttributeDefinitions = nil
	for _, d := range want.AttributeDefinitions {
		if used[aws.ToString(d.AttributeName)] {
			old.AttributeDefinitions = append(old.AttributeDefinitions, d)
		}
	}
	if _, err := db.CreateTable(ctx, &old); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: want.TableName}) }()
	if err := addMissingIndexes(ctx, db, want); err != nil {
		t.Fatal(err)
	}
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: want.TableName})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range out.Table.GlobalSecondaryIndexes {
		got = append(got, aws.ToString(g.IndexName))
	}
	if len(got) != len(want.GlobalSecondaryIndexes) {
		t.Errorf("indexes %v, want %d", got, len(want.GlobalSecondaryIndexes))
	}
}

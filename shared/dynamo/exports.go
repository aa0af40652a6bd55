package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.ExportStore = (*Store)(nil)

// exportItem is a job as stored: its TTL attribute replaces the job's
// ExpiresAt time, and GSI1 lists it while it is pending (sparse).
type exportItem struct {
	PK, SK, Type string
	GSI1PK       string `dynamodbav:",omitempty"`
	GSI1SK       string `dynamodbav:",omitempty"`
	ExpiresAt    int64  // TTL attribute
	switchboard.Export
}

func newExportItem(e switchboard.Export) (map[string]types.AttributeValue, error) {
	it := exportItem{PK: exportPK(e.AccountID, string(e.Source.Kind), e.Source.ID), SK: exportSK(e.ID), Type: "export",
		ExpiresAt: e.ExpiresAt.Unix(), Export: e}
	if !e.State.Finished() {
		it.GSI1PK, it.GSI1SK = exportsPendingPK, exportsPendingSK(e.CreatedAt, e.AccountID, e.ID)
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("marshal export %s: %w", e.ID, err)
	}
	return av, nil
}

func (it exportItem) export() switchboard.Export {
	e := it.Export
	e.ExpiresAt = time.Unix(it.ExpiresAt, 0).UTC()
	if e.Parts == nil {
		e.Parts = []switchboard.ExportPart{}
	}
	return e
}

// CreateExport writes a new job; an id written before is a conflict.
func (s *Store) CreateExport(ctx context.Context, e switchboard.Export) error {
	av, err := newExportItem(e)
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.EConflict, "export %s exists", e.ID)
	}
	if err != nil {
		return fmt.Errorf("create export %s: %w", e.ID, err)
	}
	return nil
}

// ListExports reads one source's jobs, newest first. Jobs past their TTL
// are left out before DynamoDB deletes them (which can take days).
func (s *Store) ListExports(ctx context.Context, accountID string, src switchboard.ExportSource) ([]switchboard.Export, error) {
	in := s.prefixQuery(exportPK(accountID, string(src.Kind), src.ID), exportSKPrefix)
	in.ScanIndexForward = aws.Bool(false)
	in.FilterExpression = aws.String("ExpiresAt > :now")
	in.ExpressionAttributeValues[":now"] = num(s.now().Unix())
	items, err := queryAll[exportItem](ctx, s, in, "exports")
	if err != nil {
		return nil, err
	}
	out := make([]switchboard.Export, 0, len(items))
	for _, it := range items {
		out = append(out, it.export())
	}
	return out, nil
}

// PendingExports reads GSI1's partition of unfinished jobs, oldest first.
func (s *Store) PendingExports(ctx context.Context) ([]switchboard.Export, error) {
	items, err := queryAll[exportItem](ctx, s, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(exportsPendingPK)},
	}, "pending exports")
	if err != nil {
		return nil, err
	}
	out := make([]switchboard.Export, 0, len(items))
	for _, it := range items {
		out = append(out, it.export())
	}
	return out, nil
}

// UpdateExport replaces the job if nobody wrote it since prevVersion: the
// checkpoint of a part and the lease are one conditional put.
func (s *Store) UpdateExport(ctx context.Context, e switchboard.Export, prevVersion int) error {
	if e.Version != prevVersion+1 {
		return fmt.Errorf("update export %s: version %d does not follow %d", e.ID, e.Version, prevVersion)
	}
	av, err := newExportItem(e)
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
		ConditionExpression:       aws.String("#v = :prev"),
		ExpressionAttributeNames:  map[string]string{"#v": "Version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":prev": num(prevVersion)}})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.EConflict, "export %s changed meanwhile", e.ID)
	}
	if err != nil {
		return fmt.Errorf("update export %s: %w", e.ID, err)
	}
	return nil
}

// Package provision applies what template.yaml says about a table, a bucket
// and the mail sender to resources made outside CloudFormation: by the local
// stack in LocalStack mode, and by the tests on any backend but the built-in
// emulators. CloudFormation sets these in AWS; without this package an
// emulated backend would run with no TTL, no lifecycle rule and no sender
// identity, and nothing would show it.
package provision

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
)

// TableSettings turns on the table's TTL and point-in-time recovery as the
// AWS::DynamoDB::Table resource id says. Both calls are idempotent.
func TableSettings(ctx context.Context, db *dynamodb.Client, tpl *samtemplate.Template, id, name string) error {
	ttl, pitr, err := tpl.TableSettings(id, name)
	if err != nil {
		return err
	}
	if ttl != nil {
		if err := updateTTL(ctx, db, ttl); err != nil {
			return fmt.Errorf("TTL of table %s: %w", name, err)
		}
	}
	if pitr != nil {
		if err := enablePITR(ctx, db, pitr); err != nil {
			return fmt.Errorf("point-in-time recovery of table %s: %w", name, err)
		}
	}
	return nil
}

// updateTTL sets TTL unless it is already so: DynamoDB refuses a second
// UpdateTimeToLive that repeats the current setting.
func updateTTL(ctx context.Context, db *dynamodb.Client, in *dynamodb.UpdateTimeToLiveInput) error {
	cur, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: in.TableName})
	if err != nil {
		return err
	}
	if d := cur.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == aws.ToString(in.TimeToLiveSpecification.AttributeName) &&
		(d.TimeToLiveStatus == dbtypes.TimeToLiveStatusEnabled || d.TimeToLiveStatus == dbtypes.TimeToLiveStatusEnabling) == aws.ToBool(in.TimeToLiveSpecification.Enabled) {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, in)
	return err
}

// enablePITR retries while a new table's backups are still being set up, as
// AWS answers for its first minute (ContinuousBackupsUnavailableException).
func enablePITR(ctx context.Context, db *dynamodb.Client, in *dynamodb.UpdateContinuousBackupsInput) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := db.UpdateContinuousBackups(ctx, in)
		var unavailable *dbtypes.ContinuousBackupsUnavailableException
		if !errors.As(err, &unavailable) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// BucketSettings puts the bucket's lifecycle rules and public-access block
// as the AWS::S3::Bucket resource id says; r resolves parameters such as the
// retention in days.
func BucketSettings(ctx context.Context, client *s3.Client, tpl *samtemplate.Template, r samtemplate.Resolver, id, name string) error {
	lifecycle, block, err := tpl.BucketSettings(id, name, r)
	if err != nil {
		return err
	}
	if block != nil {
		if _, err := client.PutPublicAccessBlock(ctx, block); err != nil {
			return fmt.Errorf("public-access block of bucket %s: %w", name, err)
		}
	}
	if lifecycle != nil {
		if _, err := client.PutBucketLifecycleConfiguration(ctx, lifecycle); err != nil {
			return fmt.Errorf("lifecycle of bucket %s: %w", name, err)
		}
	}
	return nil
}

// SenderIdentity makes address a verified SES identity. Emulators that check
// the sender (moto, LocalStack) verify it at once; in AWS the identity is
// made and verified by the operator, so this is for emulated backends only.
func SenderIdentity(ctx context.Context, client *sesv2.Client, address string) error {
	_, err := client.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(address)})
	var exists *sestypes.AlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("SES identity %s: %w", address, err)
	}
	return nil
}

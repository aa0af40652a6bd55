package testenv

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
)

// CheckTableSettings reads back what provision.TableSettings sets on
// template.yaml's Table: TTL on ExpiresAt and point-in-time recovery. The
// provision tests and the local stack's LocalStack-mode test share it, so
// that both hold the resources to the same expectations.
func CheckTableSettings(tb testing.TB, db *dynamodb.Client, table string) {
	tb.Helper()
	ctx := context.Background()
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != dbtypes.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "ExpiresAt" {
		tb.Errorf("table %s TTL: %+v %v, want enabled on ExpiresAt", table, ttl, err)
	}
	backups, err := db.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(table)})
	if err != nil || backups.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != dbtypes.PointInTimeRecoveryStatusEnabled {
		tb.Errorf("table %s point-in-time recovery: %+v %v, want enabled", table, backups, err)
	}
}

// CheckBucketSettings reads back what provision.BucketSettings sets: the
// public-access block with all four settings on, and, for a bucket shaped
// like template.yaml's ArchiveBucket (archive), its lifecycle rules:
// bodies expire after BodyRetentionDays' default (30), exports after 7.
func CheckBucketSettings(tb testing.TB, client *s3.Client, bucket string, archive bool) {
	tb.Helper()
	ctx := context.Background()
	pab, err := client.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil {
		tb.Errorf("bucket %s public-access block: %v", bucket, err)
	} else if c := pab.PublicAccessBlockConfiguration; !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || !aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.RestrictPublicBuckets) {
		tb.Errorf("bucket %s public-access block %+v, want all four on", bucket, c)
	}
	if !archive {
		return
	}
	lc, err := client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil || len(lc.Rules) != 2 {
		tb.Errorf("bucket %s lifecycle: %+v %v, want two rules", bucket, lc, err)
		return
	}
	// The bodies expire after BodyRetentionDays; exports (issue 18) after
	// seven days, under their prefix.
	var got [][]any
	for _, r := range lc.Rules {
		prefix, abort := "", int32(0)
		if r.Filter != nil {
			prefix = aws.ToString(r.Filter.Prefix)
		}
		if r.AbortIncompleteMultipartUpload != nil {
			abort = aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation)
		}
		got = append(got, []any{aws.ToString(r.ID), string(r.Status), prefix, aws.ToInt32(r.Expiration.Days), abort})
	}
	want := [][]any{{"ExpireBodies", "Enabled", "", int32(30), int32(1)}, {"ExpireExports", "Enabled", "exports/", int32(7), int32(0)}}
	if diff := cmp.Diff(want, got); diff != "" {
		tb.Errorf("bucket %s lifecycle rules (-want +got):\n%s", bucket, diff)
	}
}

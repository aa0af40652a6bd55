package provision_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/provision"
	"github.com/switchboard-hq/switchboard/infra/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestSettingsOnMoto: on a backend that implements them (moto here), a table
// and a bucket made from template.yaml get its TTL, point-in-time recovery,
// lifecycle rule and public-access block, read back through the API; doing
// it twice (a second `make run`) changes nothing and fails nothing.
func TestSettingsOnMoto(t *testing.T) {
	ctx := context.Background()
	cfg := testenv.MustMotoConfig(t)
	tpl := testenv.MustTemplate(t)
	db := dynamodb.NewFromConfig(cfg)
	table := "provision-" + strings.ToLower(t.Name())
	in, err := tpl.CreateTableInput("Table", table)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "provision-" + strings.ToLower(t.Name())
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := provision.TableSettings(ctx, db, tpl, "Table", table); err != nil {
			t.Fatal(err)
		}
		if err := provision.BucketSettings(ctx, s3c, tpl, tpl.Defaults(), "ArchiveBucket", bucket); err != nil {
			t.Fatal(err)
		}
	}

	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != dbtypes.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "ExpiresAt" {
		t.Errorf("TTL: %+v %v, want enabled on ExpiresAt", ttl, err)
	}
	backups, err := db.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(table)})
	if err != nil || backups.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != dbtypes.PointInTimeRecoveryStatusEnabled {
		t.Errorf("point-in-time recovery: %+v %v, want enabled", backups, err)
	}

	lc, err := s3c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil || len(lc.Rules) != 1 {
		t.Fatalf("lifecycle: %+v %v, want one rule", lc, err)
	}
	r := lc.Rules[0]
	got := []any{aws.ToString(r.ID), string(r.Status), aws.ToInt32(r.Expiration.Days), aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation)}
	if diff := cmp.Diff([]any{"ExpireBodies", "Enabled", int32(30), int32(1)}, got); diff != "" {
		t.Errorf("lifecycle rule (-want +got):\n%s", diff)
	}
	pab, err := s3c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	c := pab.PublicAccessBlockConfiguration
	if !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || !aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.RestrictPublicBuckets) {
		t.Errorf("public-access block %+v, want all four on", c)
	}
}

// TestSenderIdentityOnMoto: the identity is made verified, and making it
// again is no error.
func TestSenderIdentityOnMoto(t *testing.T) {
	ctx := context.Background()
	ses := sesv2.NewFromConfig(testenv.MustMotoConfig(t))
	for range 2 {
		if err := provision.SenderIdentity(ctx, ses, "sender-identity@provision.test"); err != nil {
			t.Fatal(err)
		}
	}
	id, err := ses.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("sender-identity@provision.test")})
	if err != nil || id.VerificationStatus != "SUCCESS" {
		t.Errorf("identity: %+v %v, want verified", id, err)
	}
}

package provision_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

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

	testenv.CheckTableSettings(t, db, table)
	testenv.CheckBucketSettings(t, s3c, bucket, true)
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

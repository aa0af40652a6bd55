package local

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/infra/testenv"
)

// TestLocalStackModeParity: in LocalStack mode (here against moto, which
// implements the same APIs) the local stack's resources get the template's
// TTL, point-in-time recovery, lifecycle rule and public-access block, and
// the functions' SenderAddress becomes an SES identity, so that mail goes
// out. A second start over the same resources fails nothing.
func TestLocalStackModeParity(t *testing.T) {
	ctx := context.Background()
	endpoint := testenv.MustMoto(t)
	env := map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": localRegion}
	getenv := func(k string) string { return env[k] }
	if ChooseBackend(getenv) != BackendLocalStack {
		t.Fatalf("AWS_ENDPOINT_URL does not choose LocalStack mode")
	}
	tpl, err := samtemplate.Load(filepath.Join(testenv.MustRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	resolver, names := localResolver(tpl, BackendLocalStack, getenv)
	if parityFor(BackendEmulators, resolver) != nil {
		t.Error("the built-in emulators get settings they do not implement")
	}
	for range 2 {
		if err := createResources(ctx, tpl, names, env, parityFor(BackendLocalStack, resolver)); err != nil {
			t.Fatal(err)
		}
	}

	cfg, err := awsConfig(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	db := dynamoClient(cfg, env)
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(names["Table"])})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != dbtypes.TimeToLiveStatusEnabled {
		t.Errorf("table TTL: %+v %v", ttl, err)
	}
	backups, err := db.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(names["Table"])})
	if err != nil || backups.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != dbtypes.PointInTimeRecoveryStatusEnabled {
		t.Errorf("point-in-time recovery: %+v %v", backups, err)
	}
	s3c := s3Client(cfg, env)
	lc, err := s3c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(names["ArchiveBucket"])})
	if err != nil || len(lc.Rules) != 1 || aws.ToInt32(lc.Rules[0].Expiration.Days) != 30 {
		t.Errorf("archive bucket lifecycle: %+v %v, want bodies expiring after BodyRetentionDays (30)", lc, err)
	}
	for _, id := range []string{"ArchiveBucket", "SiteBucket"} {
		pab, err := s3c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(names[id])})
		if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
			t.Errorf("%s public-access block: %+v %v", id, pab, err)
		}
	}

	sender := resolver.Refs["SenderAddress"]
	ses := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(endpoint) })
	_, err = ses.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(sender),
		Destination:      &sestypes.Destination{ToAddresses: []string{"someone@pizzeria.test"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("hi")},
			Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("hi")}}}},
	})
	if err != nil {
		t.Errorf("send as SenderAddress %q: %v", sender, err)
	}
}

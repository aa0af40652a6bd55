package local

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	testenv.CheckTableSettings(t, dynamoClient(cfg, env), names["Table"])
	s3c := s3Client(cfg, env)
	testenv.CheckBucketSettings(t, s3c, names["ArchiveBucket"], true)
	testenv.CheckBucketSettings(t, s3c, names["SiteBucket"], false)

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

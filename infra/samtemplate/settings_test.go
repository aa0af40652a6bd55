package samtemplate

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestBucketSettingsRefusesWhatItCannotCarry: a lifecycle property the
// local stack does not map is an error, not a rule quietly applied without
// it; parameters resolve to their defaults.
func TestBucketSettingsRefusesWhatItCannotCarry(t *testing.T) {
	const doc = `
Parameters:
  Days: { Type: Number, Default: 7 }
Resources:
  Good:
    Type: AWS::S3::Bucket
    Properties:
      LifecycleConfiguration:
        Rules: [{ Id: R, Status: Enabled, ExpirationInDays: !Ref Days }]
  Bad:
    Type: AWS::S3::Bucket
    Properties:
      LifecycleConfiguration:
        Rules: [{ Id: R, Status: Enabled, Transitions: [{ StorageClass: GLACIER, TransitionInDays: 1 }] }]
`
	tpl, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	lc, block, err := tpl.BucketSettings("Good", "b", tpl.Defaults())
	if err != nil || block != nil || len(lc.LifecycleConfiguration.Rules) != 1 || aws.ToInt32(lc.LifecycleConfiguration.Rules[0].Expiration.Days) != 7 {
		t.Errorf("good bucket: %+v %+v %v", lc, block, err)
	}
	if _, _, err := tpl.BucketSettings("Bad", "b", tpl.Defaults()); err == nil || !strings.Contains(err.Error(), "Transitions") {
		t.Errorf("bad bucket: %v, want an error naming Transitions", err)
	}
	if _, _, err := tpl.TableSettings("Good", "t"); err == nil {
		t.Error("a bucket is not a table")
	}
}

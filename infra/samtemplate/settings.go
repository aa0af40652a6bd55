package samtemplate

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Defaults resolves !Ref of the template's parameters to their defaults, the
// values a stack gets when nothing is overridden.
func (t *Template) Defaults() Resolver {
	r := Resolver{Refs: map[string]string{}, Attrs: map[string]string{}}
	for name, p := range t.Parameters {
		if p.Default != nil {
			r.Refs[name] = fmt.Sprint(p.Default)
		}
	}
	return r
}

// TableSettings returns the calls that give table name the TTL and
// point-in-time recovery of the AWS::DynamoDB::Table logicalID; nil for
// what the template leaves off.
func (t *Template) TableSettings(logicalID, name string) (*dynamodb.UpdateTimeToLiveInput, *dynamodb.UpdateContinuousBackupsInput, error) {
	res, ok := t.Resources[logicalID]
	if !ok || res.Type != "AWS::DynamoDB::Table" {
		return nil, nil, fmt.Errorf("no AWS::DynamoDB::Table %q in template", logicalID)
	}
	var ttl *dynamodb.UpdateTimeToLiveInput
	if spec, ok := res.Properties["TimeToLiveSpecification"].(map[string]any); ok {
		attr, _ := spec["AttributeName"].(string)
		enabled, _ := spec["Enabled"].(bool)
		if attr == "" {
			return nil, nil, fmt.Errorf("table %s: TimeToLiveSpecification has no AttributeName", logicalID)
		}
		ttl = &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(enabled)}}
	}
	var pitr *dynamodb.UpdateContinuousBackupsInput
	if spec, ok := res.Properties["PointInTimeRecoverySpecification"].(map[string]any); ok {
		if on, _ := spec["PointInTimeRecoveryEnabled"].(bool); on {
			pitr = &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String(name),
				PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}
		}
	}
	return ttl, pitr, nil
}

// BucketSettings returns the calls that give bucket name the lifecycle rules
// and public-access block of the AWS::S3::Bucket logicalID; nil for what the
// template leaves off. A rule property not mapped here is an error, so the
// template cannot gain a setting that emulated backends silently drop.
func (t *Template) BucketSettings(logicalID, name string, r Resolver) (*s3.PutBucketLifecycleConfigurationInput, *s3.PutPublicAccessBlockInput, error) {
	res, ok := t.Resources[logicalID]
	if !ok || res.Type != "AWS::S3::Bucket" {
		return nil, nil, fmt.Errorf("no AWS::S3::Bucket %q in template", logicalID)
	}
	var block *s3.PutPublicAccessBlockInput
	if spec, ok := res.Properties["PublicAccessBlockConfiguration"].(map[string]any); ok {
		flag := func(k string) *bool { v, _ := spec[k].(bool); return aws.Bool(v) }
		block = &s3.PutPublicAccessBlockInput{Bucket: aws.String(name), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: flag("BlockPublicAcls"), BlockPublicPolicy: flag("BlockPublicPolicy"),
			IgnorePublicAcls: flag("IgnorePublicAcls"), RestrictPublicBuckets: flag("RestrictPublicBuckets"),
		}}
	}
	var lifecycle *s3.PutBucketLifecycleConfigurationInput
	if spec, ok := res.Properties["LifecycleConfiguration"].(map[string]any); ok {
		var rules []s3types.LifecycleRule
		for i, raw := range asSlice(spec["Rules"]) {
			rule, err := lifecycleRule(raw, r)
			if err != nil {
				return nil, nil, fmt.Errorf("bucket %s, lifecycle rule %d: %w", logicalID, i, err)
			}
			rules = append(rules, rule)
		}
		lifecycle = &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(name),
			LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}}
	}
	return lifecycle, block, nil
}

// lifecycleRule maps one CloudFormation lifecycle rule onto the S3 API's
// shape, whose names differ (ExpirationInDays is Expiration.Days).
func lifecycleRule(raw any, r Resolver) (s3types.LifecycleRule, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return s3types.LifecycleRule{}, fmt.Errorf("not a mapping: %v", raw)
	}
	rule := s3types.LifecycleRule{Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("")}}
	for k, v := range m {
		switch k {
		case "Id":
			rule.ID = aws.String(fmt.Sprint(v))
		case "Status":
			rule.Status = s3types.ExpirationStatus(fmt.Sprint(v))
		case "Prefix":
			rule.Filter.Prefix = aws.String(fmt.Sprint(v))
		case "ExpirationInDays":
			days, err := resolveInt(r, v)
			if err != nil {
				return rule, fmt.Errorf("ExpirationInDays: %w", err)
			}
			rule.Expiration = &s3types.LifecycleExpiration{Days: aws.Int32(days)}
		case "AbortIncompleteMultipartUpload":
			sub, _ := v.(map[string]any)
			days, err := resolveInt(r, sub["DaysAfterInitiation"])
			if err != nil {
				return rule, fmt.Errorf("AbortIncompleteMultipartUpload: %w", err)
			}
			rule.AbortIncompleteMultipartUpload = &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(days)}
		default:
			return rule, fmt.Errorf("property %s is not supported by the local stack", k)
		}
	}
	return rule, nil
}

func resolveInt(r Resolver, v any) (int32, error) {
	s, err := r.Resolve(v)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return int32(n), nil
}

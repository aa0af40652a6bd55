// Package s3store keeps request and response bodies in the archive bucket.
package s3store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Archive is the bucket of archived bodies.
type Archive struct {
	client *s3.Client
	bucket string
}

// New returns the archive kept in bucket.
func New(client *s3.Client, bucket string) *Archive {
	return &Archive{client: client, bucket: bucket}
}

// Probe reports whether the bucket exists and this role may list it.
func (a *Archive) Probe(ctx context.Context) error {
	if _, err := a.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(a.bucket)}); err != nil {
		return fmt.Errorf("head bucket %s: %w", a.bucket, err)
	}
	return nil
}

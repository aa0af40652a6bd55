package s3store

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.BodyBatches = (*Archive)(nil)

// batchKey places an account's bodies of one minute under the tenant and
// day, so the lifecycle rule and any audit can work by prefix
// (bodies/<account>/).
func batchKey(accountID string, minute time.Time) string {
	return fmt.Sprintf("bodies/%s/%s.json.gz", accountID, minute.UTC().Format("2006/01/02/1504"))
}

// PutBatch stores the bodies as one gzip-compressed JSON object (request id
// → both sides). Bodies are JSON text that compresses several times over.
func (a *Archive) PutBatch(ctx context.Context, accountID string, minute time.Time, bodies map[string]switchboard.CallBodies) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(bodies); err != nil {
		return fmt.Errorf("encode bodies of %s at %s: %w", accountID, minute.Format(time.RFC3339), err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress bodies of %s: %w", accountID, err)
	}
	_, err := a.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(a.bucket),
		Key:         aws.String(batchKey(accountID, minute)),
		Body:        bytes.NewReader(buf.Bytes()),
		ContentType: aws.String("application/gzip"),
	})
	if err != nil {
		return fmt.Errorf("put bodies of %s at %s: %w", accountID, minute.Format(time.RFC3339), err)
	}
	return nil
}

// GetBatch reads one batch; ENotFound when it was never written or the
// lifecycle rule removed it.
func (a *Archive) GetBatch(ctx context.Context, accountID string, minute time.Time) (map[string]switchboard.CallBodies, error) {
	out, err := a.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(a.bucket), Key: aws.String(batchKey(accountID, minute))})
	if isMissing(err) {
		return nil, switchboard.Errorf(switchboard.ENotFound, "no bodies archived for that minute")
	}
	if err != nil {
		return nil, fmt.Errorf("get bodies of %s at %s: %w", accountID, minute.Format(time.RFC3339), err)
	}
	defer out.Body.Close()
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read bodies of %s at %s: %w", accountID, minute.Format(time.RFC3339), err)
	}
	var bodies map[string]switchboard.CallBodies
	if err := json.NewDecoder(io.LimitReader(zr, 256<<20)).Decode(&bodies); err != nil {
		return nil, fmt.Errorf("decode bodies of %s at %s: %w", accountID, minute.Format(time.RFC3339), err)
	}
	return bodies, nil
}

// isMissing reports whether err says the object does not exist: HeadObject
// has no body to carry NoSuchKey, so S3 answers a bare 404 (NotFound).
func isMissing(err error) bool {
	var notFound *types.NotFound
	var noKey *types.NoSuchKey
	return errors.As(err, &notFound) || errors.As(err, &noKey)
}

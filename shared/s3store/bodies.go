package s3store

import (
	"bytes"
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

var _ switchboard.BodyArchive = (*Archive)(nil)

// MaxDownloadURLLifetime caps presigned downloads: long enough to click,
// too short to share.
const MaxDownloadURLLifetime = 5 * time.Minute

// bodyKey places a body under its tenant and day, so the lifecycle rule and
// any audit can work by prefix.
func bodyKey(c switchboard.Call, kind switchboard.BodyKind) string {
	return fmt.Sprintf("bodies/%s/%s/%s/%s/%s.json", c.AccountID, c.ConnectionID, c.At.UTC().Format("2006/01/02"), c.RequestID, kind)
}

// PutBody stores one side of a call as a JSON document.
func (a *Archive) PutBody(ctx context.Context, c switchboard.Call, kind switchboard.BodyKind, body switchboard.ArchivedBody) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("marshal %s body: %w", kind, err)
	}
	_, err = a.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(a.bucket),
		Key:         aws.String(bodyKey(c, kind)),
		Body:        bytes.NewReader(b),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("put %s body of %s: %w", kind, c.RequestID, err)
	}
	return nil
}

// GetBody reads one side of a call.
func (a *Archive) GetBody(ctx context.Context, c switchboard.Call, kind switchboard.BodyKind) (switchboard.ArchivedBody, error) {
	out, err := a.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(a.bucket), Key: aws.String(bodyKey(c, kind))})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return switchboard.ArchivedBody{}, switchboard.Errorf(switchboard.ENotFound, "the %s body is not available", kind)
	}
	if err != nil {
		return switchboard.ArchivedBody{}, fmt.Errorf("get %s body of %s: %w", kind, c.RequestID, err)
	}
	defer out.Body.Close()
	raw, err := io.ReadAll(out.Body)
	if err != nil {
		return switchboard.ArchivedBody{}, fmt.Errorf("read %s body of %s: %w", kind, c.RequestID, err)
	}
	var body switchboard.ArchivedBody
	if err := json.Unmarshal(raw, &body); err != nil {
		return switchboard.ArchivedBody{}, fmt.Errorf("decode %s body of %s: %w", kind, c.RequestID, err)
	}
	return body, nil
}

// DownloadURL presigns a GET that S3 answers as an attachment. It first
// checks the body is still there (one HeadObject): a body the lifecycle rule
// has removed is ENotFound here, with a message that says so, instead of a
// link to S3's own 404 page.
func (a *Archive) DownloadURL(ctx context.Context, c switchboard.Call, kind switchboard.BodyKind, ttl time.Duration) (string, error) {
	ttl = min(ttl, MaxDownloadURLLifetime)
	_, err := a.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(a.bucket), Key: aws.String(bodyKey(c, kind))})
	if isMissing(err) {
		return "", switchboard.Errorf(switchboard.ENotFound, "The %s body of this call has expired: archived bodies are deleted after the retention period.", kind)
	}
	if err != nil {
		return "", fmt.Errorf("check %s body of %s: %w", kind, c.RequestID, err)
	}
	req, err := s3.NewPresignClient(a.client).PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket:                     aws.String(a.bucket),
		Key:                        aws.String(bodyKey(c, kind)),
		ResponseContentType:        aws.String("application/json"),
		ResponseContentDisposition: aws.String(fmt.Sprintf(`attachment; filename="%s-%s.json"`, c.RequestID, kind)),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign %s body of %s: %w", kind, c.RequestID, err)
	}
	return req.URL, nil
}

// isMissing reports whether err says the object does not exist: HeadObject
// has no body to carry NoSuchKey, so S3 answers a bare 404 (NotFound).
func isMissing(err error) bool {
	var notFound *types.NotFound
	var noKey *types.NoSuchKey
	return errors.As(err, &notFound) || errors.As(err, &noKey)
}

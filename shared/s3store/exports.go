package s3store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.ExportFiles = (*Exports)(nil)

// ExportPrefix is where export parts live in the archive bucket; the
// bucket's lifecycle rule on it deletes them after seven days.
const ExportPrefix = "exports/"

// ExportURLLifetime is how long a download link works: the list is read
// when the page shows it, and a role's presigned URL dies with the role's
// session anyway.
const ExportURLLifetime = time.Hour

// Exports writes and signs export parts.
type Exports struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

// NewExports returns the export files of bucket.
func NewExports(client *s3.Client, bucket string) *Exports {
	return &Exports{client: client, presign: s3.NewPresignClient(client), bucket: bucket}
}

// ExportPartKey places a part under its account and job, so the lifecycle
// rule and any audit work by prefix.
func ExportPartKey(accountID, exportID string, number int, ext string) string {
	return fmt.Sprintf("%s%s/%s/part-%04d.%s", ExportPrefix, accountID, exportID, number, ext)
}

// PutPart writes one part in one request; a rerun of the same part
// replaces it. The object carries its download name too, for clients
// that fetch it without the URL's override.
func (e *Exports) PutPart(ctx context.Context, key, contentType, filename string, body []byte) error {
	_, err := e.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:             aws.String(e.bucket),
		Key:                aws.String(key),
		Body:               bytes.NewReader(body),
		ContentType:        aws.String(contentType),
		ContentDisposition: aws.String(attachment(filename)),
	})
	if err != nil {
		return fmt.Errorf("put export part %s: %w", key, err)
	}
	return nil
}

// PartURL presigns a GET of the part that S3 answers as an attachment
// named filename. Presigning calls nothing: the URL carries the role's
// signature, and S3 checks s3:GetObject when it is used.
func (e *Exports) PartURL(ctx context.Context, key, filename string) (string, error) {
	req, err := e.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket:                     aws.String(e.bucket),
		Key:                        aws.String(key),
		ResponseContentDisposition: aws.String(attachment(filename)),
	}, s3.WithPresignExpires(ExportURLLifetime))
	if err != nil {
		return "", fmt.Errorf("presign export part %s: %w", key, err)
	}
	return req.URL, nil
}

// attachment is a Content-Disposition naming filename, which the export
// builds from ids and times only (letters, digits, '-', '_', '.').
func attachment(filename string) string { return `attachment; filename="` + filename + `"` }

package platform

import "github.com/aws/aws-sdk-go-v2/service/sesv2"

// SESv2 returns an SES v2 client built from the shared configuration; the
// SDK reads AWS_ENDPOINT_URL_SESV2 itself, which points it at the emulator
// locally.
func (e *Env) SESv2() *sesv2.Client { return sesv2.NewFromConfig(e.AWS) }

// Package sesmail sends Switchboard's email through Amazon SES v2.
package sesmail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Mailer sends from one verified SES identity.
type Mailer struct {
	client *sesv2.Client
	from   string
}

var _ switchboard.Mailer = (*Mailer)(nil)

// New returns a Mailer sending from the address from (env.Config.SenderAddress).
func New(client *sesv2.Client, from string) *Mailer {
	return &Mailer{client: client, from: from}
}

// SendEmail sends m as a simple message with an HTML and a text part.
func (m *Mailer) SendEmail(ctx context.Context, msg switchboard.Email) error {
	if m.from == "" {
		return errors.New("no sender address configured (SENDER_ADDRESS)")
	}
	utf8 := aws.String("UTF-8")
	body := &types.Body{Text: &types.Content{Data: aws.String(msg.Text), Charset: utf8}}
	if msg.HTML != "" {
		body.Html = &types.Content{Data: aws.String(msg.HTML), Charset: utf8}
	}
	simple := &types.Message{
		Subject: &types.Content{Data: aws.String(msg.Subject), Charset: utf8},
		Body:    body,
	}
	if msg.ListUnsubscribe != "" {
		// SES v2 sets custom headers on simple messages (SDK v1.79+), so the
		// message need not be built as raw MIME.
		simple.Headers = []types.MessageHeader{{Name: aws.String("List-Unsubscribe"), Value: aws.String(msg.ListUnsubscribe)}}
	}
	_, err := m.client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: []string{msg.To}},
		Content:          &types.EmailContent{Simple: simple},
	})
	if err == nil {
		return nil
	}
	// A refused message will not pass on a retry; anything else may.
	var rejected *types.MessageRejected
	var badRequest *types.BadRequestException
	var notVerified *types.MailFromDomainNotVerifiedException
	if errors.As(err, &rejected) || errors.As(err, &badRequest) || errors.As(err, &notVerified) {
		return fmt.Errorf("%w: %w", switchboard.Errorf(switchboard.EInvalid, "The email was refused by the mail service."), err)
	}
	return fmt.Errorf("%w: %w", switchboard.Errorf(switchboard.EUnavailable, "The mail service cannot be reached right now."), err)
}

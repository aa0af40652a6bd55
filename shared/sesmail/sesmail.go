// Package sesmail sends Switchboard's email through Amazon SES v2.
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	return classify(err)
}

// classify turns an SES error into the Mailer's codes. What is refused
// because of the sender or the account (an unverified identity, the sandbox,
// paused sending) is fixed by an operator, not by changing the message, so it
// is unavailable rather than invalid: a digest stays pending and goes out
// once the identity is verified.
func classify(err error) error {
	var rejected *types.MessageRejected
	var badRequest *types.BadRequestException
	var mailFrom *types.MailFromDomainNotVerifiedException
	var paused *types.SendingPausedException
	var suspended *types.AccountSuspendedException
	switch {
	case errors.As(err, &mailFrom), errors.As(err, &paused), errors.As(err, &suspended),
		// SES: "Email address is not verified. The following identities
		// failed the check…" for the sender, or in the sandbox for a
		// recipient; moto: "Email address not verified …".
		errors.As(err, &rejected) && strings.Contains(strings.ToLower(rejected.ErrorMessage()), "not verified"):
		return fmt.Errorf("%w: %w: %w", switchboard.Errorf(switchboard.EUnavailable, "The mail service does not accept mail from this sender yet."), switchboard.ErrSenderNotReady, err)
	case errors.As(err, &rejected), errors.As(err, &badRequest):
		// A refused message will not pass on a retry.
		return fmt.Errorf("%w: %w", switchboard.Errorf(switchboard.EInvalid, "The email was refused by the mail service."), err)
	}
	return fmt.Errorf("%w: %w", switchboard.Errorf(switchboard.EUnavailable, "The mail service cannot be reached right now."), err)
}

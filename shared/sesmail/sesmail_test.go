package sesmail_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/switchboard-hq/switchboard/infra/provision"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestUnverifiedSenderIsNotPermanent: SES (here moto, which checks the
// sender as SES does) refuses mail from an unverified identity. That is
// the operator's to fix, so the Mailer reports it as unavailable and
// ErrSenderNotReady, never as a refused message; once the identity is
// verified the same message goes out.
func TestUnverifiedSenderIsNotPermanent(t *testing.T) {
	client := sesv2.NewFromConfig(testenv.MustMotoConfig(t))
	from := "unverified-" + t.Name() + "@sender.test"
	m := sesmail.New(client, from)
	msg := switchboard.Email{To: "someone@pizzeria.test", Subject: "Hello", Text: "Hi", HTML: "<p>Hi</p>"}

	err := m.SendEmail(context.Background(), msg)
	if switchboard.ErrorCode(err) != switchboard.EUnavailable || !errors.Is(err, switchboard.ErrSenderNotReady) {
		t.Fatalf("unverified sender: %v (code %q), want unavailable and ErrSenderNotReady", err, switchboard.ErrorCode(err))
	}
	if err := provision.SenderIdentity(context.Background(), client, from); err != nil {
		t.Fatal(err)
	}
	if err := m.SendEmail(context.Background(), msg); err != nil {
		t.Fatalf("after verifying the sender: %v", err)
	}
	if err := provision.SenderIdentity(context.Background(), client, from); err != nil {
		t.Errorf("making an identity that exists: %v", err)
	}
}

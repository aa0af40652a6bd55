package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// SentEmail is one message that the backend's SES accepted, as far as the
// backend keeps it: moto keeps only one body part (the HTML one when there
// is one) and no headers, so on moto Text and Headers are empty.
type SentEmail struct {
	From    string
	To      []string
	Subject string
	HTML    string
	Text    string
	Headers []Header
}

// Header is a custom header of a sent message.
type Header struct{ Name, Value string }

// Mailbox reads the messages a backend's SES accepted, oldest first. Each
// emulator has its own way to show them; real SES keeps no copy.
type Mailbox interface {
	Sent(ctx context.Context) ([]SentEmail, error)
}

// MustSentMail returns every message the test backend's SES accepted, or
// skips tb, saying why, on a backend that has no way to read sent mail.
func MustSentMail(tb testing.TB) []SentEmail {
	tb.Helper()
	b := MustBackend(tb)
	if b.Mailbox == nil {
		tb.Skipf("the %s backend has no way to read sent mail: %s", b.Kind, b.NoMailbox)
	}
	sent, err := b.Mailbox.Sent(context.Background())
	if err != nil {
		tb.Fatalf("read sent mail from the %s backend: %v", b.Kind, err)
	}
	return sent
}

// sesV2Local reads aws-ses-v2-local's GET /store.
type sesV2Local struct{ url string }

func (m sesV2Local) Sent(ctx context.Context) ([]SentEmail, error) {
	var store struct {
		Emails []struct {
			From        string
			Destination struct{ To []string }
			Subject     string
			Body        struct{ HTML, Text string }
			Headers     []Header
		}
	}
	if err := getJSON(ctx, m.url+"/store", &store); err != nil {
		return nil, err
	}
	out := make([]SentEmail, 0, len(store.Emails))
	for _, e := range store.Emails {
		out = append(out, SentEmail{From: e.From, To: e.Destination.To, Subject: e.Subject, HTML: e.Body.HTML, Text: e.Body.Text, Headers: e.Headers})
	}
	return out, nil
}

// motoMailbox reads moto's GET /moto-api/data.json, which lists every model
// instance moto holds; sent simple messages are ses.Message, with one body:
// the HTML part when the message has one, else the text part.
type motoMailbox struct{ url string }

func (m motoMailbox) Sent(ctx context.Context) ([]SentEmail, error) {
	var data struct {
		SES struct {
			Message []struct {
				Source, Subject, Body string
				Destinations          struct{ ToAddresses []string }
			}
		} `json:"ses"`
	}
	if err := getJSON(ctx, m.url+"/moto-api/data.json", &data); err != nil {
		return nil, err
	}
	out := make([]SentEmail, 0, len(data.SES.Message))
	for _, e := range data.SES.Message {
		out = append(out, SentEmail{From: e.Source, To: e.Destinations.ToAddresses, Subject: e.Subject, HTML: e.Body})
	}
	return out, nil
}

// localStackMailbox reads LocalStack's GET /_aws/ses.
type localStackMailbox struct{ url string }

func (m localStackMailbox) Sent(ctx context.Context) ([]SentEmail, error) {
	var data struct {
		Messages []struct {
			Source, Subject string
			Destination     struct{ ToAddresses []string }
			Body            struct {
				Text string `json:"text_part"`
				HTML string `json:"html_part"`
			}
			Timestamp string
		} `json:"messages"`
	}
	if err := getJSON(ctx, m.url+"/_aws/ses", &data); err != nil {
		return nil, err
	}
	out := make([]SentEmail, 0, len(data.Messages))
	for _, e := range data.Messages {
		out = append(out, SentEmail{From: e.Source, To: e.Destination.ToAddresses, Subject: e.Subject, HTML: e.Body.HTML, Text: e.Body.Text})
	}
	return out, nil
}

// moto's data.json lists every object it holds, of every service: on a
// busy machine after a long run it takes tens of seconds.
var httpClient = &http.Client{Timeout: 3 * time.Minute}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

package digest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// mustConnectionEvent records an event of connection conn of app, with its
// instance label (after the change, as the log keeps it); reason tells the
// events apart in the mail.
func (f fixture) mustConnectionEvent(t *testing.T, id string, typ switchboard.AppEventType, app, conn, label, at string) {
	t.Helper()
	c := &switchboard.Connection{ID: conn, AccountID: f.account.ID, AppID: app, AppName: appNames[app], LocationID: "loc-1", InstanceLabel: label}
	e := switchboard.AppEvent{ID: id, AccountID: f.account.ID, Type: typ, ConnectionID: conn, AppID: app, LocationID: "loc-1",
		ActorType: switchboard.ActorUser, ActorUserID: "usr-admin", At: mustTime(t, at), After: c, Reason: "reason " + id}
	if err := f.store.RecordEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// TestDigestNamesInstanceAndSkipsLiftedBlocks: the disconnections digest,
// read back from the SES emulator, names each connection's instance label,
// and leaves out a block the event log shows lifted by the time it is sent
// (in the period or after it), but keeps one lifted only after the send and
// a block of another instance of the same app.
func TestDigestNamesInstanceAndSkipsLiftedBlocks(t *testing.T) {
	f := mustFixture(t, "UTC")
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-lost", Name: "Lost access", Type: switchboard.RuleDisconnect,
		Frequency: switchboard.Hourly, AllApps: true, CreatedAt: mustTime(t, "2026-11-24T10:00:00Z"),
		Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSpecific, UserIDs: []string{"usr-admin"}}})
	// Till 1: blocked, lifted within the hour.
	f.mustConnectionEvent(t, "ev-till1-block", switchboard.EventBlocked, "app-pos", "conn-till1", "Till 1", "2026-11-24T10:05:00Z")
	f.mustConnectionEvent(t, "ev-till1-unblock", switchboard.EventUnblocked, "app-pos", "conn-till1", "Till 1", "2026-11-24T10:15:00Z")
	// Till 2: blocked, lifted after the hour but before the digest is sent.
	f.mustConnectionEvent(t, "ev-till2-block", switchboard.EventBlocked, "app-pos", "conn-till2", "Till 2", "2026-11-24T10:20:00Z")
	f.mustConnectionEvent(t, "ev-till2-unblock", switchboard.EventUnblocked, "app-pos", "conn-till2", "Till 2", "2026-11-24T11:02:00Z")
	// Till 3: unblocked earlier, then blocked again: the block stands.
	f.mustConnectionEvent(t, "ev-till3-unblock", switchboard.EventUnblocked, "app-pos", "conn-till3", "Till 3", "2026-11-24T10:01:00Z")
	f.mustConnectionEvent(t, "ev-till3-block", switchboard.EventBlocked, "app-pos", "conn-till3", "Till 3", "2026-11-24T10:30:00Z")
	// Kiosk: blocked, lifted only after the digest went out.
	f.mustConnectionEvent(t, "ev-kiosk-block", switchboard.EventBlocked, "app-pos", "conn-kiosk", "Kiosk", "2026-11-24T10:40:00Z")
	f.mustConnectionEvent(t, "ev-kiosk-unblock", switchboard.EventUnblocked, "app-pos", "conn-kiosk", "Kiosk", "2026-11-24T11:30:00Z")
	// No label: nothing to name.
	f.mustConnectionEvent(t, "ev-drop-block", switchboard.EventBlocked, "app-drop", "conn-drop", "", "2026-11-24T10:50:00Z")

	s := f.sender(f.realMailer())
	s.Now = func() time.Time { return mustTime(t, "2026-11-24T11:05:00Z") }
	rep := mustRun(t, s, switchboard.Hourly, "2026-11-24T11:05:00Z")
	if rep.Sent != 1 || rep.Events != 3 {
		t.Errorf("report %+v, want 1 email of 3 events", rep)
	}
	mail := f.sentMail(t)
	if got := counts(mail); got != "admin:1" {
		t.Fatalf("mail sent: %s", got)
	}
	m := mail["admin"][0]
	for _, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, want := range []string{"reason ev-till3-block", "instance “Till 3”", "reason ev-kiosk-block", "instance “Kiosk”", "reason ev-drop-block"} {
			if !strings.Contains(body, want) {
				t.Errorf("the digest lacks %q:\n%s", want, body)
			}
		}
		for _, lifted := range []string{"ev-till1", "ev-till2", "Till 1", "Till 2"} {
			if strings.Contains(body, lifted) {
				t.Errorf("the digest reports a lifted block (%s):\n%s", lifted, body)
			}
		}
	}
	if !strings.Contains(m.Subject, "3 events") {
		t.Errorf("subject %q", m.Subject)
	}
	for _, line := range strings.Split(m.Text, "\n") {
		if strings.Contains(line, "reason ev-drop-block") && strings.Contains(line, "instance") {
			t.Errorf("a connection without a label is named: %s", line)
		}
	}
}

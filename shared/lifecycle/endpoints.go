package lifecycle

import (
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// saveTries bounds the read-modify-write of an endpoint under contention:
// each conflict means another writer's outcome landed, so the next try
// starts from it and no outcome is lost or counted twice.
const saveTries = 40

// updateEndpoint applies change to the app's endpoint with a versioned
// write, again from a fresh read after each conflict.
func updateEndpoint(ctx context.Context, store switchboard.EndpointStore, appID string, change func(*switchboard.CallbackEndpoint) bool) (switchboard.CallbackEndpoint, error) {
	for range saveTries {
		e, err := store.GetCallbackEndpoint(ctx, appID)
		if err != nil {
			return switchboard.CallbackEndpoint{}, err
		}
		if !change(&e) {
			return e, nil
		}
		saved, err := store.SaveCallbackEndpoint(ctx, e)
		if switchboard.ErrorCode(err) == switchboard.EConflict {
			// A little jitter spreads the writers that lost together.
			time.Sleep(time.Duration(rand.IntN(5)+1) * time.Millisecond)
			continue
		}
		return saved, err
	}
	return switchboard.CallbackEndpoint{}, fmt.Errorf("callback endpoint of %s: still changing after %d tries", appID, saveTries)
}

func (c *Callbacks) disableAfter() time.Duration {
	if c.DisableAfter > 0 {
		return c.DisableAfter
	}
	return switchboard.DefaultEndpointDisableAfter
}

// observe counts one posted attempt in the app's endpoint health and
// reports whether the endpoint is disabled after it.
func (c *Callbacks) observe(ctx context.Context, appID string, a switchboard.DeliveryAttempt) bool {
	if c.Endpoints == nil {
		return false
	}
	var notice string
	e, err := updateEndpoint(ctx, c.Endpoints, appID, func(e *switchboard.CallbackEndpoint) bool {
		notice = e.Observe(a, c.disableAfter())
		return true
	})
	if err != nil {
		// The delivery is still recorded and retried; only its count is
		// missing from the endpoint's rates.
		platform.Logger(ctx).Error("callback endpoint health not updated", "appId", appID, "error", err)
		return false
	}
	if notice == switchboard.NoticeDisabled {
		platform.Logger(ctx).Warn("callback endpoint disabled", "appId", appID, "status", a.Status)
	}
	return e.Disabled()
}

// requireEnabled refuses a manual redelivery while the endpoint is
// disabled: it would only be recorded as failed again.
func (c *Callbacks) requireEnabled(ctx context.Context, appID string) error {
	if c.Endpoints == nil {
		return nil
	}
	e, err := c.Endpoints.GetCallbackEndpoint(ctx, appID)
	if err != nil {
		return err
	}
	if e.Disabled() {
		return switchboard.Errorf(switchboard.EConflict, "The app's callback endpoint is disabled; its developer must enable it again first.")
	}
	return nil
}

// EnableEndpoint lets attempts reach the app's endpoint again.
func (c *Callbacks) EnableEndpoint(ctx context.Context, appID string) (switchboard.CallbackEndpoint, error) {
	now := c.Now().UTC()
	return updateEndpoint(ctx, c.Endpoints, appID, func(e *switchboard.CallbackEndpoint) bool {
		e.Enable(now)
		return true
	})
}

// Notices emails an app's developer (the active admins of the account that
// owns the app) what its endpoint's outcomes called for. It runs in the
// retrier, the one function given SES, rather than in every function that
// attempts a callback.
type Notices struct {
	Endpoints switchboard.EndpointStore
	Apps      switchboard.DeveloperAppStore
	Users     switchboard.UserDirectory
	Mailer    switchboard.Mailer
	// SiteOrigin is the admin site's origin from the configuration, for
	// the link to the developer page.
	SiteOrigin string
	Now        func() time.Time
}

// noticeLease keeps a notice from a second sender while one sends it.
const noticeLease = 5 * time.Minute

// Send sends the notices due, each under a lease taken with a versioned
// write, and clears each once sent. A run killed between sending and
// clearing sends it again when the lease ends: at least once, never two
// runs at the same time. It returns how many emails went out.
func (n *Notices) Send(ctx context.Context) (int, error) {
	now := n.Now().UTC()
	due, err := n.Endpoints.ListEndpointNotices(ctx, now, 20)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []string
	for _, e := range due {
		k, err := n.sendOne(ctx, e, now)
		sent += k
		if err != nil {
			errs = append(errs, fmt.Sprintf("notice of %s: %v", e.AppID, err))
		}
	}
	if len(errs) > 0 {
		return sent, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return sent, nil
}

func (n *Notices) sendOne(ctx context.Context, e switchboard.CallbackEndpoint, now time.Time) (int, error) {
	lease := now.Add(noticeLease)
	e.NoticeDue = &lease
	claimed, err := n.Endpoints.SaveCallbackEndpoint(ctx, e)
	if switchboard.ErrorCode(err) == switchboard.EConflict {
		return 0, nil // another run has it, or an outcome changed it: the next run sees it
	}
	if err != nil {
		return 0, err
	}
	app, err := n.Apps.GetDeveloperApp(ctx, e.AppID)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return 0, n.clear(ctx, claimed) // the app is gone: nobody to tell
	}
	if err != nil {
		return 0, err
	}
	users, err := n.Users.ListUsers(ctx, app.OwnerAccountID)
	if err != nil {
		return 0, err
	}
	msg := n.message(app, claimed)
	sent := 0
	for _, u := range users {
		if u.Status != switchboard.UserActive || !u.Active || !u.Role.CanManage() {
			continue
		}
		msg.To = u.Email
		err := n.Mailer.SendEmail(ctx, msg)
		if switchboard.ErrorCode(err) == switchboard.EInvalid {
			// Refused for this address: a retry would fail the same way
			// and mail the others again.
			platform.Logger(ctx).Error("endpoint notice refused for a recipient", "appId", e.AppID, "userId", u.ID, "error", err)
			continue
		}
		if err != nil {
			// Left leased: the next run after the lease sends it again.
			return sent, fmt.Errorf("send to %s: %w", u.ID, err)
		}
		sent++
	}
	return sent, n.clear(ctx, claimed)
}

// clear removes the sent notice, unless an outcome meanwhile called for a
// new one, which then stays for the next run.
func (n *Notices) clear(ctx context.Context, claimed switchboard.CallbackEndpoint) error {
	_, err := updateEndpoint(ctx, n.Endpoints, claimed.AppID, func(e *switchboard.CallbackEndpoint) bool {
		if e.Notice != claimed.Notice || !sameTime(e.NoticeAt, claimed.NoticeAt) {
			return false
		}
		e.Notice, e.NoticeAt, e.NoticeDue = "", nil, nil
		return true
	})
	return err
}

func sameTime(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}

// message writes the notice's email; the link comes from the
// configuration, never from a request.
func (n *Notices) message(app switchboard.DeveloperApp, e switchboard.CallbackEndpoint) switchboard.Email {
	link := n.SiteOrigin + "/#/developer"
	var subject, lead string
	switch e.Notice {
	case switchboard.NoticeDisabled:
		subject = "Callbacks to " + app.Name + " are disabled"
		lead = "Switchboard stopped sending lifecycle callbacks to " + app.Name + "'s endpoint " + app.CallbackURL + ". " + e.DisabledReason +
			" New events are kept as failed. Enable the endpoint again from My apps once it answers, and redeliver the events you missed."
	default:
		subject = "Callbacks to " + app.Name + " are failing"
		since := ""
		if e.FailingSince != nil {
			since = " since " + e.FailingSince.Format(time.RFC3339)
		}
		lead = "Lifecycle callbacks to " + app.Name + "'s endpoint " + app.CallbackURL + " are failing" + since +
			", after more than a day without a failure. Switchboard keeps retrying; if every delivery fails for a few days the endpoint is disabled."
	}
	text := lead + "\n\nSee its deliveries: " + link + "\n"
	body := "<p>" + html.EscapeString(lead) + "</p><p><a href=\"" + html.EscapeString(link) + "\">See its deliveries in My apps</a></p>"
	return switchboard.Email{Subject: subject, Text: text, HTML: body}
}

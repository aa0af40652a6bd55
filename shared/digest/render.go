package digest

import (
	"bytes"
	htmltemplate "html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 image has no zoneinfo; accounts name any IANA zone

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// message is everything one digest email shows.
type message struct {
	Rule       switchboard.NotificationRule
	Period     switchboard.Period
	Account    *accountData
	Events     []switchboard.AppEvent
	Recipient  switchboard.DirectoryUser
	SiteOrigin string
}

// view is the message as the templates read it: every string plain, the
// templates escape it (html/template by context, so a name cannot inject
// markup or a link).
type view struct {
	RuleName, Period, AccountName, Count string
	Apps                                 []appGroup
	RuleURL, SiteURL                     string
	Why                                  string
}

type appGroup struct {
	Name   string
	Events []eventLine
}

type eventLine struct {
	Time, What, Location, Instance, Actor, Reason, URL string
}

var eventLabels = map[switchboard.AppEventType]string{
	switchboard.EventInstalled:   "Installed",
	switchboard.EventReinstalled: "Reinstalled",
	switchboard.EventBlocked:     "Blocked (lost access)",
	switchboard.EventUninstalled: "Uninstalled",
	switchboard.EventErroring:    "Started erroring",
	// Added with the events the OAuth server records.
	switchboard.EventInstanceAdded: "Instance added",
	switchboard.EventAccessRevoked: "Access revoked (lost access)",
	switchboard.EventRateLimit:     "Near its rate limit",
}

var ruleTypeLabels = map[switchboard.RuleType]string{
	switchboard.RuleInstall:    "app installs",
	switchboard.RuleDisconnect: "app disconnections",
	switchboard.RuleUninstall:  "app uninstalls",
	switchboard.RuleErrors:     "apps that start erroring",
	switchboard.RuleRateLimit:  "connections near their rate limit",
}

var recipientReasons = map[switchboard.RecipientMode]string{
	switchboard.RecipientsSuperAdmins: "it is sent to the account's super admins",
	switchboard.RecipientsEveryone:    "it is sent to every user of the account",
	switchboard.RecipientsSpecific:    "you, or a team you belong to, were chosen as a recipient",
}

// periodLabel names the period in the account's zone.
func periodLabel(f switchboard.Frequency, p switchboard.Period, loc *time.Location) string {
	from, to := p.From.In(loc), p.To.In(loc)
	switch f {
	case switchboard.Hourly:
		return from.Format("Mon 2 Jan 2006, 15:04") + "–" + to.Format("15:04 MST")
	case switchboard.Daily:
		return from.Format("Monday 2 January 2006")
	case switchboard.Weekly:
		return "the week of " + from.Format("Monday 2 January 2006")
	}
	return from.Format("January 2006")
}

func actorLabel(e switchboard.AppEvent, users []switchboard.DirectoryUser) string {
	switch e.ActorType {
	case switchboard.ActorApp:
		return "the app"
	case switchboard.ActorSystem:
		return "Switchboard"
	}
	if e.ActorUserID == "" {
		return "someone"
	}
	for _, u := range users {
		if u.ID == e.ActorUserID {
			return u.Name
		}
	}
	return "a former user"
}

func appName(e switchboard.AppEvent) string {
	for _, c := range []*switchboard.Connection{e.After, e.Before} {
		if c != nil && c.AppName != "" {
			return c.AppName
		}
	}
	return e.AppID
}

// instanceLabel names the connection among the app's instances (a till,
// a kiosk), "" when it has no label.
func instanceLabel(e switchboard.AppEvent) string {
	for _, c := range []*switchboard.Connection{e.After, e.Before} {
		if c != nil && c.InstanceLabel != "" {
			return c.InstanceLabel
		}
	}
	return ""
}

func (m message) view() view {
	site := strings.TrimRight(m.SiteOrigin, "/")
	v := view{
		RuleName: m.Rule.Name, AccountName: m.Account.account.Name,
		Period:  periodLabel(m.Rule.Frequency, m.Period, m.Account.loc),
		RuleURL: site + "/#/notifications/" + url.PathEscape(m.Rule.ID),
		SiteURL: site + "/",
		Why: "You receive this " + string(m.Rule.Frequency) + " digest of " + ruleTypeLabels[m.Rule.Type] + " in " + m.Account.account.Name +
			" because " + recipientReasons[m.Rule.Recipients.Mode] + " of the notification rule “" + m.Rule.Name + "”.",
	}
	if len(m.Events) == 1 {
		v.Count = "1 event"
	} else {
		v.Count = strconv.Itoa(len(m.Events)) + " events"
	}
	byApp := map[string]*appGroup{}
	var order []string
	for _, e := range m.Events {
		name := appName(e)
		g, ok := byApp[e.AppID]
		if !ok {
			g = &appGroup{Name: name}
			byApp[e.AppID] = g
			order = append(order, e.AppID)
		}
		loc := "Account-wide"
		if e.LocationID != "" {
			loc = m.Account.locations[e.LocationID]
			if loc == "" {
				loc = e.LocationID
			}
		}
		what := eventLabels[e.Type]
		if what == "" {
			what = string(e.Type)
		}
		g.Events = append(g.Events, eventLine{
			Time: e.At.In(m.Account.loc).Format("Mon 2 Jan 15:04 MST"), What: what, Location: loc, Instance: instanceLabel(e),
			Actor: actorLabel(e, m.Account.users), Reason: e.Reason,
			URL: site + "/#/connections/" + url.PathEscape(e.ConnectionID) + "/logs",
		})
	}
	slices.SortStableFunc(order, func(a, b string) int {
		return strings.Compare(strings.ToLower(byApp[a].Name), strings.ToLower(byApp[b].Name))
	})
	for _, id := range order {
		v.Apps = append(v.Apps, *byApp[id])
	}
	return v
}

var htmlTemplate = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="font-family:system-ui,sans-serif;color:#1f2933">
<h1 style="font-size:20px">{{.RuleName}}</h1>
<p>{{.Count}} in {{.AccountName}}, {{.Period}}.</p>
{{range .Apps}}<h2 style="font-size:16px">{{.Name}}</h2>
<ul>{{range .Events}}
<li><strong>{{.What}}</strong> · {{.Time}} · {{.Location}}{{if .Instance}} · instance “{{.Instance}}”{{end}} · by {{.Actor}}{{if .Reason}} · {{.Reason}}{{end}} · <a href="{{.URL}}">Open in Switchboard</a></li>{{end}}
</ul>
{{end}}<p><a href="{{.SiteURL}}">Open Switchboard</a></p>
<hr>
<p style="font-size:12px;color:#52606d">{{.Why}} To change or stop it, edit the rule at <a href="{{.RuleURL}}">{{.RuleURL}}</a>.</p>
</body></html>
`))

var textTemplate = texttemplate.Must(texttemplate.New("text").Parse(`{{.RuleName}}
{{.Count}} in {{.AccountName}}, {{.Period}}.
{{range .Apps}}
{{.Name}}
{{range .Events}}- {{.What}} · {{.Time}} · {{.Location}}{{if .Instance}} · instance “{{.Instance}}”{{end}} · by {{.Actor}}{{if .Reason}} · {{.Reason}}{{end}}
  {{.URL}}
{{end}}{{end}}
Open Switchboard: {{.SiteURL}}

--
{{.Why}} To change or stop it, edit the rule at {{.RuleURL}}
`))

// render builds the email for one recipient.
func render(m message) (switchboard.Email, error) {
	v := m.view()
	var h, t bytes.Buffer
	if err := htmlTemplate.Execute(&h, v); err != nil {
		return switchboard.Email{}, err
	}
	if err := textTemplate.Execute(&t, v); err != nil {
		return switchboard.Email{}, err
	}
	return switchboard.Email{
		To:              m.Recipient.Email,
		Subject:         m.Rule.Name + ": " + v.Count + ", " + v.Period,
		HTML:            h.String(),
		Text:            t.String(),
		ListUnsubscribe: "<" + v.RuleURL + ">",
	}, nil
}

// Package demo is the data `make run` seeds in local and LocalStack modes
// only: a catalog of apps and the "Demo Pizzeria" account with one user per
// role. Tests seed the same data, so what a newcomer sees is what is tested.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// DefaultPassword is every demo user's password unless DEMO_PASSWORD is set.
const DefaultPassword = "switchboard-demo"

// Apps is the demo catalog: one app per kind a merchant meets (HubRise's
// ecosystem: point of sale, ordering, delivery, marketing, loyalty, BI, stock).
var Apps = []switchboard.App{
	{ID: "orderline-pos", Name: "OrderLine POS", Category: "pos", Level: switchboard.LevelLocation,
		Description: "Till software for restaurants: orders from every channel land on the till and in the kitchen.",
		Scopes:      []string{"orders.read", "orders.write", "catalog.read", "customers.read"},
		Developer:   "OrderLine Ltd", Website: "https://orderline.example", OpenURL: "https://orderline.example/app", MultipleInstances: true},
	{ID: "clickeat", Name: "ClickEat Online Ordering", Category: "online_ordering", Level: switchboard.LevelLocation,
		Description: "A branded ordering website and app, with the menu kept in sync with the till.",
		Scopes:      []string{"orders.write", "catalog.read", "customers.write"},
		Developer:   "ClickEat SAS", Website: "https://clickeat.example"},
	{ID: "speedydrop", Name: "SpeedyDrop Delivery", Category: "delivery", Level: switchboard.LevelLocation,
		Description: "Dispatches couriers for your own deliveries and tracks them until the door.",
		Scopes:      []string{"orders.read", "orders.write"},
		Developer:   "SpeedyDrop", Website: "https://speedydrop.example", MultipleInstances: true},
	{ID: "mailbloom", Name: "MailBloom", Category: "marketing", Level: switchboard.LevelAccount,
		Description: "Email and SMS campaigns built from your customers' orders.",
		Scopes:      []string{"customers.read", "orders.read"},
		Developer:   "MailBloom Inc.", Website: "https://mailbloom.example"},
	{ID: "loyalty-loop", Name: "Loyalty Loop", Category: "loyalty", Level: switchboard.LevelAccount,
		Description: "Points and rewards that follow customers across every location.",
		Scopes:      []string{"customers.read", "customers.write", "orders.read"},
		Developer:   "Loop Labs", Website: "https://loyaltyloop.example"},
	{ID: "insight-bi", Name: "Insight BI", Category: "bi", Level: switchboard.LevelAccount,
		Description: "Dashboards of sales, best sellers and peak hours for the whole account.",
		Scopes:      []string{"orders.read", "catalog.read"},
		Developer:   "Insight Analytics", Website: "https://insightbi.example"},
	{ID: "stockwise", Name: "StockWise", Category: "inventory", Level: switchboard.LevelLocation,
		Description: "Stock levels that fall with each order, with reorder alerts.",
		Scopes:      []string{"orders.read", "catalog.read", "catalog.write"},
		Developer:   "StockWise GmbH", Website: "https://stockwise.example"},
}

// Account is the demo merchant, with two locations.
var (
	Account   = switchboard.Account{ID: "acc-demo-pizzeria", Name: "Demo Pizzeria", TimeZone: "Europe/Paris"}
	Locations = []switchboard.Location{
		{ID: "loc-bastille", Name: "Demo Pizzeria Bastille"},
		{ID: "loc-canal", Name: "Demo Pizzeria Canal Saint-Martin"},
	}
	Users = []switchboard.User{
		{ID: "usr-owner", Email: "owner@demo.test", Name: "Olivia Owner", Role: switchboard.RoleSuperAdmin, Active: true},
		{ID: "usr-admin", Email: "admin@demo.test", Name: "Adam Admin", Role: switchboard.RoleAdmin, Active: true},
		{ID: "usr-member", Email: "member@demo.test", Name: "Mia Member", Role: switchboard.RoleMember, Active: true},
	}
	// Teams are created with their members once; later changes made in the
	// site are kept by the next seed.
	Teams = []switchboard.Team{
		{ID: "team-kitchen", Name: "Kitchen", MemberIDs: []string{"usr-member"}},
		{ID: "team-marketing", Name: "Marketing", MemberIDs: []string{"usr-admin", "usr-member"}},
	}
)

// Operator reviews app listings (switchboard.RoleOperator) from the
// platform's reserved account; it signs in with the demo password.
var Operator = switchboard.User{ID: "usr-operator", AccountID: switchboard.PlatformAccountID, Email: "operator@demo.test",
	Name: "Otto Operator", Role: switchboard.RoleOperator, Active: true}

// PartnersAccountID owns the demo catalog's apps, as their developers'
// accounts would; nobody signs in to it.
const PartnersAccountID = "acc-demo-partners"

// Store is what seeding writes to.
type Store interface {
	switchboard.DeveloperAppStore
	switchboard.AccountStore
	switchboard.TeamStore
	switchboard.CustomerStore
	switchboard.CatalogStore
}

// CustomerList and Catalog are the demo account's; their ids are stable so
// that tests, fixtures and the docs can name them.
var (
	CustomerList = switchboard.CustomerList{ID: "cl-demo", Name: "Demo Pizzeria customers"}
	Catalog      = switchboard.Catalog{ID: "cat-demo", Name: "Demo Pizzeria menu"}
)

// Seed writes the demo data with password for every user. It is idempotent:
// what exists is left as it is, so a second `make run` keeps yesterday's data.
func Seed(ctx context.Context, store Store, password string) (created int, err error) {
	since := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if _, err := createdOrExists(store.CreateAccount(ctx, switchboard.Account{ID: PartnersAccountID, Name: "Demo app partners", CreatedAt: since}, nil)); err != nil {
		return created, fmt.Errorf("seed partners account: %w", err)
	}
	for _, app := range Apps {
		app.CreatedAt = since
		dev := switchboard.DeveloperApp{
			App: app, OwnerAccountID: PartnersAccountID, Published: true,
			RedirectURIs: []string{app.Website + "/oauth/callback"}, CallbackURL: app.Website + "/switchboard/events",
		}
		// Nobody knows a demo app's secret: apps to try the flow with are
		// registered through the developer API, which shows theirs once.
		_, secretHash := auth.NewToken()
		if ok, err := createdOrExists(store.RegisterApp(ctx, dev, secretHash, "")); err != nil {
			return created, fmt.Errorf("seed app %s: %w", app.ID, err)
		} else if ok {
			created++
		}
		// Publishing is a request; the seed plays the operator who
		// approved the demo catalog. A re-run finds it approved already.
		if got, err := store.GetDeveloperApp(ctx, app.ID); err != nil {
			return created, fmt.Errorf("seed app %s: %w", app.ID, err)
		} else if got.Listing == switchboard.ListingPending {
			if err := store.ReviewListing(ctx, app.ID, switchboard.ListingReview{Approve: true}); err != nil {
				return created, fmt.Errorf("list app %s: %w", app.ID, err)
			}
		}
	}
	if _, err := createdOrExists(store.CreateAccount(ctx, switchboard.Account{ID: switchboard.PlatformAccountID, Name: "Switchboard platform", CreatedAt: since}, nil)); err != nil {
		return created, fmt.Errorf("seed platform account: %w", err)
	}
	account := Account
	account.CreatedAt = since
	if ok, err := createdOrExists(store.CreateAccount(ctx, account, Locations)); err != nil {
		return created, fmt.Errorf("seed account: %w", err)
	} else if ok {
		created++
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return created, fmt.Errorf("demo password: %w", err)
	}
	for _, u := range Users {
		u.AccountID, u.CreatedAt = Account.ID, since
		if ok, err := createdOrExists(store.CreateUser(ctx, u, hash)); err != nil {
			return created, fmt.Errorf("seed user %s: %w", u.Email, err)
		} else if ok {
			created++
		}
	}
	operator := Operator
	operator.CreatedAt = since
	if ok, err := createdOrExists(store.CreateUser(ctx, operator, hash)); err != nil {
		return created, fmt.Errorf("seed operator: %w", err)
	} else if ok {
		created++
	}
	for _, t := range Teams {
		t.AccountID, t.CreatedAt = Account.ID, since
		if ok, err := createdOrExists(store.CreateTeam(ctx, t)); err != nil {
			return created, fmt.Errorf("seed team %s: %w", t.Name, err)
		} else if ok {
			created++
		}
	}
	list := CustomerList
	list.AccountID, list.CreatedAt = Account.ID, since
	if ok, err := createdOrExists(store.CreateCustomerList(ctx, list)); err != nil {
		return created, fmt.Errorf("seed customer list: %w", err)
	} else if ok {
		created++
	}
	catalog := Catalog
	catalog.AccountID, catalog.CreatedAt = Account.ID, since
	if ok, err := createdOrExists(store.CreateCatalog(ctx, catalog)); err != nil {
		return created, fmt.Errorf("seed catalog: %w", err)
	} else if ok {
		created++
	}
	return created, nil
}

func createdOrExists(err error) (bool, error) {
	switch switchboard.ErrorCode(err) {
	case "":
		return true, nil
	case switchboard.EConflict:
		return false, nil
	}
	return false, err
}

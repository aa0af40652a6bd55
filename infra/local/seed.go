package local

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// DemoApps is the catalog `make run` seeds: one app per kind a merchant
// meets (HubRise's ecosystem: point of sale, ordering, delivery, marketing,
// loyalty, BI, stock).
var DemoApps = []switchboard.App{
	{ID: "orderline-pos", Name: "OrderLine POS", Category: "pos", Level: switchboard.LevelLocation,
		Description: "Till software for restaurants: orders from every channel land on the till and in the kitchen.",
		Scopes:      []string{"orders.read", "orders.write", "catalog.read", "customer_list.read"},
		Developer:   "OrderLine Ltd", Website: "https://orderline.example"},
	{ID: "clickeat", Name: "ClickEat Online Ordering", Category: "online_ordering", Level: switchboard.LevelLocation,
		Description: "A branded ordering website and app, with the menu kept in sync with the till.",
		Scopes:      []string{"orders.write", "catalog.read", "customer_list.write"},
		Developer:   "ClickEat SAS", Website: "https://clickeat.example"},
	{ID: "speedydrop", Name: "SpeedyDrop Delivery", Category: "delivery", Level: switchboard.LevelLocation,
		Description: "Dispatches couriers for your own deliveries and tracks them until the door.",
		Scopes:      []string{"orders.read", "orders.write"},
		Developer:   "SpeedyDrop", Website: "https://speedydrop.example"},
	{ID: "mailbloom", Name: "MailBloom", Category: "marketing", Level: switchboard.LevelAccount,
		Description: "Email and SMS campaigns built from your customers' orders.",
		Scopes:      []string{"customer_list.read", "orders.read"},
		Developer:   "MailBloom Inc.", Website: "https://mailbloom.example"},
	{ID: "loyalty-loop", Name: "Loyalty Loop", Category: "loyalty", Level: switchboard.LevelAccount,
		Description: "Points and rewards that follow customers across every location.",
		Scopes:      []string{"customer_list.read", "customer_list.write", "orders.read"},
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

// SeedDemo loads DemoApps into table. It is idempotent: apps that exist are
// left as they are.
func SeedDemo(ctx context.Context, awsEnv map[string]string, table string, log io.Writer) error {
	cfg, err := awsConfig(ctx, awsEnv)
	if err != nil {
		return err
	}
	store := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	created := 0
	for _, app := range DemoApps {
		app.CreatedAt = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		err := store.CreateApp(ctx, app)
		switch switchboard.ErrorCode(err) {
		case "":
			created++
		case switchboard.EConflict:
		default:
			return fmt.Errorf("seed app %s: %w", app.ID, err)
		}
	}
	fmt.Fprintf(log, "seeded %d demo apps (%d already there)\n", created, len(DemoApps)-created)
	return nil
}

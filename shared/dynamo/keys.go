package dynamo

import "strings"

// Every key format lives in this file, so the table's layout reads in one
// place. Partition keys start with their owner (an app, later an account),
// and GSI1 holds the listings that cross owners.
const (
	indexGSI1 = "GSI1"

	catalogPK = "CATALOG" // GSI1 partition of every listed app
	appSK     = "APP"
)

func appPK(appID string) string { return "APP#" + appID }

// catalogSKPrefix orders the catalog by category, then name; a category's
// apps share the prefix, so filtering by category is a key condition and
// pages stay full.
func catalogSKPrefix(category string) string { return category + "#" }

func catalogSK(category, name, appID string) string {
	return catalogSKPrefix(category) + strings.ToLower(name) + "#" + appID
}

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

func accountPK(accountID string) string { return "ACCOUNT#" + accountID }

const accountSK = "ACCOUNT"

func locationSK(locationID string) string { return "LOCATION#" + locationID }

const locationSKPrefix = "LOCATION#"

func userSK(userID string) string { return "USER#" + userID }

// emailPK claims a sign-in address across all accounts: the one key that
// cannot start with a tenant, because sign-in happens before the tenant is
// known. The claim holds no secret, only where the user lives.
func emailPK(email string) string { return "EMAIL#" + email }

const emailSK = "EMAIL"

// sessionPK is keyed by the hash of the session token; the token itself is
// never stored.
func sessionPK(tokenHash string) string { return "SESSION#" + tokenHash }

const sessionSK = "SESSION"

func limitPK(key string) string { return "LIMIT#" + key }

package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Every key format lives in this file, so the table's layout reads in one
// place. Partition keys start with their owner (an app, later an account),
// and GSI1 holds the listings that cross owners.
const (
	indexGSI1 = "GSI1"
	indexGSI2 = "GSI2"

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

// listingRequestsPK is the GSI1 partition of the apps whose listing is
// pending or rejected (approved ones are the catalog's), for operators.
func listingRequestsPK(status string) string { return "LISTINGS#" + status }

// listingRequestSK orders requests oldest first.
func listingRequestSK(at time.Time, appID string) string {
	return at.UTC().Format(time.RFC3339Nano) + "#" + appID
}

// listedNamePK is the claim a listed app holds on its name's NameKey,
// hashed because NFKC can make a name several times longer than its limit.
func listedNamePK(nameKey string) string {
	sum := sha256.Sum256([]byte(nameKey))
	return "LISTEDNAME#" + hex.EncodeToString(sum[:])
}

const listedNameSK = "LISTEDNAME"

func accountPK(accountID string) string { return "ACCOUNT#" + accountID }

const accountSK = "ACCOUNT"

func locationSK(locationID string) string { return "LOCATION#" + locationID }

const locationSKPrefix = "LOCATION#"

func userSK(userID string) string { return "USER#" + userID }

const userSKPrefix = "USER#"

func teamSK(teamID string) string { return teamSKPrefix + teamID }

const teamSKPrefix = "TEAM#"

// teamNameSK claims a team name in its account, lower-cased, which makes
// names unique case-insensitively with a conditional put.
func teamNameSK(nameKey string) string { return "TEAMNAME#" + nameKey }

// invitationPK is keyed by the hash of the invitation token, like sessions:
// the invitee has only the token, not yet an account.
func invitationPK(tokenHash string) string { return "INVITE#" + tokenHash }

const invitationSK = "INVITE"

// emailPK claims a sign-in address across all accounts: the one key that
// cannot start with a tenant, because sign-in happens before the tenant is
// known. The claim holds no secret, only where the user lives.
func emailPK(email string) string { return "EMAIL#" + email }

const emailSK = "EMAIL"

// sessionPK is keyed by the hash of the session token; the token itself is
// never stored.
func sessionPK(tokenHash string) string { return "SESSION#" + tokenHash }

const sessionSK = "SESSION"

// signupPK is keyed by the hash of the verification token, like
// invitations: the person who signs up has only the link.
func signupPK(tokenHash string) string { return "SIGNUP#" + tokenHash }

const signupSK = "SIGNUP"

// signupEmailPK holds an address while a sign-up of it is pending, so that
// one address has one pending sign-up at a time. Like emailPK it cannot
// start with a tenant: the tenant does not exist yet.
func signupEmailPK(email string) string { return "SIGNUPEMAIL#" + email }

const signupEmailSK = "SIGNUPEMAIL"

// passwordResetPK is keyed by the hash of the reset token: whoever resets
// holds only the link.
func passwordResetPK(tokenHash string) string { return "PWRESET#" + tokenHash }

const passwordResetSK = "PWRESET"

// securityLogPK holds one account's security log, in its own partition
// beside the account's: a burst of entries never slows the account's reads.
func securityLogPK(accountID string) string { return accountPK(accountID) + "#SECLOG" }

// securitySK orders the log by time; the id breaks ties and makes a retried
// write land on the same key.
func securitySK(at time.Time, id string) string {
	return securitySKPrefix + at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + id
}

// securitySignInsSK is one user's sign-in counts of one UTC day, sorted at
// the start of that day among the other entries.
func securitySignInsSK(day time.Time, userID string) string {
	return securitySK(day.UTC().Truncate(24*time.Hour), "signins-"+userID)
}

const securitySKPrefix = "SEC#"

func limitPK(key string) string { return "LIMIT#" + key }

// throttlePK holds one key's attempt count and wait (see Throttle).
func throttlePK(key string) string { return "THROTTLE#" + key }

const throttleSK = "THROTTLE"

// ownedAppSK lists a developer's apps by name in GSI2 under their account.
func ownedAppSK(name, appID string) string {
	return ownedAppSKPrefix + strings.ToLower(name) + "#" + appID
}

const ownedAppSKPrefix = "APP#"

func connectionSK(connectionID string) string { return connectionSKPrefix + connectionID }

const connectionSKPrefix = "CONN#"

// disconnectedSK keeps what a disconnected connection was, in its account,
// while its call log lasts: the logs stay readable after a disconnect. Its
// prefix does not start with connectionSKPrefix, so listings skip it.
func disconnectedSK(connectionID string) string { return "DISCONN#" + connectionID }

// connectionKeySK claims one app instance at one target inside an account,
// so that authorising it again finds the same connection. The label is
// hashed because it is free text.
func connectionKeySK(appID, locationID, label string) string {
	sum := sha256.Sum256([]byte(label))
	if locationID == "" {
		locationID = "*"
	}
	return "CONNKEY#" + appID + "#" + locationID + "#" + hex.EncodeToString(sum[:8])
}

func codePK(hash string) string { return "CODE#" + hash }

const codeSK = "CODE"

func tokenPK(hash string) string { return "TOKEN#" + hash }

const tokenSK = "TOKEN"

// eventSK orders the app log by time; the id breaks ties and makes a
// retried write land on the same key.
func eventSK(at time.Time, id string) string {
	return eventSKPrefix + at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + id
}

const eventSKPrefix = "EVENT#"

// callPK holds one connection's call log, inside its account: a busy
// connection's log never shares a partition with another's.
func callPK(accountID, connectionID string) string {
	return accountPK(accountID) + "#LOG#" + connectionID
}

// callSK orders a log by time; listing reads it backwards, newest first.
func callSK(at time.Time, requestID string) string {
	return callSKPrefix + callTime(at) + "#" + requestID
}

// callTime is a call's time in its sort keys: fixed width, so text order
// is time order.
func callTime(at time.Time) string { return at.UTC().Format("2006-01-02T15:04:05.000000000Z") }

const callSKPrefix = "CALL#"

// callByIDPK finds one call by its request id alone: each request id is
// its own partition, read with one key whatever the connection, by the
// merchant (FindAccountCall, GetCall) and by the app's developer
// (FindAppCall) alike. Like emailPK it cannot start with a tenant, because
// the developer's side does not know the account: request ids are API
// Gateway's, unique across the API, and every read checks the item's
// account or app before answering, as sessions check their user.
func callByIDPK(requestID string) string { return "REQ#" + requestID }

// legacyCallByIDPK is where calls logged before callByIDPK were found, in
// their account; read when the new key misses, until those entries expire.
func legacyCallByIDPK(accountID, requestID string) string {
	return accountPK(accountID) + "#REQ#" + requestID
}

// appCallsPK is one app's index of its calls across accounts, for its
// developer: packed chunks written by the roll-up once per closed minute
// (see appcalls.go), so the partition takes a few writes a minute however
// busy the app is: no hot partition, and no write on the call's path.
func appCallsPK(appID string) string { return appPK(appID) + "#CALLS" }

// appCallsSK orders the chunks by logging minute; within a minute the
// chunk number is inverted so that a backwards read meets chunk 0, the
// newest calls, first.
func appCallsSK(minute time.Time, chunk int) string {
	return appCallsSKPrefix + appCallsMinute(minute) + "#" + strconv.Itoa(9999-chunk)
}

func appCallsMinute(minute time.Time) string { return minute.UTC().Format("2006-01-02T15:04") }

const appCallsSKPrefix = "MIN#"

const callByIDSK = "CALL"

// The call log is written under two listings: the time listing (callSK)
// and, for calls answered 400 or more only, the listing of their status
// class (callByClass), which status filters read. Errors are a small share
// of a working log, so that copy costs little; method and resource
// filters read the time listing and filter it (see ListCalls).
const callByClass = "C" // the class, such as 5xx

// callByPrefix starts the listing of the calls whose dimension dim has
// value; values never hold '#' (CallFilter.Validate refuses it).
func callByPrefix(dim, value string) string { return "CALLBY#" + dim + "#" + value + "#" }

// callBySK orders one filter listing by time, as callSK orders the log.
func callBySK(dim, value string, at time.Time, requestID string) string {
	return callByPrefix(dim, value) + callTime(at) + "#" + requestID
}

// orderPK gives each order its own partition inside its account, read by id
// alone; GSI1 lists a location's orders under orderListPK, newest first by
// orderListSK.
func orderPK(accountID, orderID string) string { return accountPK(accountID) + "#ORDER#" + orderID }

const orderSK = "ORDER"

func orderListPK(accountID, locationID string) string {
	return accountPK(accountID) + "#LOCATION#" + locationID + "#ORDERS"
}

// orderListSK sorts by creation time; the id breaks ties.
func orderListSK(at time.Time, orderID string) string {
	return at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + orderID
}

// idempotencyPK claims one Idempotency-Key of one connection, inside its
// account; the key is hashed because it is the client's free text.
func idempotencyPK(accountID, connectionID, keyHash string) string {
	return accountPK(accountID) + "#IDEM#" + connectionID + "#" + keyHash
}

const idempotencySK = "IDEM"

// customerListSK keeps an account's customer lists in its partition.
func customerListSK(listID string) string { return "CUSTOMERLIST#" + listID }

// customerPK gives each customer its own partition, read by id alone; GSI1
// lists a customer list's customers under customersPK, newest first by
// orderListSK's time-then-id format.
func customerPK(accountID, customerID string) string {
	return accountPK(accountID) + "#CUSTOMER#" + customerID
}

const customerSK = "CUSTOMER"

func customersPK(accountID, listID string) string {
	return accountPK(accountID) + "#CUSTOMERLIST#" + listID + "#CUSTOMERS"
}

// menuSK keeps an account's catalogs (menus) in its partition; "CATALOG" is
// taken by the app catalog's GSI1 partition, hence the other word.
func menuSK(catalogID string) string { return "MENU#" + catalogID }

// productsPK holds one catalog's products, read in the order they were
// added (productSK); no route reads a product by id alone.
func productsPK(accountID, catalogID string) string {
	return accountPK(accountID) + "#MENU#" + catalogID + "#PRODUCTS"
}

func productSK(at time.Time, productID string) string {
	return productSKPrefix + at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + productID
}

const productSKPrefix = "PRODUCT#"

// ruleSK keeps an account's notification rules in its partition.
func ruleSK(ruleID string) string { return ruleSKPrefix + ruleID }

const ruleSKPrefix = "RULE#"

// rulesByFrequencyPK is the GSI1 partition listing every account's rules of
// one frequency, so a digest run finds its rules without a scan; the sort
// key (account, then rule) groups an account's rules together.
func rulesByFrequencyPK(frequency string) string { return "RULES#" + frequency }

func rulesByFrequencySK(accountID, ruleID string) string { return accountID + "#" + ruleID }

// digestDeliverySK claims one digest email: one rule, one period (its start in
// UTC), one recipient. The conditional put on this key is what makes the
// email go out once.
func digestDeliverySK(ruleID, periodKey, userID string) string {
	return "DIGEST#" + ruleID + "#" + periodKey + "#" + userID
}

// digestMarkSK holds, in the account's partition, the end of the last
// period of one frequency whose digests were all settled: the next run
// starts after it, so a missed run's periods are caught up. It does not
// share the "DIGEST#" prefix of the delivery records.
func digestMarkSK(frequency string) string { return "DIGESTMARK#" + frequency }

// blocksUntilPK is the sparse GSI1 partition of timed blocks: a connection
// blocked with an until time is listed there, sorted by that time, until it
// is unblocked, so the scheduled unblock reads only what is due.
const blocksUntilPK = "BLOCKS-UNTIL"

func blocksUntilSK(until time.Time, accountID, connectionID string) string {
	return until.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + accountID + "#" + connectionID
}

// deliverySK keeps a callback delivery in its account's partition under its
// event id, which sorts by time: retried writes land on the same key.
func deliverySK(eventID string) string { return deliverySKPrefix + eventID }

const deliverySKPrefix = "DELIVERY#"

// deliveriesDuePK is the sparse GSI1 partition of pending deliveries,
// sorted by when they are due; a delivery leaves it when it succeeds or
// gives up. One partition serves every account: at tens of lifecycle
// events a minute it stays far below a partition's limits.
const deliveriesDuePK = "DELIVERIES-DUE"

func deliveriesDueSK(at time.Time, accountID, eventID string) string {
	return at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + accountID + "#" + eventID
}

// appDeliveriesPK lists an app's deliveries of every account in GSI2, for
// its developer; the event id sorts them by time.
func appDeliveriesPK(appID string) string { return "APPDELIVERIES#" + appID }

// endpointSK keeps an app's callback endpoint health beside the app, in
// the app's partition: one small item every attempt's outcome rewrites.
const endpointSK = "CALLBACKENDPOINT"

// endpointNoticesPK is the sparse GSI1 partition of the endpoints whose
// email is not sent yet, sorted by when it was called for: the retrier
// reads only those.
const endpointNoticesPK = "ENDPOINT-NOTICES"

func endpointNoticesSK(at time.Time, appID string) string {
	return at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + appID
}

// rollUpFeedPK is one shard of one minute of the roll-up feed: the calls
// whose log entry was written in that minute (see rollups.go). It is the one
// partition family that starts with a time rather than a tenant, because the
// roll-up function reads every account's new calls by minute; the shard
// spreads a busy minute over several partitions.
func rollUpFeedPK(minute time.Time, shard int) string {
	return "ROLLUPFEED#" + minute.UTC().Format("2006-01-02T15:04") + "#" + strconv.Itoa(shard)
}

// rollUpStatePK holds the roll-up function's watermark.
const (
	rollUpStatePK = "ROLLUP#STATE"
	rollUpStateSK = "WATERMARK"
)

// rollUpPK holds one connection's hour and day roll-ups, inside its account.
func rollUpPK(accountID, connectionID string) string {
	return accountPK(accountID) + "#ROLLUP#" + connectionID
}

// rollUpHourSK and rollUpDaySK sort by time, so a range of hours or days is
// a key condition.
func rollUpHourSK(t time.Time) string { return rollUpHourPrefix + t.UTC().Format("2006-01-02T15") }

func rollUpDaySK(t time.Time) string { return rollUpDayPrefix + t.UTC().Format("2006-01-02") }

const (
	rollUpHourPrefix = "H#"
	rollUpDayPrefix  = "D#"
)

// healthSK remembers whether a connection was last seen erroring, so that
// entering that state is written to the app log once.
func healthSK(connectionID string) string { return "HEALTH#" + connectionID }

// healthSummaryPK holds an account's health summaries, one item per
// connection (healthSummarySK) and the mark that they were all built
// (healthSummariesBuiltSK): the overview reads the partition in one query.
func healthSummaryPK(accountID string) string { return accountPK(accountID) + "#HEALTHSUMMARY" }

func healthSummarySK(connectionID string) string { return healthSummarySKPrefix + connectionID }

const (
	healthSummarySKPrefix  = "CONN#"
	healthSummariesBuiltSK = "BUILT"
)

// rateWarningSK marks that a connection's window passed its warning
// threshold in an UTC hour (see recordRateWarnings).
func rateWarningSK(connectionID, window string, hour time.Time) string {
	return "RATEWARN#" + connectionID + "#" + window + "#" + strconv.FormatInt(hour.Unix(), 10)
}

// exportPK holds one source's export jobs inside the account that asked
// for them (a connection's, today), listed newest first by exportSK: the
// export id sorts by creation time.
func exportPK(accountID, kind, sourceID string) string {
	return accountPK(accountID) + "#EXPORTS#" + kind + "#" + sourceID
}

func exportSK(exportID string) string { return "EXPORT#" + exportID }

const exportSKPrefix = "EXPORT#"

// exportsPendingPK is the sparse GSI1 partition of the queued and running
// export jobs of every account, oldest first: the export function reads
// only what is left to do, and a finished job leaves it.
const exportsPendingPK = "EXPORTS-PENDING"

func exportsPendingSK(createdAt time.Time, accountID, exportID string) string {
	return createdAt.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + accountID + "#" + exportID
}

package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// appItem is a registered app as stored. The catalog keys (GSI1) are set
// only while the app is listed, so the catalog index holds nothing else; a
// pending or rejected listing request is in its own GSI1 partition, for
// operators.
type appItem struct {
	PK         string
	SK         string
	GSI1PK     string `dynamodbav:",omitempty"`
	GSI1SK     string `dynamodbav:",omitempty"`
	GSI2PK     string
	GSI2SK     string
	Type       string
	SecretHash string
	// The callback signing secrets, sealed (auth.Sealer): the table never
	// holds them in clear.
	SigningSecret         string `dynamodbav:",omitempty"`
	PreviousSigningSecret string `dynamodbav:",omitempty"`
	SearchName            string // lower-cased name, for case-insensitive search
	Version               int
	switchboard.DeveloperApp
}

func newAppItem(app switchboard.DeveloperApp, secretHash string, version int) appItem {
	it := appItem{
		PK: appPK(app.ID), SK: appSK, Type: "app",
		GSI2PK: accountPK(app.OwnerAccountID), GSI2SK: ownedAppSK(app.Name, app.ID),
		SecretHash: secretHash, SearchName: strings.ToLower(app.Name), Version: version, DeveloperApp: app,
	}
	switch {
	case app.Listed():
		it.GSI1PK, it.GSI1SK = catalogPK, catalogSK(app.Category, app.Name, app.ID)
	case app.Published && (app.Listing == switchboard.ListingPending || app.Listing == switchboard.ListingRejected):
		it.GSI1PK, it.GSI1SK = listingRequestsPK(string(app.Listing)), listingRequestSK(app.UpdatedAt, app.ID)
	}
	return it
}

// listedNameItem is a listed app's claim on its name's NameKey: a listed
// name is unique under it, which a transaction checks with the claim.
type listedNameItem struct {
	PK, SK, Type string
	AppID        string
	Name         string
}

// nameClaim is the NameKey a stored app holds, "" while it is not listed.
func nameClaim(app switchboard.DeveloperApp) string {
	if !app.Listed() {
		return ""
	}
	return switchboard.NameKey(app.Name)
}

// saveApp replaces cur with app (same version as read) and, in the same
// transaction when the listed name changes, frees the old name's claim and
// takes the new one: two listed apps never hold names equal under NameKey.
func (s *Store) saveApp(ctx context.Context, cur appItem, app switchboard.DeveloperApp) error {
	it := newAppItem(app, cur.SecretHash, cur.Version+1)
	it.SigningSecret, it.PreviousSigningSecret = cur.SigningSecret, cur.PreviousSigningSecret
	was, will := nameClaim(cur.DeveloperApp), nameClaim(app)
	if was == will {
		return s.putVersioned(ctx, it, cur.Version, "app "+app.ID)
	}
	put, err := s.txPut(it, "Version = :v", map[string]types.AttributeValue{":v": num(cur.Version)})
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{put}
	mine := map[string]types.AttributeValue{":app": str(app.ID)}
	if was != "" {
		items = append(items, s.txDelete(listedNamePK(was), listedNameSK, "attribute_not_exists(PK) OR AppID = :app", mine))
	}
	claimAt := -1
	if will != "" {
		claim, err := s.txPut(listedNameItem{PK: listedNamePK(will), SK: listedNameSK, Type: "listedName", AppID: app.ID, Name: app.Name},
			"attribute_not_exists(PK) OR AppID = :app", mine)
		if err != nil {
			return err
		}
		claimAt = len(items)
		items = append(items, claim)
	}
	err = s.transact(ctx, "", "app "+app.ID, items)
	switch {
	case refused(err, claimAt):
		return switchboard.Errorf(switchboard.EConflict, "another listed app is already called %q (names are compared ignoring case, width and invisible characters)", app.Name)
	case refused(err, 0):
		return switchboard.Errorf(switchboard.EConflict, "app %s was changed meanwhile; reload and try again", app.ID)
	case err != nil:
		var r *errRefused
		if errors.As(err, &r) {
			// Only a claim held by another app can refuse the release of
			// ours: the store never lets that happen, so it is a bug.
			return fmt.Errorf("save app %s: %w", app.ID, err)
		}
		return err
	}
	return nil
}

// RegisterApp stores a new app unless its ID is taken.
func (s *Store) RegisterApp(ctx context.Context, app switchboard.DeveloperApp, secretHash, sealedSigningSecret string) error {
	if err := app.Validate(); err != nil {
		return err
	}
	if secretHash == "" {
		return switchboard.Errorf(switchboard.EInvalid, "an app needs a client secret")
	}
	now := s.now().UTC()
	if app.CreatedAt.IsZero() {
		app.CreatedAt = now
	}
	app.UpdatedAt, app.SecretRotatedAt = now, now
	// Publishing is a request: whatever the caller set, a new app is
	// private or waiting for an operator, never listed.
	app.RequestListing(switchboard.DeveloperApp{})
	it := newAppItem(app, secretHash, 1)
	if sealedSigningSecret != "" {
		it.SigningSecret, it.SigningSecretRotatedAt = sealedSigningSecret, now
	}
	return s.putNew(ctx, it, fmt.Sprintf("an app with id %q", app.ID))
}

func (s *Store) getAppItem(ctx context.Context, appID string) (appItem, error) {
	var it appItem
	found, err := s.get(ctx, appPK(appID), appSK, &it)
	if err != nil {
		return appItem{}, err
	}
	if !found {
		return appItem{}, switchboard.Errorf(switchboard.ENotFound, "app not found")
	}
	return it, nil
}

// GetDeveloperApp reads an app whatever its publication.
func (s *Store) GetDeveloperApp(ctx context.Context, appID string) (switchboard.DeveloperApp, error) {
	it, err := s.getAppItem(ctx, appID)
	return it.DeveloperApp, err
}

// GetApp reads a published app; an unpublished one does not exist for
// merchants.
func (s *Store) GetApp(ctx context.Context, appID string) (switchboard.App, error) {
	it, err := s.getAppItem(ctx, appID)
	if err != nil {
		return switchboard.App{}, err
	}
	if !it.Listed() {
		return switchboard.App{}, switchboard.Errorf(switchboard.ENotFound, "app not found")
	}
	return it.App, nil
}

// AppSecretHash reads the hash of the app's client secret.
func (s *Store) AppSecretHash(ctx context.Context, appID string) (string, error) {
	it, err := s.getAppItem(ctx, appID)
	return it.SecretHash, err
}

// ListDeveloperApps queries GSI2 for the apps an account owns.
func (s *Store) ListDeveloperApps(ctx context.Context, ownerAccountID string) ([]switchboard.DeveloperApp, error) {
	items, err := queryAll[appItem](ctx, s, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI2),
		KeyConditionExpression:    aws.String("GSI2PK = :pk AND begins_with(GSI2SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(accountPK(ownerAccountID)), ":sk": str(ownedAppSKPrefix)},
	}, "apps of "+ownerAccountID)
	if err != nil {
		return nil, err
	}
	apps := make([]switchboard.DeveloperApp, 0, len(items))
	for _, it := range items {
		apps = append(apps, it.DeveloperApp)
	}
	return apps, nil
}

// UpdateDeveloperApp rewrites the app if nobody changed it since it was
// read, keeping its owner, secret and creation time.
func (s *Store) UpdateDeveloperApp(ctx context.Context, app switchboard.DeveloperApp) error {
	cur, err := s.getAppItem(ctx, app.ID)
	if err != nil {
		return err
	}
	app.OwnerAccountID, app.CreatedAt, app.SecretRotatedAt = cur.OwnerAccountID, cur.CreatedAt, cur.SecretRotatedAt
	app.SigningSecretRotatedAt, app.PreviousSigningSecretExpiresAt = cur.SigningSecretRotatedAt, cur.PreviousSigningSecretExpiresAt
	app.UpdatedAt = s.now().UTC()
	if err := app.Validate(); err != nil {
		return err
	}
	// Only an operator lists an app (ReviewListing): the developer's
	// change can keep a listing or ask for one, never grant it.
	app.RequestListing(cur.DeveloperApp)
	return s.saveApp(ctx, cur, app)
}

// ReviewListing records an operator's decision on a pending request; an
// approval claims the app's name in the same transaction.
func (s *Store) ReviewListing(ctx context.Context, appID string, review switchboard.ListingReview) error {
	if err := review.Validate(); err != nil {
		return err
	}
	cur, err := s.getAppItem(ctx, appID)
	if err != nil {
		return err
	}
	if !cur.Published || cur.Listing != switchboard.ListingPending {
		return switchboard.Errorf(switchboard.EConflict, "app %s has no listing request waiting for review", appID)
	}
	app := cur.DeveloperApp
	app.UpdatedAt = s.now().UTC()
	if review.Approve {
		app.Listing, app.ListingReason = switchboard.ListingApproved, ""
	} else {
		reason, _ := switchboard.NormalizeName("reason", review.Reason, switchboard.MaxListingReasonLength)
		app.Listing, app.ListingReason = switchboard.ListingRejected, reason
	}
	return s.saveApp(ctx, cur, app)
}

// ListListings queries GSI1: the catalog for approved apps, the requests'
// partition otherwise.
func (s *Store) ListListings(ctx context.Context, status switchboard.ListingStatus) ([]switchboard.DeveloperApp, error) {
	pk := listingRequestsPK(string(status))
	switch status {
	case switchboard.ListingApproved:
		pk = catalogPK
	case switchboard.ListingPending, switchboard.ListingRejected:
	default:
		return nil, switchboard.Errorf(switchboard.EInvalid, "status must be pending, rejected or approved")
	}
	items, err := queryAll[appItem](ctx, s, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}, "listings "+string(status))
	if err != nil {
		return nil, err
	}
	apps := make([]switchboard.DeveloperApp, 0, len(items))
	for _, it := range items {
		apps = append(apps, it.DeveloperApp)
	}
	return apps, nil
}

// SetAppSecret replaces the secret's hash; the old secret stops working at
// once.
func (s *Store) SetAppSecret(ctx context.Context, appID, secretHash string, at time.Time) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(appPK(appID), appSK),
		UpdateExpression:          aws.String("SET SecretHash = :h, SecretRotatedAt = :at ADD Version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": str(secretHash), ":at": str(at.UTC().Format(time.RFC3339Nano)), ":one": num(1)},
	})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.ENotFound, "app not found")
	}
	if err != nil {
		return fmt.Errorf("rotate secret of %s: %w", appID, err)
	}
	return nil
}

// SetSigningSecret stores a new sealed signing secret; the current one
// becomes the previous, signing until previousUntil, or is dropped.
func (s *Store) SetSigningSecret(ctx context.Context, appID, sealed string, at, previousUntil time.Time) error {
	update := "SET SigningSecret = :s, SigningSecretRotatedAt = :at REMOVE PreviousSigningSecret, PreviousSigningSecretExpiresAt"
	values := map[string]types.AttributeValue{":s": str(sealed), ":at": str(at.UTC().Format(time.RFC3339Nano)), ":one": num(1)}
	if previousUntil.After(at) {
		// The current secret, if any, becomes the previous one in the same
		// write: no reader sees the new secret without its predecessor.
		update = "SET PreviousSigningSecret = if_not_exists(SigningSecret, :none), PreviousSigningSecretExpiresAt = :until, SigningSecret = :s, SigningSecretRotatedAt = :at"
		values[":until"], values[":none"] = str(previousUntil.UTC().Format(time.RFC3339Nano)), str("")
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(appPK(appID), appSK),
		UpdateExpression:          aws.String(update + " ADD Version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.ENotFound, "app not found")
	}
	if err != nil {
		return fmt.Errorf("set signing secret of %s: %w", appID, err)
	}
	return nil
}

// AppSigningSecrets reads the app's sealed signing secrets.
func (s *Store) AppSigningSecrets(ctx context.Context, appID string) (switchboard.SigningSecrets, error) {
	it, err := s.getAppItem(ctx, appID)
	if err != nil {
		return switchboard.SigningSecrets{}, err
	}
	out := switchboard.SigningSecrets{Current: it.SigningSecret, Previous: it.PreviousSigningSecret}
	if it.PreviousSigningSecretExpiresAt != nil {
		out.PreviousUntil = *it.PreviousSigningSecretExpiresAt
	}
	return out, nil
}

// ListApps queries GSI1's catalog partition, narrowed to a category by a
// key prefix.
func (s *Store) ListApps(ctx context.Context, f switchboard.AppFilter) (switchboard.AppPage, error) {
	if err := f.Validate(); err != nil {
		return switchboard.AppPage{}, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: catalogPK}},
	}
	if f.Category != "" {
		in.KeyConditionExpression = aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :prefix)")
		in.ExpressionAttributeValues[":prefix"] = &types.AttributeValueMemberS{Value: catalogSKPrefix(f.Category)}
	}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		// The sort key holds the lower-cased name, so a case-insensitive
		// search is a filter on it. A filtered page may hold fewer than
		// Limit apps; the cursor still walks the whole catalog.
		in.FilterExpression = aws.String("contains(SearchName, :q)")
		in.ExpressionAttributeValues[":q"] = &types.AttributeValueMemberS{Value: q}
	}
	// A cursor must come from the catalog, and from this category's part
	// of it when a category is chosen.
	inListing := func(c map[string]string) bool {
		return c["GSI1PK"] == catalogPK && (f.Category == "" || strings.HasPrefix(c["GSI1SK"], catalogSKPrefix(f.Category)))
	}
	items, next, err := queryPage[appItem](ctx, s, in, switchboard.PageRequest{Limit: f.Limit, Cursor: f.Cursor},
		[]string{"PK", "SK", "GSI1PK", "GSI1SK"}, inListing, "catalog")
	if err != nil {
		return switchboard.AppPage{}, err
	}
	page := switchboard.AppPage{Apps: make([]switchboard.App, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Apps = append(page.Apps, it.App)
	}
	return page, nil
}

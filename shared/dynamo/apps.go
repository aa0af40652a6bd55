package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// appItem is a registered app as stored. The catalog keys (GSI1) are set
// only while the app is published, so the catalog index holds nothing else.
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
	if app.Published {
		it.GSI1PK, it.GSI1SK = catalogPK, catalogSK(app.Category, app.Name, app.ID)
	}
	return it
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
	if !it.Published {
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
	it := newAppItem(app, cur.SecretHash, cur.Version+1)
	it.SigningSecret, it.PreviousSigningSecret = cur.SigningSecret, cur.PreviousSigningSecret
	return s.putVersioned(ctx, it, cur.Version, "app "+app.ID)
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

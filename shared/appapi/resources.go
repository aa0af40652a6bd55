package appapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// maxBodyBytes bounds a platform write's body: a 100-item order is far below.
const maxBodyBytes = 64 << 10

// newID returns a random identifier with a kind prefix, e.g. "ord_…".
func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}

// pathID reads a path parameter naming a resource. An id that could not
// have been issued is simply not found: the store is not asked.
func pathID(req apigw.Request, name, what string) (string, error) {
	id := req.PathParameters[name]
	if !switchboard.ValidRef(id) {
		return "", switchboard.Errorf(switchboard.ENotFound, "%s %q was not found.", what, id)
	}
	return id, nil
}

// pageRequest reads ?limit= and ?cursor=.
func pageRequest(req apigw.Request) (switchboard.PageRequest, error) {
	limit, err := apigw.QueryInt(req, "limit", 0)
	if err != nil {
		return switchboard.PageRequest{}, err
	}
	if _, ok := req.QueryStringParameters["limit"]; ok && limit < 1 {
		return switchboard.PageRequest{}, switchboard.Errorf(switchboard.EInvalid, "limit must be between 1 and %d", switchboard.MaxPageSize)
	}
	p := switchboard.PageRequest{Limit: limit, Cursor: req.QueryStringParameters["cursor"]}
	return p, p.Validate()
}

// reachLocation refuses a location the token cannot reach: a location-level
// token reaches its own location only; an account-level token reaches the
// account's locations. Either way the answer is not_found, so that a token
// learns nothing about locations it cannot reach.
func reachLocation(ctx context.Context, accounts switchboard.AccountStore, c Caller, locationID string) error {
	notFound := switchboard.Errorf(switchboard.ENotFound, "Location %q was not found.", locationID)
	if c.Connection.LocationID != "" {
		if c.Connection.LocationID != locationID {
			return notFound
		}
		return nil
	}
	locs, err := accounts.ListLocations(ctx, c.Connection.AccountID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(locs, func(l switchboard.Location) bool { return l.ID == locationID }) {
		return notFound
	}
	return nil
}

// created is the answer to a successful POST.
func created(v any) (apigw.Response, error) { return apigw.JSON(http.StatusCreated, v) }

// page is the shape of every platform listing.
type page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

package appapi

import (
	"cmp"
	"context"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// locationBody is GET /v1/location's answer, in the API's snake_case.
type locationBody struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	AccountID string `json:"account_id"`
	TimeZone  string `json:"time_zone"`
}

// GetLocation serves GET /v1/location: the location a location-level token
// is connected to.
func GetLocation(accounts switchboard.AccountStore) Handler {
	return func(ctx context.Context, c Caller, _ apigw.Request) (apigw.Response, error) {
		if c.Connection.LocationID == "" {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInsufficientScope, "This token is connected to the whole account: use GET /v1/account.")
		}
		locs, err := accounts.ListLocations(ctx, c.Connection.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		for _, l := range locs {
			if l.ID != c.Connection.LocationID {
				continue
			}
			if l.TimeZone == "" {
				// Made before locations had their own zone: the account's
				// is theirs (one more read, for those locations only).
				a, err := accounts.GetAccount(ctx, l.AccountID)
				if err != nil {
					return apigw.Response{}, err
				}
				l.TimeZone = a.TimeZone
			}
			return statusOK(locationBody{ID: l.ID, Name: l.Name, AccountID: l.AccountID, TimeZone: l.TimeZone})
		}
		return apigw.Response{}, switchboard.Errorf(switchboard.ENotFound, "The connected location no longer exists.")
	}
}

// accountBody is GET /v1/account's answer.
type accountBody struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	TimeZone  string         `json:"time_zone"`
	Locations []locationBody `json:"locations,omitempty"` // account-level tokens only
}

// GetAccount serves GET /v1/account: the account a token belongs to, with
// its locations when the token is connected to the whole account.
func GetAccount(accounts switchboard.AccountStore) Handler {
	return func(ctx context.Context, c Caller, _ apigw.Request) (apigw.Response, error) {
		a, err := accounts.GetAccount(ctx, c.Connection.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		body := accountBody{ID: a.ID, Name: a.Name, TimeZone: a.TimeZone}
		if c.Connection.LocationID == "" {
			locs, err := accounts.ListLocations(ctx, a.ID)
			if err != nil {
				return apigw.Response{}, err
			}
			for _, l := range locs {
				body.Locations = append(body.Locations, locationBody{ID: l.ID, Name: l.Name, AccountID: l.AccountID, TimeZone: cmp.Or(l.TimeZone, a.TimeZone)})
			}
		}
		return statusOK(body)
	}
}

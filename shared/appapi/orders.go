package appapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// OrderStores is what the order routes read and write.
type OrderStores interface {
	switchboard.AccountStore
	switchboard.OrderStore
	switchboard.IdempotencyStore
}

// orderInput is POST /v1/locations/{locationId}/orders's body. Server-set
// fields (id, total, created_at…) are unknown fields here, so sending them
// is an error rather than silently ignored.
type orderInput struct {
	Status        *string                 `json:"status"`
	ServiceType   string                  `json:"service_type"`
	ExpectedTime  *string                 `json:"expected_time"`
	CustomerID    string                  `json:"customer_id"`
	CustomerNotes string                  `json:"customer_notes"`
	Items         []switchboard.OrderItem `json:"items"`
}

// orderPatch is PATCH /v1/orders/{orderId}'s body: what may change once an
// order is placed. Items and totals never change.
type orderPatch struct {
	Status        *string `json:"status"`
	ExpectedTime  *string `json:"expected_time"`
	CustomerNotes *string `json:"customer_notes"`
}

// ListOrders serves GET /v1/locations/{locationId}/orders.
func ListOrders(s OrderStores) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("orders.read"); err != nil {
			return apigw.Response{}, err
		}
		locationID, err := targetLocation(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		p, err := pageRequest(req)
		if err != nil {
			return apigw.Response{}, err
		}
		orders, err := s.ListOrders(ctx, c.Connection.AccountID, locationID, p)
		if err != nil {
			return apigw.Response{}, err
		}
		return statusOK(page[switchboard.Order]{Data: orders.Orders, NextCursor: orders.NextCursor})
	}
}

// CreateOrder serves POST /v1/locations/{locationId}/orders.
func CreateOrder(s OrderStores, idem Idempotency) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("orders.write"); err != nil {
			return apigw.Response{}, err
		}
		locationID, err := targetLocation(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return idem.Run(ctx, c, req, func() (apigw.Response, error) {
			var in orderInput
			if err := apigw.DecodeJSON(req, &in, maxBodyBytes); err != nil {
				return apigw.Response{}, err
			}
			now := idem.Now().UTC()
			o := switchboard.Order{
				ID: newID("ord_"), AccountID: c.Connection.AccountID, LocationID: locationID,
				Status: switchboard.OrderNew, ServiceType: in.ServiceType, CustomerID: in.CustomerID,
				CustomerNotes: in.CustomerNotes, Items: in.Items, CreatedAt: now, UpdatedAt: now,
			}
			if in.Status != nil {
				o.Status = switchboard.OrderStatus(*in.Status)
			}
			if in.ExpectedTime != nil {
				t, err := switchboard.ParseTime("expected_time", *in.ExpectedTime)
				if err != nil {
					return apigw.Response{}, err
				}
				o.ExpectedTime = &t
			}
			if err := o.Validate(); err != nil {
				return apigw.Response{}, err
			}
			total, _ := switchboard.ComputeTotal(o.Items) // Validate checked the items
			o.Total = total.String()
			if err := s.CreateOrder(ctx, o); err != nil {
				return apigw.Response{}, err
			}
			o.Version = 1
			return created(o)
		})
	}
}

// GetOrder serves GET /v1/orders/{orderId}.
func GetOrder(s OrderStores) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("orders.read"); err != nil {
			return apigw.Response{}, err
		}
		o, err := reachOrder(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return statusOK(o)
	}
}

// UpdateOrder serves PATCH /v1/orders/{orderId}: a status change along the
// order's life, a new expected time, or notes.
func UpdateOrder(s OrderStores, now Clock) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("orders.write"); err != nil {
			return apigw.Response{}, err
		}
		o, err := reachOrder(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		var in orderPatch
		if err := apigw.DecodeJSON(req, &in, maxBodyBytes); err != nil {
			return apigw.Response{}, err
		}
		if in.Status == nil && in.ExpectedTime == nil && in.CustomerNotes == nil {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "send at least one of status, expected_time and customer_notes")
		}
		if in.Status != nil {
			to := switchboard.OrderStatus(*in.Status)
			if err := o.Status.CanMoveTo(to); err != nil {
				return apigw.Response{}, err
			}
			o.Status = to
		}
		if in.ExpectedTime != nil {
			if *in.ExpectedTime == "" {
				o.ExpectedTime = nil
			} else {
				t, err := switchboard.ParseTime("expected_time", *in.ExpectedTime)
				if err != nil {
					return apigw.Response{}, err
				}
				o.ExpectedTime = &t
			}
		}
		if in.CustomerNotes != nil {
			o.CustomerNotes = *in.CustomerNotes
		}
		if err := o.Validate(); err != nil {
			return apigw.Response{}, err
		}
		o.UpdatedAt = now().UTC()
		updated, err := s.UpdateOrder(ctx, o)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, updated)
	}
}

// Clock reads the time; tests pass a fixed one.
type Clock func() time.Time

// targetLocation reads {locationId} and checks the token reaches it.
func targetLocation(ctx context.Context, accounts switchboard.AccountStore, c Caller, req apigw.Request) (string, error) {
	locationID, err := pathID(req, "locationId", "Location")
	if err != nil {
		return "", err
	}
	return locationID, reachLocation(ctx, accounts, c, locationID)
}

// reachOrder reads {orderId} in the token's account; a location-level token
// does not see other locations' orders.
func reachOrder(ctx context.Context, s OrderStores, c Caller, req apigw.Request) (switchboard.Order, error) {
	orderID, err := pathID(req, "orderId", "Order")
	if err != nil {
		return switchboard.Order{}, err
	}
	o, err := s.GetOrder(ctx, c.Connection.AccountID, orderID)
	if err != nil {
		return switchboard.Order{}, err
	}
	if c.Connection.LocationID != "" && o.LocationID != c.Connection.LocationID {
		return switchboard.Order{}, switchboard.Errorf(switchboard.ENotFound, "Order %s was not found.", strings.TrimSpace(orderID))
	}
	return o, nil
}

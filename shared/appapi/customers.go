package appapi

import (
	"context"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// CustomerStores is what the customer routes read and write.
type CustomerStores interface {
	switchboard.CustomerStore
	switchboard.IdempotencyStore
}

// customerInput is POST /v1/customer_lists/{listId}/customers's body.
type customerInput struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	CompanyName string `json:"company_name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	Address1    string `json:"address_1"`
	Address2    string `json:"address_2"`
	PostalCode  string `json:"postal_code"`
	City        string `json:"city"`
	Country     string `json:"country"`
}

// customerPatch is PATCH /v1/customers/{customerId}'s body: the fields
// sent change, "" clears one, the others stay.
type customerPatch struct {
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	CompanyName *string `json:"company_name"`
	Email       *string `json:"email"`
	Phone       *string `json:"phone"`
	Address1    *string `json:"address_1"`
	Address2    *string `json:"address_2"`
	PostalCode  *string `json:"postal_code"`
	City        *string `json:"city"`
	Country     *string `json:"country"`
}

// ListCustomers serves GET /v1/customer_lists/{listId}/customers.
func ListCustomers(s CustomerStores) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("customers.read"); err != nil {
			return apigw.Response{}, err
		}
		list, err := reachCustomerList(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		p, err := pageRequest(req)
		if err != nil {
			return apigw.Response{}, err
		}
		customers, err := s.ListCustomers(ctx, c.Connection.AccountID, list.ID, p)
		if err != nil {
			return apigw.Response{}, err
		}
		return statusOK(page[switchboard.Customer]{Data: customers.Customers, NextCursor: customers.NextCursor})
	}
}

// CreateCustomer serves POST /v1/customer_lists/{listId}/customers.
func CreateCustomer(s CustomerStores, idem Idempotency) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("customers.write"); err != nil {
			return apigw.Response{}, err
		}
		list, err := reachCustomerList(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return idem.Run(ctx, c, req, func() (apigw.Response, error) {
			var in customerInput
			if err := apigw.DecodeJSON(req, &in, maxBodyBytes); err != nil {
				return apigw.Response{}, err
			}
			now := idem.Now().UTC()
			cu := switchboard.Customer{
				ID: newID("cus_"), AccountID: c.Connection.AccountID, CustomerListID: list.ID,
				FirstName: in.FirstName, LastName: in.LastName, CompanyName: in.CompanyName, Email: in.Email, Phone: in.Phone,
				Address1: in.Address1, Address2: in.Address2, PostalCode: in.PostalCode, City: in.City, Country: in.Country,
				CreatedAt: now, UpdatedAt: now,
			}
			cu.Normalize()
			if err := cu.Validate(); err != nil {
				return apigw.Response{}, err
			}
			if err := s.CreateCustomer(ctx, cu); err != nil {
				return apigw.Response{}, err
			}
			return created(cu)
		})
	}
}

// GetCustomer serves GET /v1/customers/{customerId}.
func GetCustomer(s CustomerStores) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("customers.read"); err != nil {
			return apigw.Response{}, err
		}
		cu, err := reachCustomer(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return statusOK(cu)
	}
}

// UpdateCustomer serves PATCH /v1/customers/{customerId}.
func UpdateCustomer(s CustomerStores, now Clock) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("customers.write"); err != nil {
			return apigw.Response{}, err
		}
		cu, err := reachCustomer(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		var in customerPatch
		if err := apigw.DecodeJSON(req, &in, maxBodyBytes); err != nil {
			return apigw.Response{}, err
		}
		changes := []struct {
			from *string
			to   *string
		}{
			{in.FirstName, &cu.FirstName}, {in.LastName, &cu.LastName}, {in.CompanyName, &cu.CompanyName},
			{in.Email, &cu.Email}, {in.Phone, &cu.Phone}, {in.Address1, &cu.Address1}, {in.Address2, &cu.Address2},
			{in.PostalCode, &cu.PostalCode}, {in.City, &cu.City}, {in.Country, &cu.Country},
		}
		changed := false
		for _, ch := range changes {
			if ch.from != nil {
				*ch.to, changed = *ch.from, true
			}
		}
		if !changed {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "send at least one field to change")
		}
		cu.Normalize()
		if err := cu.Validate(); err != nil {
			return apigw.Response{}, err
		}
		cu.UpdatedAt = now().UTC()
		updated, err := s.UpdateCustomer(ctx, cu)
		if err != nil {
			return apigw.Response{}, err
		}
		return statusOK(updated)
	}
}

// reachCustomerList reads {listId} in the token's account. Lists belong to
// the account, so every token of the account reaches them, whatever its
// level; another account's lists are not found.
func reachCustomerList(ctx context.Context, s CustomerStores, c Caller, req apigw.Request) (switchboard.CustomerList, error) {
	listID, err := pathID(req, "listId", "Customer list")
	if err != nil {
		return switchboard.CustomerList{}, err
	}
	return s.GetCustomerList(ctx, c.Connection.AccountID, listID)
}

func reachCustomer(ctx context.Context, s CustomerStores, c Caller, req apigw.Request) (switchboard.Customer, error) {
	customerID, err := pathID(req, "customerId", "Customer")
	if err != nil {
		return switchboard.Customer{}, err
	}
	return s.GetCustomer(ctx, c.Connection.AccountID, customerID)
}

package dynamo

import (
	"context"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.CustomerStore = (*Store)(nil)

type customerListItem struct {
	PK, SK, Type string
	switchboard.CustomerList
}

type customerItem struct {
	PK, SK, Type   string
	GSI1PK, GSI1SK string
	switchboard.Customer
}

func newCustomerItem(c switchboard.Customer) customerItem {
	return customerItem{PK: customerPK(c.AccountID, c.ID), SK: customerSK, Type: "customer",
		GSI1PK: customersPK(c.AccountID, c.CustomerListID), GSI1SK: orderListSK(c.CreatedAt, c.ID), Customer: c}
}

// CreateCustomerList writes the list in its account's partition.
func (s *Store) CreateCustomerList(ctx context.Context, l switchboard.CustomerList) error {
	if l.CreatedAt.IsZero() {
		l.CreatedAt = s.now().UTC()
	}
	return s.putNew(ctx, customerListItem{PK: accountPK(l.AccountID), SK: customerListSK(l.ID), Type: "customer-list", CustomerList: l}, "customer list "+l.ID)
}

// GetCustomerList reads a list in its account: another account's id finds nothing.
func (s *Store) GetCustomerList(ctx context.Context, accountID, listID string) (switchboard.CustomerList, error) {
	var it customerListItem
	found, err := s.get(ctx, accountPK(accountID), customerListSK(listID), &it)
	if err != nil {
		return switchboard.CustomerList{}, err
	}
	if !found {
		return switchboard.CustomerList{}, switchboard.Errorf(switchboard.ENotFound, "Customer list %s was not found.", listID)
	}
	return it.CustomerList, nil
}

// ListCustomerLists reads the account's customer lists from its partition.
func (s *Store) ListCustomerLists(ctx context.Context, accountID string) ([]switchboard.CustomerList, error) {
	items, err := queryAll[customerListItem](ctx, s, s.prefixQuery(accountPK(accountID), customerListSK("")), "customer lists")
	if err != nil {
		return nil, err
	}
	out := make([]switchboard.CustomerList, 0, len(items))
	for _, it := range items {
		out = append(out, it.CustomerList)
	}
	return out, nil
}

// CreateCustomer writes the customer with version 1.
func (s *Store) CreateCustomer(ctx context.Context, c switchboard.Customer) error {
	c.Version = 1
	return s.putNew(ctx, newCustomerItem(c), "customer "+c.ID)
}

// GetCustomer reads the customer in its account, consistently: a PATCH right
// after the POST must see it.
func (s *Store) GetCustomer(ctx context.Context, accountID, customerID string) (switchboard.Customer, error) {
	var it customerItem
	found, err := s.getConsistent(ctx, customerPK(accountID, customerID), customerSK, &it)
	if err != nil {
		return switchboard.Customer{}, err
	}
	if !found {
		return switchboard.Customer{}, switchboard.Errorf(switchboard.ENotFound, "Customer %s was not found.", customerID)
	}
	return it.Customer, nil
}

// UpdateCustomer replaces the customer if nobody changed it since it was read.
func (s *Store) UpdateCustomer(ctx context.Context, c switchboard.Customer) (switchboard.Customer, error) {
	current := c.Version
	c.Version++
	if err := s.putVersioned(ctx, newCustomerItem(c), current, "customer "+c.ID); err != nil {
		return switchboard.Customer{}, err
	}
	return c, nil
}

// ListCustomers reads a list's customers from GSI1, newest first.
func (s *Store) ListCustomers(ctx context.Context, accountID, listID string, p switchboard.PageRequest) (switchboard.CustomerPage, error) {
	items, next, err := gsi1Page[customerItem](ctx, s, customersPK(accountID, listID), true, p, "customers")
	if err != nil {
		return switchboard.CustomerPage{}, err
	}
	page := switchboard.CustomerPage{Customers: make([]switchboard.Customer, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Customers = append(page.Customers, it.Customer)
	}
	return page, nil
}

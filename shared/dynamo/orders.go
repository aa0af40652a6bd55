package dynamo

import (
	"context"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.OrderStore = (*Store)(nil)

type orderItem struct {
	PK, SK, Type   string
	GSI1PK, GSI1SK string
	switchboard.Order
}

func newOrderItem(o switchboard.Order) orderItem {
	return orderItem{PK: orderPK(o.AccountID, o.ID), SK: orderSK, Type: "order",
		GSI1PK: orderListPK(o.AccountID, o.LocationID), GSI1SK: orderListSK(o.CreatedAt, o.ID), Order: o}
}

// CreateOrder writes the order with version 1.
func (s *Store) CreateOrder(ctx context.Context, o switchboard.Order) error {
	o.Version = 1
	return s.putNew(ctx, newOrderItem(o), "order "+o.ID)
}

// GetOrder reads the order in its account: another account's id finds nothing.
func (s *Store) GetOrder(ctx context.Context, accountID, orderID string) (switchboard.Order, error) {
	var it orderItem
	found, err := s.getConsistent(ctx, orderPK(accountID, orderID), orderSK, &it) // a PATCH right after the POST must see it
	if err != nil {
		return switchboard.Order{}, err
	}
	if !found {
		return switchboard.Order{}, switchboard.Errorf(switchboard.ENotFound, "Order %s was not found.", orderID)
	}
	return it.Order, nil
}

// UpdateOrder replaces the order if nobody changed it since it was read.
func (s *Store) UpdateOrder(ctx context.Context, o switchboard.Order) (switchboard.Order, error) {
	current := o.Version
	o.Version++
	if err := s.putVersioned(ctx, newOrderItem(o), current, "order "+o.ID); err != nil {
		return switchboard.Order{}, err
	}
	return o, nil
}

// ListOrders reads the location's orders from GSI1, newest first.
func (s *Store) ListOrders(ctx context.Context, accountID, locationID string, p switchboard.PageRequest) (switchboard.OrderPage, error) {
	items, next, err := gsi1Page[orderItem](ctx, s, orderListPK(accountID, locationID), true, p, "orders")
	if err != nil {
		return switchboard.OrderPage{}, err
	}
	page := switchboard.OrderPage{Orders: make([]switchboard.Order, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Orders = append(page.Orders, it.Order)
	}
	return page, nil
}

package switchboard

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Money is an amount in a currency's minor unit (cents), written as
// HubRise writes prices: "12.50 EUR".
type Money struct {
	Cents    int64
	Currency string
}

// MaxMoneyCents bounds a price (99,999.99) so that totals of the largest
// orders stay far from overflow.
const MaxMoneyCents = 9_999_999

var moneyPattern = regexp.MustCompile(`^([0-9]{1,5})\.([0-9]{2}) ([A-Z]{3})$`)

// ParseMoney reads "12.50 EUR": digits, a dot, two decimals, a space and an
// ISO 4217 code. field names the value in the error.
func ParseMoney(field, raw string) (Money, error) {
	m := moneyPattern.FindStringSubmatch(raw)
	if m == nil {
		return Money{}, Errorf(EInvalid, "%s must be an amount with two decimals and a currency code, such as \"12.50 EUR\"", field)
	}
	units, _ := strconv.ParseInt(m[1], 10, 64) // the pattern allows digits only
	cents, _ := strconv.ParseInt(m[2], 10, 64)
	return Money{Cents: units*100 + cents, Currency: m[3]}, nil
}

// String writes m as "12.50 EUR".
func (m Money) String() string {
	return fmt.Sprintf("%d.%02d %s", m.Cents/100, m.Cents%100, m.Currency)
}

// OrderStatus is where an order stands, in HubRise's vocabulary.
type OrderStatus string

// The statuses of an order. Orders move forward along new → received →
// accepted → in_preparation → awaiting_shipment | awaiting_collection →
// in_delivery → completed, and any order not yet final may be rejected or
// cancelled. Completed, rejected and cancelled are final.
const (
	OrderNew                OrderStatus = "new"
	OrderReceived           OrderStatus = "received"
	OrderAccepted           OrderStatus = "accepted"
	OrderInPreparation      OrderStatus = "in_preparation"
	OrderAwaitingShipment   OrderStatus = "awaiting_shipment"
	OrderAwaitingCollection OrderStatus = "awaiting_collection"
	OrderInDelivery         OrderStatus = "in_delivery"
	OrderCompleted          OrderStatus = "completed"
	OrderRejected           OrderStatus = "rejected"
	OrderCancelled          OrderStatus = "cancelled"
)

// orderSteps ranks the forward path; the two "awaiting" statuses share a
// rank because an order takes one or the other.
var orderSteps = map[OrderStatus]int{
	OrderNew: 0, OrderReceived: 1, OrderAccepted: 2, OrderInPreparation: 3,
	OrderAwaitingShipment: 4, OrderAwaitingCollection: 4, OrderInDelivery: 5, OrderCompleted: 6,
}

// OrderStatuses lists every status, in order, for messages and documentation.
var OrderStatuses = []OrderStatus{OrderNew, OrderReceived, OrderAccepted, OrderInPreparation,
	OrderAwaitingShipment, OrderAwaitingCollection, OrderInDelivery, OrderCompleted, OrderRejected, OrderCancelled}

// Valid reports whether s is a known status.
func (s OrderStatus) Valid() bool { return slices.Contains(OrderStatuses, s) }

// Final reports whether nothing may follow s.
func (s OrderStatus) Final() bool {
	return s == OrderCompleted || s == OrderRejected || s == OrderCancelled
}

// CanMoveTo reports whether an order in s may take status to. Keeping the
// same status is allowed (a retried update is harmless); steps may be
// skipped forward — a till that accepts an order at once need not send
// "received" first — but never taken back.
func (s OrderStatus) CanMoveTo(to OrderStatus) error {
	switch {
	case !to.Valid():
		return Errorf(EInvalid, "status must be one of %s", joinStatuses(OrderStatuses))
	case s == to:
		return nil
	case s.Final():
		return Errorf(EInvalid, "the order is %s, which is final: its status cannot change", s)
	case to == OrderRejected || to == OrderCancelled:
		return nil
	case orderSteps[to] <= orderSteps[s]:
		return Errorf(EInvalid, "status cannot go from %s back or across to %s", s, to)
	}
	return nil
}

func joinStatuses(l []OrderStatus) string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// ServiceTypes are how an order reaches its customer.
var ServiceTypes = []string{"delivery", "collection", "eat_in"}

// OrderItem is one line of an order.
type OrderItem struct {
	ProductName string `json:"product_name"`
	SKURef      string `json:"sku_ref,omitempty"`
	Price       string `json:"price"` // unit price, "12.50 EUR"
	Quantity    int    `json:"quantity"`
}

// Order is an order placed at one location of an account. Its JSON is the
// platform API's, in snake_case as HubRise's.
type Order struct {
	ID            string      `json:"id"`
	AccountID     string      `json:"account_id"`
	LocationID    string      `json:"location_id"`
	Status        OrderStatus `json:"status"`
	ServiceType   string      `json:"service_type"`
	ExpectedTime  *time.Time  `json:"expected_time,omitempty"`
	CustomerID    string      `json:"customer_id,omitempty"`
	CustomerNotes string      `json:"customer_notes,omitempty"`
	Items         []OrderItem `json:"items"`
	Total         string      `json:"total"` // computed by ComputeTotal, never taken from the client
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	Version       int         `json:"-"` // optimistic concurrency
}

// Limits of an order, far below DynamoDB's 400 KB item.
const (
	MaxOrderItems         = 100
	MaxItemQuantity       = 999
	MaxProductNameLength  = 100
	MaxRefLength          = 100
	MaxCustomerNoteLength = 1000
)

var refPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)

// ValidRef reports whether s is a usable reference or id: 1 to 100 letters,
// digits, dots, dashes, underscores or colons.
func ValidRef(s string) bool { return refPattern.MatchString(s) }

// ValidText reports whether s is at most max characters of valid UTF-8
// without control characters (newlines and tabs allowed when multiline).
func ValidText(s string, max int, multiline bool) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if (r < ' ' && !(multiline && (r == '\n' || r == '\r' || r == '\t'))) || r == 0x7f {
			return false
		}
	}
	return true
}

// ComputeTotal validates the items and returns the order's total. Every item
// must be priced in the same currency.
func ComputeTotal(items []OrderItem) (Money, error) {
	if len(items) == 0 {
		return Money{}, Errorf(EInvalid, "items must list at least one item")
	}
	if len(items) > MaxOrderItems {
		return Money{}, Errorf(EInvalid, "items must list at most %d items", MaxOrderItems)
	}
	var total Money
	for i, it := range items {
		field := fmt.Sprintf("items[%d]", i)
		if strings.TrimSpace(it.ProductName) == "" || !ValidText(it.ProductName, MaxProductNameLength, false) {
			return Money{}, Errorf(EInvalid, "%s.product_name is required: at most %d characters, no control characters", field, MaxProductNameLength)
		}
		if it.SKURef != "" && !ValidRef(it.SKURef) {
			return Money{}, Errorf(EInvalid, "%s.sku_ref must be 1 to 100 letters, digits, dots, dashes, underscores or colons", field)
		}
		if it.Quantity < 1 || it.Quantity > MaxItemQuantity {
			return Money{}, Errorf(EInvalid, "%s.quantity must be a whole number from 1 to %d", field, MaxItemQuantity)
		}
		price, err := ParseMoney(field+".price", it.Price)
		if err != nil {
			return Money{}, err
		}
		if i == 0 {
			total.Currency = price.Currency
		} else if price.Currency != total.Currency {
			return Money{}, Errorf(EInvalid, "%s.price is in %s but the order is in %s: one currency per order", field, price.Currency, total.Currency)
		}
		total.Cents += price.Cents * int64(it.Quantity)
	}
	return total, nil
}

// Validate reports the first problem with o's client-given fields and sets
// nothing; the caller computes Total with ComputeTotal.
func (o Order) Validate() error {
	if _, err := ComputeTotal(o.Items); err != nil {
		return err
	}
	switch {
	case !o.Status.Valid():
		return Errorf(EInvalid, "status must be one of %s", joinStatuses(OrderStatuses))
	case !slices.Contains(ServiceTypes, o.ServiceType):
		return Errorf(EInvalid, "service_type must be one of %s", strings.Join(ServiceTypes, ", "))
	case o.CustomerID != "" && !ValidRef(o.CustomerID):
		return Errorf(EInvalid, "customer_id must be 1 to 100 letters, digits, dots, dashes, underscores or colons")
	case !ValidText(o.CustomerNotes, MaxCustomerNoteLength, true):
		return Errorf(EInvalid, "customer_notes must be at most %d characters, without control characters", MaxCustomerNoteLength)
	}
	return nil
}

// ParseTime reads an RFC 3339 time such as "2026-11-24T19:30:00+01:00".
func ParseTime(field, raw string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, Errorf(EInvalid, "%s must be an RFC 3339 time such as \"2026-11-24T19:30:00+01:00\"", field)
	}
	return t, nil
}

// PageRequest asks for one page of a listing.
type PageRequest struct {
	Limit  int    // 1..MaxPageSize; 0 means DefaultPageSize
	Cursor string // opaque, from the previous page
}

// Validate checks the limit; the cursor is checked by the store that issued it.
func (p PageRequest) Validate() error {
	if p.Limit < 0 || p.Limit > MaxPageSize {
		return Errorf(EInvalid, "limit must be between 1 and %d", MaxPageSize)
	}
	return nil
}

// OrderPage is one page of a location's orders, newest first.
type OrderPage struct {
	Orders     []Order
	NextCursor string
}

// OrderStore keeps orders inside their account.
type OrderStore interface {
	// CreateOrder stores a new order. Returns EConflict if its id exists.
	CreateOrder(ctx context.Context, o Order) error
	// GetOrder returns ENotFound for an order not in the account.
	GetOrder(ctx context.Context, accountID, orderID string) (Order, error)
	// UpdateOrder replaces o if its Version is unchanged, and returns EConflict otherwise.
	UpdateOrder(ctx context.Context, o Order) (Order, error)
	// ListOrders returns a page of a location's orders, newest first.
	// Returns EInvalid for a bad page request or cursor.
	ListOrders(ctx context.Context, accountID, locationID string, p PageRequest) (OrderPage, error)
}

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// MaxIdempotencyKeyLength bounds the Idempotency-Key header.
const MaxIdempotencyKeyLength = 255

// IdempotentRequest is a write an app sent with an Idempotency-Key: the
// key's claim, the fingerprint of the request and, once done, its response.
type IdempotentRequest struct {
	AccountID    string
	ConnectionID string
	KeyHash      string // hash of the header's value: the claim's key
	RequestHash  string // hash of method, path and body
	ClaimedAt    time.Time
	ExpiresAt    time.Time
	Done         bool
	Status       int
	Body         string
}

// IdempotencyStore remembers idempotent writes.
type IdempotencyStore interface {
	// ClaimIdempotencyKey claims r's key for r. When the key is already held
	// (by a live claim or a finished request), it returns that holder and
	// claimed false. A claim left unfinished for longer than stale may be
	// taken over, so that a crash does not lock a key for a day.
	ClaimIdempotencyKey(ctx context.Context, r IdempotentRequest, stale time.Duration) (held IdempotentRequest, claimed bool, err error)
	// CompleteIdempotencyKey stores r's response under its claim.
	CompleteIdempotencyKey(ctx context.Context, r IdempotentRequest) error
	// ReleaseIdempotencyKey drops r's claim, so that the request may be retried.
	ReleaseIdempotencyKey(ctx context.Context, r IdempotentRequest) error
}

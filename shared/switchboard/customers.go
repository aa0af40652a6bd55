package switchboard

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// CustomerList is an account's list of customers, shared by its locations
// as in HubRise. Lists are made by the merchant (the demo seeds one), not by
// apps.
type CustomerList struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Customer is one customer of a list. Its JSON is the platform API's.
type Customer struct {
	ID             string    `json:"id"`
	AccountID      string    `json:"account_id"`
	CustomerListID string    `json:"customer_list_id"`
	FirstName      string    `json:"first_name,omitempty"`
	LastName       string    `json:"last_name,omitempty"`
	CompanyName    string    `json:"company_name,omitempty"`
	Email          string    `json:"email,omitempty"`
	Phone          string    `json:"phone,omitempty"`
	Address1       string    `json:"address_1,omitempty"`
	Address2       string    `json:"address_2,omitempty"`
	PostalCode     string    `json:"postal_code,omitempty"`
	City           string    `json:"city,omitempty"`
	Country        string    `json:"country,omitempty"` // ISO 3166-1 alpha-2, e.g. "FR"
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int       `json:"-"`
}

var (
	phonePattern   = regexp.MustCompile(`^\+?[0-9][0-9 ().-]{3,29}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Normalize trims every field and puts the email in its canonical form;
// Validate then checks the result.
func (c *Customer) Normalize() {
	for _, f := range []*string{&c.FirstName, &c.LastName, &c.CompanyName, &c.Email, &c.Phone, &c.Address1, &c.Address2, &c.PostalCode, &c.City, &c.Country} {
		*f = strings.TrimSpace(*f)
	}
	c.Email = strings.ToLower(c.Email)
}

// Validate reports the first problem with c, naming the field.
func (c Customer) Validate() error {
	if c.FirstName == "" && c.LastName == "" && c.CompanyName == "" && c.Email == "" {
		return Errorf(EInvalid, "a customer needs at least one of first_name, last_name, company_name and email")
	}
	texts := []struct {
		field, value string
		max          int
	}{
		{"first_name", c.FirstName, 100}, {"last_name", c.LastName, 100}, {"company_name", c.CompanyName, 100},
		{"address_1", c.Address1, 200}, {"address_2", c.Address2, 200}, {"postal_code", c.PostalCode, 20}, {"city", c.City, 100},
	}
	for _, t := range texts {
		if !ValidText(t.value, t.max, false) {
			return Errorf(EInvalid, "%s must be at most %d characters, without control characters", t.field, t.max)
		}
	}
	if c.Email != "" {
		if _, err := NormalizeEmail(c.Email); err != nil {
			return err
		}
	}
	if c.Phone != "" && !phonePattern.MatchString(c.Phone) {
		return Errorf(EInvalid, "phone must be 4 to 30 digits, spaces, dots, dashes or brackets, optionally after a +, such as \"+33 1 23 45 67 89\"")
	}
	if c.Country != "" && !countryPattern.MatchString(c.Country) {
		return Errorf(EInvalid, "country must be an ISO 3166-1 code of two capital letters, such as \"FR\"")
	}
	return nil
}

// CustomerPage is one page of a list's customers, newest first.
type CustomerPage struct {
	Customers  []Customer
	NextCursor string
}

// CustomerStore keeps customer lists and their customers inside their account.
type CustomerStore interface {
	// CreateCustomerList stores a list. Returns EConflict if it exists.
	CreateCustomerList(ctx context.Context, l CustomerList) error
	// GetCustomerList returns ENotFound for a list not in the account.
	GetCustomerList(ctx context.Context, accountID, listID string) (CustomerList, error)
	// ListCustomerLists returns the account's customer lists, by id.
	ListCustomerLists(ctx context.Context, accountID string) ([]CustomerList, error)
	// CreateCustomer stores a new customer. Returns EConflict if its id exists.
	CreateCustomer(ctx context.Context, c Customer) error
	// GetCustomer returns ENotFound for a customer not in the account.
	GetCustomer(ctx context.Context, accountID, customerID string) (Customer, error)
	// UpdateCustomer replaces c if its Version is unchanged, and returns EConflict otherwise.
	UpdateCustomer(ctx context.Context, c Customer) (Customer, error)
	// ListCustomers returns a page of a list's customers, newest first.
	// Returns EInvalid for a bad page request or cursor.
	ListCustomers(ctx context.Context, accountID, listID string, p PageRequest) (CustomerPage, error)
}

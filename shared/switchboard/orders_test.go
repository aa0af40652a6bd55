package switchboard_test

import (
	"testing"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		raw  string
		want switchboard.Money
		ok   bool
	}{
		{"12.50 EUR", switchboard.Money{Cents: 1250, Currency: "EUR"}, true},
		{"0.00 GBP", switchboard.Money{Cents: 0, Currency: "GBP"}, true},
		{"99999.99 USD", switchboard.Money{Cents: 9999999, Currency: "USD"}, true},
		{"100000.00 USD", switchboard.Money{}, false},
		{"12.5 EUR", switchboard.Money{}, false},
		{"12.50", switchboard.Money{}, false},
		{"12.50 eur", switchboard.Money{}, false},
		{"-1.00 EUR", switchboard.Money{}, false},
		{" 1.00 EUR", switchboard.Money{}, false},
		{"1.00  EUR", switchboard.Money{}, false},
	}
	for _, tt := range tests {
		got, err := switchboard.ParseMoney("price", tt.raw)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%q: %+v %v", tt.raw, got, err)
		}
		if tt.ok && got.String() != tt.raw {
			t.Errorf("%q written back as %q", tt.raw, got.String())
		}
	}
}

func TestComputeTotal(t *testing.T) {
	items := []switchboard.OrderItem{
		{ProductName: "Margherita", Price: "12.50 EUR", Quantity: 2},
		{ProductName: "Cola", Price: "0.05 EUR", Quantity: 999},
	}
	total, err := switchboard.ComputeTotal(items)
	if err != nil || total.String() != "74.95 EUR" {
		t.Errorf("total %v %v, want 74.95 EUR", total, err)
	}
	big := make([]switchboard.OrderItem, switchboard.MaxOrderItems)
	for i := range big {
		big[i] = switchboard.OrderItem{ProductName: "X", Price: "99999.99 EUR", Quantity: switchboard.MaxItemQuantity}
	}
	if total, err := switchboard.ComputeTotal(big); err != nil || total.Cents != 9999999*999*100 {
		t.Errorf("largest order: %v %v", total, err)
	}
}

func TestCustomerValidate(t *testing.T) {
	c := switchboard.Customer{FirstName: " Jeanne ", Email: " J@Example.COM ", Country: "FR", Phone: "+33 (0)6 12-34.56"}
	c.Normalize()
	if err := c.Validate(); err != nil || c.Email != "j@example.com" || c.FirstName != "Jeanne" {
		t.Errorf("%+v %v", c, err)
	}
	if (switchboard.Customer{Phone: "+33 6"}).Validate() == nil {
		t.Error("a customer with only a phone is valid")
	}
}

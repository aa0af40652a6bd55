package switchboard

import (
	"context"
	"strings"
	"time"
)

// Catalog is an account's menu, shared by its locations as in HubRise.
// Catalogs are made by the merchant (the demo seeds one), not by apps.
type Catalog struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Product is one product of a catalog. Its JSON is the platform API's.
type Product struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	CatalogID   string    `json:"catalog_id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Category    string    `json:"category,omitempty"`
	SKURef      string    `json:"sku_ref,omitempty"`
	Price       string    `json:"price"` // "12.50 EUR"
	CreatedAt   time.Time `json:"created_at"`
}

// Length limits of a product.
const (
	MaxProductDescriptionLength = 1000
	MaxCategoryLength           = 100
)

// Normalize trims the product's text fields.
func (p *Product) Normalize() {
	p.Name, p.Category, p.SKURef = strings.TrimSpace(p.Name), strings.TrimSpace(p.Category), strings.TrimSpace(p.SKURef)
}

// Validate reports the first problem with p, naming the field.
func (p Product) Validate() error {
	switch {
	case p.Name == "" || !ValidText(p.Name, MaxProductNameLength, false):
		return Errorf(EInvalid, "name is required: at most %d characters, without control characters", MaxProductNameLength)
	case !ValidText(p.Description, MaxProductDescriptionLength, true):
		return Errorf(EInvalid, "description must be at most %d characters, without control characters", MaxProductDescriptionLength)
	case !ValidText(p.Category, MaxCategoryLength, false):
		return Errorf(EInvalid, "category must be at most %d characters, without control characters", MaxCategoryLength)
	case p.SKURef != "" && !ValidRef(p.SKURef):
		return Errorf(EInvalid, "sku_ref must be 1 to 100 letters, digits, dots, dashes, underscores or colons")
	}
	_, err := ParseMoney("price", p.Price)
	return err
}

// ProductPage is one page of a catalog's products, in the order they were added.
type ProductPage struct {
	Products   []Product
	NextCursor string
}

// CatalogStore keeps catalogs and their products inside their account.
type CatalogStore interface {
	// CreateCatalog stores a catalog. Returns EConflict if it exists.
	CreateCatalog(ctx context.Context, c Catalog) error
	// GetCatalog returns ENotFound for a catalog not in the account.
	GetCatalog(ctx context.Context, accountID, catalogID string) (Catalog, error)
	// ListCatalogs returns the account's catalogs, by id.
	ListCatalogs(ctx context.Context, accountID string) ([]Catalog, error)
	// CreateProduct stores a new product. Returns EConflict if its id exists.
	CreateProduct(ctx context.Context, p Product) error
	// ListProducts returns a page of a catalog's products, oldest first.
	// Returns EInvalid for a bad page request or cursor.
	ListProducts(ctx context.Context, accountID, catalogID string, p PageRequest) (ProductPage, error)
}

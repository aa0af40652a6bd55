package dynamo

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.CatalogStore = (*Store)(nil)

type catalogItem struct {
	PK, SK, Type string
	switchboard.Catalog
}

type productItem struct {
	PK, SK, Type string
	switchboard.Product
}

// CreateCatalog writes the catalog in its account's partition.
func (s *Store) CreateCatalog(ctx context.Context, c switchboard.Catalog) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.now().UTC()
	}
	return s.putNew(ctx, catalogItem{PK: accountPK(c.AccountID), SK: menuSK(c.ID), Type: "catalog", Catalog: c}, "catalog "+c.ID)
}

// GetCatalog reads a catalog in its account: another account's id finds nothing.
func (s *Store) GetCatalog(ctx context.Context, accountID, catalogID string) (switchboard.Catalog, error) {
	var it catalogItem
	found, err := s.get(ctx, accountPK(accountID), menuSK(catalogID), &it)
	if err != nil {
		return switchboard.Catalog{}, err
	}
	if !found {
		return switchboard.Catalog{}, switchboard.Errorf(switchboard.ENotFound, "Catalog %s was not found.", catalogID)
	}
	return it.Catalog, nil
}

// ListCatalogs reads the account's catalogs from its partition.
func (s *Store) ListCatalogs(ctx context.Context, accountID string) ([]switchboard.Catalog, error) {
	items, err := queryAll[catalogItem](ctx, s, s.prefixQuery(accountPK(accountID), menuSK("")), "catalogs")
	if err != nil {
		return nil, err
	}
	out := make([]switchboard.Catalog, 0, len(items))
	for _, it := range items {
		out = append(out, it.Catalog)
	}
	return out, nil
}

// CreateProduct writes the product in its catalog's partition.
func (s *Store) CreateProduct(ctx context.Context, p switchboard.Product) error {
	return s.putNew(ctx, productItem{PK: productsPK(p.AccountID, p.CatalogID), SK: productSK(p.CreatedAt, p.ID), Type: "product", Product: p}, "product "+p.ID)
}

// ListProducts reads a catalog's partition in the order products were
// added, with a strongly consistent query.
func (s *Store) ListProducts(ctx context.Context, accountID, catalogID string, p switchboard.PageRequest) (switchboard.ProductPage, error) {
	pk := productsPK(accountID, catalogID)
	in := s.prefixQuery(pk, productSKPrefix)
	in.ConsistentRead = aws.Bool(true)
	valid := func(c map[string]string) bool { return c["PK"] == pk && strings.HasPrefix(c["SK"], productSKPrefix) }
	items, next, err := queryPage[productItem](ctx, s, in, p, []string{"PK", "SK"}, valid, "products")
	if err != nil {
		return switchboard.ProductPage{}, err
	}
	page := switchboard.ProductPage{Products: make([]switchboard.Product, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Products = append(page.Products, it.Product)
	}
	return page, nil
}

package appapi

import (
	"context"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// CatalogStores is what the catalog routes read and write.
type CatalogStores interface {
	switchboard.CatalogStore
	switchboard.IdempotencyStore
}

// productInput is POST /v1/catalogs/{catalogId}/products's body.
type productInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Category    string `json:"category"`
	SKURef      string `json:"sku_ref"`
	Price       string `json:"price"`
}

// GetCatalog serves GET /v1/catalogs/{catalogId}.
func GetCatalog(s CatalogStores) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("catalog.read"); err != nil {
			return apigw.Response{}, err
		}
		cat, err := reachCatalog(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return statusOK(cat)
	}
}

// ListProducts serves GET /v1/catalogs/{catalogId}/products.
func ListProducts(s CatalogStores) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("catalog.read"); err != nil {
			return apigw.Response{}, err
		}
		cat, err := reachCatalog(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		p, err := pageRequest(req)
		if err != nil {
			return apigw.Response{}, err
		}
		products, err := s.ListProducts(ctx, c.Connection.AccountID, cat.ID, p)
		if err != nil {
			return apigw.Response{}, err
		}
		return statusOK(page[switchboard.Product]{Data: products.Products, NextCursor: products.NextCursor})
	}
}

// CreateProduct serves POST /v1/catalogs/{catalogId}/products.
func CreateProduct(s CatalogStores, idem Idempotency) Handler {
	return func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error) {
		if err := c.Require("catalog.write"); err != nil {
			return apigw.Response{}, err
		}
		cat, err := reachCatalog(ctx, s, c, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return idem.Run(ctx, c, req, func() (apigw.Response, error) {
			var in productInput
			if err := apigw.DecodeJSON(req, &in, maxBodyBytes); err != nil {
				return apigw.Response{}, err
			}
			p := switchboard.Product{
				ID: newID("prd_"), AccountID: c.Connection.AccountID, CatalogID: cat.ID,
				Name: in.Name, Description: in.Description, Category: in.Category, SKURef: in.SKURef, Price: in.Price,
				CreatedAt: idem.Now().UTC(),
			}
			p.Normalize()
			if err := p.Validate(); err != nil {
				return apigw.Response{}, err
			}
			if err := s.CreateProduct(ctx, p); err != nil {
				return apigw.Response{}, err
			}
			return created(p)
		})
	}
}

// reachCatalog reads {catalogId} in the token's account. Catalogs belong to
// the account, so every token of the account reaches them, whatever its
// level; another account's catalogs are not found.
func reachCatalog(ctx context.Context, s CatalogStores, c Caller, req apigw.Request) (switchboard.Catalog, error) {
	catalogID, err := pathID(req, "catalogId", "Catalog")
	if err != nil {
		return switchboard.Catalog{}, err
	}
	return s.GetCatalog(ctx, c.Connection.AccountID, catalogID)
}

package api

import (
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

// platformRoute builds a /v1 route behind the platform API's door.
func platformRoute(env *platform.Env, resource string, build func(*dynamo.Store) appapi.Handler) apigw.LambdaHandler {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName).WithCallRetention(time.Duration(env.Config.LogRetentionDays) * 24 * time.Hour)
	door := &appapi.Door{
		Tokens: store, Connections: store, Limiter: store, Calls: store,
		// Bodies travel in the call's roll-up feed item; the roll-up
		// archives them to S3 in batches (see dynamo/bodies.go).
		Bodies: store,
		Limits: appapi.DefaultLimits, Now: time.Now,
		After: platform.ProcessAfterResponse(env.Logger),
	}
	// Track is outermost, so an invocation counts as returned only once
	// the answer is complete.
	return platform.Track(door.After, apigw.HandleCheckingIDsInside(env.Logger, door.Handle(resource, build(store))))
}

// GetLocationFunction is GetLocationFunction in template.yaml.
func GetLocationFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "location", func(s *dynamo.Store) appapi.Handler { return appapi.GetLocation(s) })
}

// GetAccountFunction is GetAccountFunction in template.yaml.
func GetAccountFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "account", func(s *dynamo.Store) appapi.Handler { return appapi.GetAccount(s) })
}

// ListOrdersFunction is ListOrdersFunction in template.yaml.
func ListOrdersFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "orders", func(s *dynamo.Store) appapi.Handler { return appapi.ListOrders(s) })
}

// CreateOrderFunction is CreateOrderFunction in template.yaml.
func CreateOrderFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "orders", func(s *dynamo.Store) appapi.Handler {
		return appapi.CreateOrder(s, appapi.Idempotency{Store: s, Now: time.Now})
	})
}

// GetOrderFunction is GetOrderFunction in template.yaml.
func GetOrderFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "orders", func(s *dynamo.Store) appapi.Handler { return appapi.GetOrder(s) })
}

// UpdateOrderFunction is UpdateOrderFunction in template.yaml.
func UpdateOrderFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "orders", func(s *dynamo.Store) appapi.Handler { return appapi.UpdateOrder(s, time.Now) })
}

// ListCustomersFunction is ListCustomersFunction in template.yaml.
func ListCustomersFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "customers", func(s *dynamo.Store) appapi.Handler { return appapi.ListCustomers(s) })
}

// CreateCustomerFunction is CreateCustomerFunction in template.yaml.
func CreateCustomerFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "customers", func(s *dynamo.Store) appapi.Handler {
		return appapi.CreateCustomer(s, appapi.Idempotency{Store: s, Now: time.Now})
	})
}

// GetCustomerFunction is GetCustomerFunction in template.yaml.
func GetCustomerFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "customers", func(s *dynamo.Store) appapi.Handler { return appapi.GetCustomer(s) })
}

// UpdateCustomerFunction is UpdateCustomerFunction in template.yaml.
func UpdateCustomerFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "customers", func(s *dynamo.Store) appapi.Handler { return appapi.UpdateCustomer(s, time.Now) })
}

// GetCatalogFunction is GetCatalogFunction in template.yaml.
func GetCatalogFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "catalog", func(s *dynamo.Store) appapi.Handler { return appapi.GetCatalog(s) })
}

// ListProductsFunction is ListProductsFunction in template.yaml.
func ListProductsFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "catalog", func(s *dynamo.Store) appapi.Handler { return appapi.ListProducts(s) })
}

// CreateProductFunction is CreateProductFunction in template.yaml.
func CreateProductFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "catalog", func(s *dynamo.Store) appapi.Handler {
		return appapi.CreateProduct(s, appapi.Idempotency{Store: s, Now: time.Now})
	})
}

// GetRateLimitsFunction is GetRateLimitsFunction in template.yaml.
func GetRateLimitsFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "rate_limits", func(*dynamo.Store) appapi.Handler { return appapi.GetRateLimits() })
}

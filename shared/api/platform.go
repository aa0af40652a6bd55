package api

import (
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
)

// platformRoute builds a /v1 route behind the platform API's door.
func platformRoute(env *platform.Env, resource string, build func(*dynamo.Store) appapi.Handler) apigw.LambdaHandler {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName).WithCallRetention(time.Duration(env.Config.LogRetentionDays) * 24 * time.Hour)
	door := &appapi.Door{
		Tokens: store, Connections: store, Limiter: store, Calls: store,
		Bodies: s3store.New(env.S3(), env.Config.ArchiveBucket),
		Limits: appapi.DefaultLimits, Now: time.Now,
	}
	return apigw.Handle(env.Logger, door.Handle(resource, build(store)))
}

// GetLocationFunction is GetLocationFunction in template.yaml.
func GetLocationFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "location", func(s *dynamo.Store) appapi.Handler { return appapi.GetLocation(s) })
}

// GetAccountFunction is GetAccountFunction in template.yaml.
func GetAccountFunction(env *platform.Env) apigw.LambdaHandler {
	return platformRoute(env, "account", func(s *dynamo.Store) appapi.Handler { return appapi.GetAccount(s) })
}

package appapi_test

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/switchboard-hq/switchboard/shared/platform"
)

// capacityMeter asks DynamoDB for the capacity each request consumes
// (ReturnConsumedCapacity TOTAL, which DynamoDB Local computes as DynamoDB does:
// item size in 1 KB write units, 4 KB read units, halved for eventually
// consistent reads) and adds up what the answers report, per operation.
type capacityMeter struct {
	mu       sync.Mutex
	units    map[string]float64
	requests map[string]int
	missing  int // answers without a figure
}

func newCapacityMeter() *capacityMeter {
	return &capacityMeter{units: map[string]float64{}, requests: map[string]int{}}
}

func (m *capacityMeter) client(env *platform.Env) *dynamodb.Client {
	return dynamodb.NewFromConfig(env.AWS, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("meter-capacity", m.handle), middleware.After)
		})
	})
}

func (m *capacityMeter) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	op := ""
	total := types.ReturnConsumedCapacityTotal
	switch p := in.Parameters.(type) {
	case *dynamodb.GetItemInput:
		op, p.ReturnConsumedCapacity = "GetItem", total
	case *dynamodb.PutItemInput:
		op, p.ReturnConsumedCapacity = "PutItem", total
	case *dynamodb.UpdateItemInput:
		op, p.ReturnConsumedCapacity = "UpdateItem", total
	case *dynamodb.DeleteItemInput:
		op, p.ReturnConsumedCapacity = "DeleteItem", total
	case *dynamodb.QueryInput:
		op, p.ReturnConsumedCapacity = "Query", total
	case *dynamodb.BatchWriteItemInput:
		op, p.ReturnConsumedCapacity = "BatchWriteItem", total
	case *dynamodb.BatchGetItemInput:
		op, p.ReturnConsumedCapacity = "BatchGetItem", total
	}
	out, md, err := next.HandleInitialize(ctx, in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) && op != "" {
		// DynamoDB bills a write whose condition fails as a write of the
		// item (one unit for the small items conditioned here), but the
		// error carries no figure: count it, or a design that relies on
		// failed conditions would look free.
		m.mu.Lock()
		m.requests[op]++
		m.units[op]++
		m.mu.Unlock()
		return out, md, err
	}
	if err != nil || op == "" {
		return out, md, err
	}
	var caps []types.ConsumedCapacity
	switch r := out.Result.(type) {
	case *dynamodb.GetItemOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.BatchWriteItemOutput:
		caps = r.ConsumedCapacity
	case *dynamodb.BatchGetItemOutput:
		caps = r.ConsumedCapacity
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[op]++
	if len(caps) == 0 {
		m.missing++
	}
	for _, c := range caps {
		m.units[op] += aws.ToFloat64(c.CapacityUnits)
	}
	return out, md, err
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

// s3Counter counts the HTTP requests an S3 client sends, by method.
type s3Counter struct {
	mu       sync.Mutex
	requests map[string]int
}

func (c *s3Counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.requests[r.Method]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *s3Counter) client(env *platform.Env) *s3.Client {
	cfg := env.AWS.Copy()
	cfg.HTTPClient = &http.Client{Transport: c}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = env.Config.S3PathStyle })
}

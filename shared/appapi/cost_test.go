package appapi_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// awsPrices is testdata/aws-prices.json: the one place the benchmark's
// dollar figures come from, with its source and date.
type awsPrices struct {
	Source            string  `json:"source"`
	Date              string  `json:"date"`
	DynamoDBWriteUnit float64 `json:"dynamodbWriteUnit"`
	DynamoDBReadUnit  float64 `json:"dynamodbReadUnit"`
	S3Put             float64 `json:"s3Put"`
	S3Get             float64 `json:"s3Get"`
	HTTPAPIRequest    float64 `json:"httpAPIRequest"`
	LambdaRequest     float64 `json:"lambdaRequest"`
	LambdaArmGBSecond float64 `json:"lambdaArmGBSecond"`
	LambdaMemoryGB    float64 `json:"lambdaMemoryGB"`
}

func mustPrices(tb testing.TB) awsPrices {
	tb.Helper()
	raw, err := os.ReadFile("testdata/aws-prices.json")
	if err != nil {
		tb.Fatal(err)
	}
	var p awsPrices
	if err := json.Unmarshal(raw, &p); err != nil {
		tb.Fatal(err)
	}
	if p.Source == "" || p.Date == "" || p.DynamoDBWriteUnit == 0 || p.S3Put == 0 || p.LambdaArmGBSecond == 0 {
		tb.Fatalf("testdata/aws-prices.json lacks a price, its source or its date: %+v", p)
	}
	return p
}

// usage is what a number of calls consumed, as metered.
type usage struct {
	calls        int
	readUnits    float64 // DynamoDB RCU
	writeUnits   float64 // DynamoDB WCU
	s3Puts       int
	s3Gets       int
	lambdaMillis float64 // wall time of the calls, logging included
}

// readOps are the DynamoDB operations billed in read units; every other
// metered operation writes.
var readOps = map[string]bool{"GetItem": true, "Query": true, "BatchGetItem": true, "Scan": true}

func meteredUsage(calls int, m *capacityMeter, s3 *s3Counter, took time.Duration) usage {
	u := usage{calls: calls, lambdaMillis: float64(took.Microseconds()) / 1000}
	for op, n := range m.units {
		if readOps[op] {
			u.readUnits += n
		} else {
			u.writeUnits += n
		}
	}
	if s3 != nil {
		u.s3Puts, u.s3Gets = s3.requests["PUT"], s3.requests["GET"]+s3.requests["HEAD"]
	}
	return u
}

// perMillion is the AWS bill of a million such calls in dollars: API
// Gateway and Lambda requests, Lambda duration at the function's memory on
// arm64 (billed per started millisecond of each call), DynamoDB on-demand
// units and S3 requests.
func (u usage) perMillion(p awsPrices) float64 {
	n := float64(u.calls)
	billedMs := math.Ceil(u.lambdaMillis / n)
	perCall := p.HTTPAPIRequest + p.LambdaRequest + p.LambdaMemoryGB*billedMs/1000*p.LambdaArmGBSecond +
		u.readUnits/n*p.DynamoDBReadUnit + u.writeUnits/n*p.DynamoDBWriteUnit +
		float64(u.s3Puts)/n*p.S3Put + float64(u.s3Gets)/n*p.S3Get
	return perCall * 1e6
}

// typicalOrder is a POST orders body of a usual size (about 1.5 KB): a
// delivery order of a few items with notes, as POS integrations send.
const typicalOrder = `{"service_type":"delivery","expected_time":"2026-12-06T19:30:00Z","customer_notes":"Ring twice at the blue door, 3rd floor on the left. Please no cutlery, and put the sauces in a separate bag. Allergy: one guest is allergic to nuts.","items":[` +
	`{"product_name":"Margherita (large, extra mozzarella, basil)","sku_ref":"PIZ-MARG-L-XMOZ","price":"13.50 EUR","quantity":2},` +
	`{"product_name":"Quattro Formaggi (medium, gluten-free base)","sku_ref":"PIZ-4FRM-M-GF","price":"14.90 EUR","quantity":1},` +
	`{"product_name":"Diavola (large, extra chili, no olives)","sku_ref":"PIZ-DIAV-L-XCHI","price":"14.20 EUR","quantity":1},` +
	`{"product_name":"Calzone ripieno (ham, mushrooms, ricotta)","sku_ref":"PIZ-CALZ-STD","price":"12.80 EUR","quantity":1},` +
	`{"product_name":"Insalata Caprese (tomato, mozzarella di bufala)","sku_ref":"SAL-CAPR-STD","price":"8.90 EUR","quantity":2},` +
	`{"product_name":"Garlic bread with rosemary and sea salt","sku_ref":"SID-GARL-STD","price":"4.50 EUR","quantity":3},` +
	`{"product_name":"Tiramisu della casa (individual portion)","sku_ref":"DES-TIRA-IND","price":"6.50 EUR","quantity":2},` +
	`{"product_name":"San Pellegrino sparkling water 50cl","sku_ref":"DRK-SPEL-50","price":"2.80 EUR","quantity":4},` +
	`{"product_name":"Chianti Classico DOCG 75cl","sku_ref":"DRK-CHIA-75","price":"24.00 EUR","quantity":1},` +
	`{"product_name":"Delivery fee (zone 2, 3 to 5 km)","sku_ref":"FEE-DELIV-Z2","price":"3.90 EUR","quantity":1}]}`

// nopLog and nopBodies are a call log and a body archive that keep
// nothing: the unlogged baseline's door.
type nopLog struct{}

func (nopLog) RecordCall(context.Context, switchboard.Call) error { return nil }
func (nopLog) ListCalls(context.Context, string, string, switchboard.CallFilter) (switchboard.CallPage, error) {
	return switchboard.CallPage{}, nil
}
func (nopLog) GetCall(context.Context, string, string, string) (switchboard.Call, error) {
	return switchboard.Call{}, switchboard.Errorf(switchboard.ENotFound, "call not found")
}

type nopBodies struct{}

func (nopBodies) KeepBodies(context.Context, switchboard.Call, switchboard.CallBodies) error {
	return nil
}
func (nopBodies) GetBody(context.Context, switchboard.Call, switchboard.BodyKind) (switchboard.ArchivedBody, error) {
	return switchboard.ArchivedBody{}, switchboard.Errorf(switchboard.ENotFound, "no body")
}

// Command echofn is a Lambda function for the runtime tests. What it does
// depends on its input, so one binary covers every case:
//
//	{"sleep_ms":N}  sleeps N milliseconds first (ignoring the deadline)
//	{"crash":true}  exits with status 3 without answering
//	{"fail":"msg"}  returns errors.New(msg)
//	{"pid":true}    returns {"pid":os.Getpid(),"some_var":$SOME_VAR}
//	{"echo":X}      returns X
//
// Anything else is returned unchanged.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type input struct {
	Echo    json.RawMessage `json:"echo"`
	Fail    string          `json:"fail"`
	Crash   bool            `json:"crash"`
	SleepMS int             `json:"sleep_ms"`
	PID     bool            `json:"pid"`
}

type pidOutput struct {
	PID     int    `json:"pid"`
	SomeVar string `json:"some_var"`
}

func handle(_ context.Context, in json.RawMessage) (json.RawMessage, error) {
	var req input
	if err := json.Unmarshal(in, &req); err != nil {
		return in, nil // not an object: echo it
	}
	if req.SleepMS > 0 {
		time.Sleep(time.Duration(req.SleepMS) * time.Millisecond)
	}
	switch {
	case req.Crash:
		os.Exit(3)
	case req.Fail != "":
		return nil, errors.New(req.Fail)
	case req.PID:
		return json.Marshal(pidOutput{PID: os.Getpid(), SomeVar: os.Getenv("SOME_VAR")})
	case req.Echo != nil:
		return req.Echo, nil
	}
	return in, nil
}

func main() {
	lambda.Start(handle)
}

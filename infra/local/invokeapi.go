package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// InvokeAPI serves the Lambda Invoke API the way `sam local start-lambda`
// does, so `aws lambda invoke --endpoint-url`, the SDK's Lambda client and
// `make invoke` can call any function, scheduled ones included.
type InvokeAPI struct {
	runtime *Runtime
	log     io.Writer
	// detached is the context of asynchronous (Event) invocations: it
	// outlives the HTTP request that queued them.
	detached context.Context
}

// NewInvokeAPI returns the handler; ctx bounds asynchronous invocations.
func NewInvokeAPI(ctx context.Context, rt *Runtime, log io.Writer) http.Handler {
	api := &InvokeAPI{runtime: rt, log: log, detached: ctx}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", api.invoke)
	return mux
}

func (a *InvokeAPI) invoke(w http.ResponseWriter, r *http.Request) {
	name := functionName(r.PathValue("name"))
	payload, err := io.ReadAll(io.LimitReader(r.Body, 6<<20+1))
	if err != nil || len(payload) > 6<<20 {
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	known := false
	for _, fn := range a.runtime.Functions() {
		known = known || fn == name
	}
	if !known {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	switch r.Header.Get("X-Amz-Invocation-Type") {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	case "Event":
		go func() {
			ctx, cancel := context.WithTimeout(a.detached, 15*time.Minute)
			defer cancel()
			res, err := a.runtime.Invoke(ctx, name, payload)
			if err == nil && res.FunctionError != "" {
				err = fmt.Errorf("%s", res.Payload)
			}
			if err != nil {
				fmt.Fprintf(a.log, "[invoke] asynchronous %s failed: %v\n", name, err)
			}
		}()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	res, err := a.runtime.Invoke(r.Context(), name, payload)
	if errors.Is(err, ErrUnknownFunction) {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	if err != nil {
		lambdaError(w, http.StatusServiceUnavailable, "ServiceException", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if res.FunctionError != "" {
		w.Header().Set("X-Amz-Function-Error", res.FunctionError)
	}
	_, _ = w.Write(res.Payload) // caller went away: nothing to do
}

// functionName accepts a name, a partial or a full ARN, as Lambda does.
func functionName(s string) string {
	if i := strings.LastIndex(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	}
	name, _, _ := strings.Cut(s, ":") // drop a version or alias qualifier
	return name
}

func lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg}) // client went away: nothing to do
}

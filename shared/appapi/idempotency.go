package appapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Idempotency replays POSTs sent again with the same Idempotency-Key, for
// IdempotencyTTL: the same request gets the first response (status and
// body), another request under the same key gets idempotency_mismatch.
type Idempotency struct {
	Store switchboard.IdempotencyStore
	Now   func() time.Time
}

// staleClaim is how long an unfinished claim holds its key: longer than any
// function's timeout, so only a crashed request's claim is taken over.
const staleClaim = time.Minute

// ReplayedHeader marks a replayed response.
const ReplayedHeader = "Idempotent-Replayed"

// Run runs do once per key. Responses below 500 are kept and replayed; after
// a 5xx the claim is released so that the app may retry with the same key.
func (i Idempotency) Run(ctx context.Context, c Caller, req apigw.Request, do func() (apigw.Response, error)) (apigw.Response, error) {
	raw, present := req.Headers["idempotency-key"]
	if !present {
		return do()
	}
	if raw == "" || len(raw) > switchboard.MaxIdempotencyKeyLength || !switchboard.ValidText(raw, switchboard.MaxIdempotencyKeyLength, false) {
		return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "Idempotency-Key must be 1 to %d printable characters", switchboard.MaxIdempotencyKeyLength)
	}
	now := i.Now()
	r := switchboard.IdempotentRequest{
		AccountID: c.Connection.AccountID, ConnectionID: c.Connection.ID,
		KeyHash: hash(raw), RequestHash: hash(req.RequestContext.HTTP.Method, req.RawPath, decodeBody(req.Body, req.IsBase64Encoded)),
		ClaimedAt: now, ExpiresAt: now.Add(switchboard.IdempotencyTTL),
	}
	held, claimed, err := i.Store.ClaimIdempotencyKey(ctx, r, staleClaim)
	if err != nil {
		return apigw.Response{}, err
	}
	if !claimed {
		switch {
		case held.RequestHash != r.RequestHash:
			return apigw.Response{}, switchboard.Errorf(switchboard.EIdempotencyMismatch, "This Idempotency-Key was used with a different request in the last 24 hours; use a new key for a new request.")
		case !held.Done:
			return apigw.Response{}, switchboard.Errorf(switchboard.EConflict, "A request with this Idempotency-Key is being processed; retry shortly.")
		}
		resp, err := apigw.JSON(held.Status, nil)
		if err != nil {
			return apigw.Response{}, err
		}
		resp.Body = held.Body
		resp.Headers[ReplayedHeader] = "true"
		return resp, nil
	}
	resp, err := do()
	if err != nil {
		resp = apigw.ErrorResponse(ctx, err)
	}
	if resp.StatusCode >= http.StatusInternalServerError {
		if rerr := i.Store.ReleaseIdempotencyKey(ctx, r); rerr != nil {
			platform.Logger(ctx).Error("idempotency key not released", "error", rerr)
		}
		return resp, nil
	}
	r.Done, r.Status, r.Body = true, resp.StatusCode, resp.Body
	if cerr := i.Store.CompleteIdempotencyKey(ctx, r); cerr != nil {
		// The write happened: answer it. A retry sees the claim as
		// unfinished (409) until it goes stale after staleClaim.
		platform.Logger(ctx).Error("idempotent response not stored", "error", cerr)
	}
	return resp, nil
}

func hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Package switchboard holds Switchboard's domain: the entities merchants and
// apps deal with, their validation, and the interfaces of the stores that keep
// them. It imports neither the AWS SDK nor aws-lambda-go, so the rules here are
// tested as plain Go and every outside system adapts to them.
package switchboard

import (
	"errors"
	"fmt"
)

// Error codes are part of the public API: clients switch on them, so they
// never change once released. The HTTP status for each lives in one map in the
// apigw package.
const (
	EInvalid      = "invalid"      // the request is malformed or fails validation
	EUnauthorized = "unauthorized" // no or bad credentials
	EForbidden    = "forbidden"    // authenticated but not allowed
	ENotFound     = "not_found"    // the resource does not exist for this caller
	EConflict     = "conflict"     // the write conflicts with current state
	ERateLimited  = "rate_limited" // too many requests
	EUnavailable  = "unavailable"  // a dependency cannot be reached right now
	EInternal     = "internal"     // a bug or an unexpected failure; details are logged, never returned

	// Platform API codes, for apps calling with a token.
	EInvalidToken      = "invalid_token"      // unknown, revoked or superseded token
	EConnectionBlocked = "connection_blocked" // the merchant blocked the connection
	EInsufficientScope = "insufficient_scope" // the token lacks the permission or the target
	// EIdempotencyMismatch: an Idempotency-Key was reused with another request.
	EIdempotencyMismatch = "idempotency_mismatch"
)

// Error is the one error type whose code and message may be shown to callers.
// Any other error is internal and reaches users only as EInternal.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("switchboard error: code=%s message=%s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of the first *Error in err's chain, and a
// generic text for internal errors so that their causes never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

package auth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Sign-in throttling: failures are counted per address and per client IP in
// fixed windows; past the limit, sign-in answers rate_limited until the
// window ends, whether or not the password is right.
const (
	FailureWindow      = 15 * time.Minute
	MaxFailuresPerUser = 5
	MaxFailuresPerIP   = 50
	SessionLifetime    = 12 * time.Hour
)

// Service signs users in and out and authenticates their requests.
type Service struct {
	Accounts switchboard.AccountStore
	Sessions switchboard.SessionStore
	Limiter  switchboard.Limiter
	Now      func() time.Time

	// dummyHash is verified when the email is unknown, so that a missing
	// account costs as much time as a wrong password and cannot be told apart.
	// It is made on first need: every admin route builds a Service, and an
	// argon2id hash at cold start would cost each of them ~100 ms.
	dummyHash func() string
}

// NewService returns a Service reading time from time.Now.
func NewService(accounts switchboard.AccountStore, sessions switchboard.SessionStore, limiter switchboard.Limiter) *Service {
	dummy := sync.OnceValue(func() string {
		h, _ := HashPassword("not-a-real-password") // long enough: never fails
		return h
	})
	return &Service{Accounts: accounts, Sessions: sessions, Limiter: limiter, Now: time.Now, dummyHash: dummy}
}

// SignedIn is the result of a successful sign-in.
type SignedIn struct {
	Token     string // the session cookie's value, given out once
	ExpiresAt time.Time
	User      switchboard.User
}

// SignIn checks email and password. Failures return EUnauthorized with one
// message whatever was wrong, and ERateLimited after too many of them.
func (s *Service) SignIn(ctx context.Context, email, password, clientIP string) (SignedIn, error) {
	email, err := switchboard.NormalizeEmail(email)
	if err != nil {
		return SignedIn{}, err
	}
	keys := []struct {
		key   string
		limit int
	}{{"signin-email:" + email, MaxFailuresPerUser}, {"signin-ip:" + clientIP, MaxFailuresPerIP}}
	for _, k := range keys {
		n, err := s.Limiter.Peek(ctx, k.key, FailureWindow)
		if err != nil {
			return SignedIn{}, err
		}
		if n >= k.limit {
			return SignedIn{}, s.tooMany()
		}
	}
	user, hash, err := s.Accounts.UserByEmail(ctx, email)
	if err != nil && switchboard.ErrorCode(err) != switchboard.ENotFound {
		return SignedIn{}, err
	}
	if err != nil {
		hash = s.dummyHash()
	}
	ok, verr := VerifyPassword(hash, password)
	if verr != nil {
		return SignedIn{}, fmt.Errorf("verify password of user %s: %w", user.ID, verr)
	}
	if err != nil || !ok || !user.Active {
		for _, k := range keys {
			if _, cerr := s.Limiter.Count(ctx, k.key, FailureWindow); cerr != nil {
				return SignedIn{}, cerr
			}
		}
		return SignedIn{}, switchboard.Errorf(switchboard.EUnauthorized, "The email or password is incorrect.")
	}
	token, hashed := NewToken()
	now := s.Now().UTC()
	sess := switchboard.Session{TokenHash: hashed, AccountID: user.AccountID, UserID: user.ID, CreatedAt: now, ExpiresAt: now.Add(SessionLifetime), Epoch: user.SessionEpoch}
	if err := s.Sessions.CreateSession(ctx, sess); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Token: token, ExpiresAt: sess.ExpiresAt, User: user}, nil
}

func (s *Service) tooMany() error {
	now := s.Now()
	wait := now.Truncate(FailureWindow).Add(FailureWindow).Sub(now)
	return switchboard.Errorf(switchboard.ERateLimited, "Too many failed sign-ins. Try again in %d minutes.", int(math.Ceil(wait.Minutes())))
}

// Authenticate returns who holds sessionToken. State-changing requests must
// also carry the session's CSRF token; safe ones pass csrfRequired false.
// The role is read from the user at each request, so a demotion or a
// deactivation takes effect at once.
func (s *Service) Authenticate(ctx context.Context, sessionToken string, csrfRequired bool, csrfToken string) (switchboard.Principal, error) {
	unauthorized := switchboard.Errorf(switchboard.EUnauthorized, "Sign in to continue.")
	if sessionToken == "" || len(sessionToken) > 128 {
		return switchboard.Principal{}, unauthorized
	}
	sess, err := s.Sessions.SessionByTokenHash(ctx, HashToken(sessionToken))
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return switchboard.Principal{}, unauthorized
	}
	if err != nil {
		return switchboard.Principal{}, err
	}
	user, err := s.Accounts.GetUser(ctx, sess.AccountID, sess.UserID)
	// A session from before the user's sessions were ended (deactivation)
	// stays dead even after the user is active again.
	if switchboard.ErrorCode(err) == switchboard.ENotFound || (err == nil && (!user.Active || user.SessionEpoch != sess.Epoch)) {
		return switchboard.Principal{}, unauthorized
	}
	if err != nil {
		return switchboard.Principal{}, err
	}
	if csrfRequired && subtle.ConstantTimeCompare([]byte(csrfToken), []byte(CSRFToken(sessionToken))) != 1 {
		return switchboard.Principal{}, switchboard.Errorf(switchboard.EForbidden, "The request lacks a valid X-CSRF-Token header.")
	}
	return switchboard.Principal{AccountID: user.AccountID, UserID: user.ID, Role: user.Role}, nil
}

// SignOut ends the session of sessionToken.
func (s *Service) SignOut(ctx context.Context, sessionToken string) error {
	return s.Sessions.DeleteSession(ctx, HashToken(sessionToken))
}

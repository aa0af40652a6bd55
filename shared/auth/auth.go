package auth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Sign-in throttling spaces out attempts instead of locking anyone out: the
// wait before the next attempt grows with the attempts that did not succeed
// (1 s, 2 s, 4 s … up to MaxDelay), counted under two keys. One is the email
// at the client's address: an attacker's guesses from elsewhere never make the
// owner wait, and the owner's own mistakes cost them seconds, not minutes. The
// other is the address alone, with a larger allowance, against one address
// trying many emails. A request that comes before its time is answered
// rate_limited with Retry-After, without checking the password; a success
// clears the first key and takes itself back from the second.
const (
	FreeAttemptsPerAccount = 3  // per email at one address
	FreeAttemptsPerAddress = 20 // per address, all emails
	FirstDelay             = time.Second
	MaxDelay               = 15 * time.Minute
	SessionLifetime        = 12 * time.Hour
)

// Backoff is the wait the n-th unsuccessful attempt imposes on the next one
// when free attempts come without a wait.
func Backoff(n, free int) time.Duration {
	if n < free {
		return 0
	}
	if n-free >= 20 {
		return MaxDelay
	}
	return min(FirstDelay<<(n-free), MaxDelay)
}

// TooSoon is a sign-in that came before its time: ERateLimited, with the wait
// the client is told in Retry-After.
type TooSoon struct {
	Wait time.Duration
	err  *switchboard.Error
}

func (e *TooSoon) Error() string { return e.err.Error() }

// Unwrap lets switchboard.ErrorCode find ERateLimited.
func (e *TooSoon) Unwrap() error { return e.err }

// RetryAfter is Wait in whole seconds, rounded up, for the Retry-After header.
func (e *TooSoon) RetryAfter() int { return max(1, int(math.Ceil(e.Wait.Seconds()))) }

// Service signs users in and out and authenticates their requests.
type Service struct {
	Accounts switchboard.AccountStore
	Sessions switchboard.SessionStore
	Throttle switchboard.Throttle
	// Security, when set, counts each sign-in of a known user, success or
	// failure, in their account's security log.
	Security switchboard.SecurityLog
	Now      func() time.Time

	// dummyHash is verified when the email is unknown, so that a missing
	// account costs as much time as a wrong password and cannot be told apart.
	// It is made on first need: every admin route builds a Service, and an
	// argon2id hash at cold start would cost each of them ~100 ms.
	dummyHash func() string
}

// NewService returns a Service reading time from time.Now.
func NewService(accounts switchboard.AccountStore, sessions switchboard.SessionStore, throttle switchboard.Throttle) *Service {
	dummy := sync.OnceValue(func() string {
		h, _ := HashPassword("not-a-real-password") // long enough: never fails
		return h
	})
	return &Service{Accounts: accounts, Sessions: sessions, Throttle: throttle, Now: time.Now, dummyHash: dummy}
}

// SignedIn is the result of a successful sign-in.
type SignedIn struct {
	Token     string // the session cookie's value, given out once
	ExpiresAt time.Time
	User      switchboard.User
}

// SignIn checks email and password from clientAddress (see
// apigw.ClientAddress). Failures return EUnauthorized with one message
// whatever was wrong; an attempt that comes before the throttle allows it
// returns a *TooSoon (ERateLimited).
func (s *Service) SignIn(ctx context.Context, email, password, clientAddress string) (SignedIn, error) {
	email, err := switchboard.NormalizeEmail(email)
	if err != nil {
		return SignedIn{}, err
	}
	accountKey, addressKey := "signin:"+email+"@"+clientAddress, "signin-address:"+clientAddress
	if err := s.admit(ctx, "Too many failed sign-ins. Try again in %d seconds.",
		throttleKey{addressKey, FreeAttemptsPerAddress}, throttleKey{accountKey, FreeAttemptsPerAccount}); err != nil {
		return SignedIn{}, err
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
	if err == nil {
		s.countSignIn(ctx, user, ok && user.Active)
	}
	if err != nil || !ok || !user.Active {
		// Both attempts stay counted.
		return SignedIn{}, switchboard.Errorf(switchboard.EUnauthorized, "The email or password is incorrect.")
	}
	if err := s.Throttle.Reset(ctx, accountKey); err != nil {
		return SignedIn{}, err
	}
	if err := s.Throttle.Forgive(ctx, addressKey); err != nil {
		return SignedIn{}, err
	}
	return s.StartSession(ctx, user)
}

// countSignIn records the attempt in the user's security log. A failure to
// record is logged, not returned: the log must not lock people out.
func (s *Service) countSignIn(ctx context.Context, user switchboard.User, succeeded bool) {
	if s.Security == nil {
		return
	}
	if err := s.Security.CountSignIn(ctx, user.AccountID, user.ID, user.Email, s.Now(), succeeded); err != nil {
		platform.Logger(ctx).Error("sign-in not counted in the security log", "userId", user.ID, "error", err)
	}
}

// StartSession signs user in without a password: the caller has just
// proven who they are another way (a verified sign-up, a password reset).
func (s *Service) StartSession(ctx context.Context, user switchboard.User) (SignedIn, error) {
	token, hashed := NewToken()
	now := s.Now().UTC()
	sess := switchboard.Session{TokenHash: hashed, AccountID: user.AccountID, UserID: user.ID, CreatedAt: now, ExpiresAt: now.Add(SessionLifetime), Epoch: user.SessionEpoch}
	if err := s.Sessions.CreateSession(ctx, sess); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Token: token, ExpiresAt: sess.ExpiresAt, User: user}, nil
}

// throttleKey is one key of the throttle with its free attempts.
type throttleKey struct {
	key  string
	free int
}

// admit counts one attempt under every key, in order, and returns a
// *TooSoon (with message, which takes the wait in seconds) at the first
// key that must still wait.
func (s *Service) admit(ctx context.Context, message string, keys ...throttleKey) error {
	now := s.Now()
	for _, k := range keys {
		wait, err := s.Throttle.Admit(ctx, k.key, now, func(n int) time.Duration { return Backoff(n, k.free) })
		if err != nil {
			return err
		}
		if wait > 0 {
			tooSoon := &TooSoon{Wait: wait}
			tooSoon.err = switchboard.Errorf(switchboard.ERateLimited, message, tooSoon.RetryAfter())
			return tooSoon
		}
	}
	return nil
}

// AdmitSignup spaces out sign-ups as sign-in spaces out failures: each one
// counts, under the address it names (so that nobody floods one mailbox
// from many clients) and under the client's address. Returns a *TooSoon
// when one must wait.
func (s *Service) AdmitSignup(ctx context.Context, email, clientAddress string) error {
	return s.admit(ctx, "Too many sign-ups. Try again in %d seconds.",
		throttleKey{"signup-address:" + clientAddress, FreeAttemptsPerAddress}, throttleKey{"signup:" + email, FreeAttemptsPerAccount})
}

// AdmitPasswordReset spaces out reset requests for one address (each
// sends an email) and from one client, as AdmitSignup does.
func (s *Service) AdmitPasswordReset(ctx context.Context, email, clientAddress string) error {
	return s.admit(ctx, "Too many password reset requests. Try again in %d seconds.",
		throttleKey{"reset-address:" + clientAddress, FreeAttemptsPerAddress}, throttleKey{"reset:" + email, FreeAttemptsPerAccount})
}

// PasswordChangeKey is the throttle key of a signed-in user's attempts at
// their current password: a stolen session must not be a way to guess it.
func PasswordChangeKey(userID string) string { return "password-change:" + userID }

// AdmitPasswordChange spaces out a user's attempts at their current
// password like failed sign-ins; the caller resets the key on success.
func (s *Service) AdmitPasswordChange(ctx context.Context, userID string) error {
	return s.admit(ctx, "Too many wrong passwords. Try again in %d seconds.", throttleKey{PasswordChangeKey(userID), FreeAttemptsPerAccount})
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

package switchboard

import (
	"context"
	"strings"
	"time"
)

// SignupLifetime is how long a sign-up's verification link works, and how
// long its address cannot start another sign-up.
const SignupLifetime = 24 * time.Hour

// Signup is a merchant's request for an account, waiting for the owner of
// its email address to open the verification link. Only the hash of the
// link's token is stored, with the password's argon2id hash.
type Signup struct {
	TokenHash    string
	Email        string
	Name         string // the person's, who becomes the super admin
	AccountName  string
	TimeZone     string
	LocationName string // "" when no first location was named
	PasswordHash string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// SignupForm is what a person types to sign up.
type SignupForm struct {
	AccountName  string `json:"accountName"`
	TimeZone     string `json:"timeZone"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Password     string `json:"password"`
	LocationName string `json:"locationName,omitempty"`
}

// Normalize returns f with its email canonical and its names trimmed, or
// the first problem (EInvalid). The password is the caller's to check.
func (f SignupForm) Normalize() (SignupForm, error) {
	var err error
	if f.Email, err = NormalizeEmail(f.Email); err != nil {
		return f, err
	}
	if f.Name, err = NormalizeName("name", f.Name, 100); err != nil {
		return f, err
	}
	if f.AccountName, err = NormalizeName("accountName", f.AccountName, 100); err != nil {
		return f, err
	}
	if f.TimeZone, err = NormalizeTimeZone(f.TimeZone); err != nil {
		return f, err
	}
	if strings.TrimSpace(f.LocationName) != "" {
		if f.LocationName, err = NormalizeName("locationName", f.LocationName, 100); err != nil {
			return f, err
		}
	} else {
		f.LocationName = ""
	}
	return f, nil
}

// NormalizeTimeZone returns an IANA time zone name, or EInvalid. "Local"
// and "" are refused: they mean the server's zone, not the merchant's.
func NormalizeTimeZone(raw string) (string, error) {
	tz := strings.TrimSpace(raw)
	if tz == "" || tz == "Local" || len(tz) > 64 {
		return "", Errorf(EInvalid, "timeZone must be an IANA time zone such as Europe/Paris")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "", Errorf(EInvalid, "timeZone must be an IANA time zone such as Europe/Paris")
	}
	return tz, nil
}

// SignupStore keeps pending sign-ups and turns a verified one into an
// account.
type SignupStore interface {
	// CreateSignup stores s and holds its address until s expires. Returns
	// EConflict while another sign-up of the address is pending.
	CreateSignup(ctx context.Context, s Signup) error
	// DeleteSignup forgets a sign-up and frees its address (its email
	// could not be sent). Deleting an unknown one is not an error.
	DeleteSignup(ctx context.Context, s Signup) error
	// PendingSignup returns the sign-up stored under tokenHash, or
	// ENotFound when there is none or it is used or expired.
	PendingSignup(ctx context.Context, tokenHash string) (Signup, error)
	// CompleteSignup uses the sign-up once and, in the same all-or-nothing
	// write, creates account with location (when not nil) and the super
	// admin u, claiming u's address. Returns ENotFound when the sign-up is
	// unknown, used or expired, and EConflict when the address has meanwhile
	// become another user's.
	CompleteSignup(ctx context.Context, tokenHash string, account Account, location *Location, u User) error
}

package switchboard

import (
	"net/netip"
	"net/url"
	"strings"
)

// nonGlobal are the IANA special-purpose ranges that must never receive a
// callback: a callback goes where its developer says, so a URL naming the
// inside (the metadata service at 169.254.169.254, a VPC address, a NAT64
// or 6to4 form of one) would let any developer make Switchboard post there.
var nonGlobal = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/96",          // unspecified, loopback, IPv4-compatible (deprecated)
		"::ffff:0:0/96",  // IPv4-mapped: resolvers may hand one out for any v4
		"64:ff9b::/96",   // NAT64: reaches any v4, the inside included
		"64:ff9b:1::/48", // local-use NAT64
		"100::/64",       // discard
		"2001::/23",      // IETF protocol assignments (Teredo, ORCHID…)
		"2001:db8::/32",  // documentation
		"fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var sixToFour = netip.MustParsePrefix("2002::/16")

// GlobalIP reports whether ip is a globally reachable unicast address: the
// only kind a callback may be sent to. A 6to4 address is judged by the v4
// address it embeds.
func GlobalIP(ip netip.Addr) bool {
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	for _, p := range nonGlobal {
		if p.Contains(ip) {
			return false
		}
	}
	if sixToFour.Contains(ip) {
		b := ip.As16()
		return GlobalIP(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	return true
}

// reservedSuffixes are names that resolve only inside a network.
var reservedSuffixes = []string{"localhost", "local", "internal", "localdomain", "home.arpa", "lan", "intranet"}

// ValidateCallbackURL accepts an empty value or an absolute https URL whose
// host is a public name or a global address. loopback (the local stack's
// and the tests' allowance, never a deployed stage's) also accepts
// localhost and loopback addresses, over http too. The name's addresses
// are checked again when a callback is sent (shared/lifecycle), since DNS
// can point a public name at the inside.
func ValidateCallbackURL(raw string, loopback bool) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	bad := Errorf(EInvalid, "callbackUrl must be an absolute https URL on a public host")
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2000 || (u.Scheme != "https" && u.Scheme != "http") {
		return bad
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	isLoopback := false
	if ip, err := netip.ParseAddr(host); err == nil {
		isLoopback = ip.Zone() == "" && ip.IsLoopback() && !ip.Is4In6()
		if !isLoopback && !GlobalIP(ip) {
			return Errorf(EInvalid, "callbackUrl must not name a private, loopback, link-local or reserved address")
		}
	} else {
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			isLoopback = true
		} else {
			for _, s := range reservedSuffixes {
				if host == s || strings.HasSuffix(host, "."+s) {
					return Errorf(EInvalid, "callbackUrl must not name a host of a private network")
				}
			}
			// A last label of digits or hex is an address in disguise
			// (2130706433, 0x7f.1) that some resolvers accept; no public
			// top-level domain looks like that.
			labels := strings.Split(host, ".")
			last := labels[len(labels)-1]
			if last == "" || strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") || strings.Contains(host, ":") {
				return bad
			}
		}
	}
	switch {
	case isLoopback && !loopback:
		return Errorf(EInvalid, "callbackUrl must not name this machine (localhost)")
	case isLoopback:
		return nil
	case u.Scheme != "https":
		return bad
	}
	return nil
}

package apigw

// SiteSecurityHeaders go with every file of the admin site. Scripts and
// styles come only from the site's own origin, so an injected <script> or
// inline handler never runs; nothing may frame the site (clickjacking).
// form-action is left open on purpose: the consent form's answer redirects
// to the app's redirect URI, which browsers check against form-action.
// template.yaml's SiteHeadersPolicy carries the same values; a repo test
// keeps them in step.
var SiteSecurityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
	"Referrer-Policy":         "strict-origin-when-cross-origin",
}

// APISecurityHeaders go with every API response: JSON is never a document
// to render, frame or sniff. A handler may set its own value first (a body
// download sets a stricter Referrer-Policy, for instance). HSTS is sent by
// the functions themselves, not only by CloudFront, because the HTTP API's
// own execute-api endpoint answers too (it is CloudFront's origin and the
// stack's ApiUrl); browsers ignore the header over plain-HTTP localhost.
var APISecurityHeaders = map[string]string{
	"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
	"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
	"X-Content-Type-Options":    "nosniff",
	"X-Frame-Options":           "DENY",
	"Referrer-Policy":           "no-referrer",
}

// withSecurityHeaders adds APISecurityHeaders that h did not set itself.
func withSecurityHeaders(h map[string]string) {
	for k, v := range APISecurityHeaders {
		if _, set := h[k]; !set {
			h[k] = v
		}
	}
}

package samtemplate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// stackResources are the only resources a function policy may name.
var stackResources = []string{"Table", "ArchiveBucket", "SiteBucket"}

// mustRepoTemplate finds the repository root and parses its template.yaml.
func mustRepoTemplate(t *testing.T) (root string, tpl *samtemplate.Template) {
	t.Helper()
	root, err := samtemplate.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err = samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return root, tpl
}

// TestTemplateFunctions checks what SAM would only report after a deploy, or
// never: every function has its events/ fixture and the Makefile's build
// rule; runtime, architecture and build method are right; Handler is the
// logical ID (the bootstrap binary's key into functions/registry.go, which
// functions.TestRegistryMatchesTemplate checks); routes are unique;
// policies are scoped to this stack's table and buckets.
func TestTemplateFunctions(t *testing.T) {
	root, tpl := mustRepoTemplate(t)
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) == 0 {
		t.Fatal("template.yaml declares no function")
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	// SAM runs `make build-<LogicalId>`; one pattern rule serves them all.
	if !regexp.MustCompile(`(?m)^build-%Function:`).Match(makefile) {
		t.Errorf("Makefile has no build-%%Function rule for sam build")
	}
	for _, target := range regexp.MustCompile(`(?m)^build-[A-Za-z0-9]+Function:`).FindAll(makefile, -1) {
		t.Errorf("Makefile: %s predates the shared binary; delete it, build-%%Function builds every function", target)
	}
	routes := map[string]string{}
	for id := range samtemplate.InvokedOnly {
		found := false
		for _, fn := range fns {
			found = found || fn.LogicalID == id
		}
		if !found {
			t.Errorf("InvokedOnly names %s, which template.yaml does not have", id)
		}
	}
	for _, fn := range fns {
		t.Run(fn.LogicalID, func(t *testing.T) {
			if !strings.HasSuffix(fn.LogicalID, "Function") {
				t.Errorf("logical ID should end in Function")
			}
			if p := filepath.Join(root, "events", samtemplate.FolderName(fn.LogicalID)+".json"); !fileExists(p) {
				t.Errorf("missing %s", p)
			}
			checks := []struct{ what, got, want string }{
				{"Runtime", fn.Runtime, "provided.al2023"},
				{"Handler", fn.Handler, fn.LogicalID},
				{"Architectures", strings.Join(fn.Architectures, ","), "arm64"},
				{"Metadata.BuildMethod", fn.BuildMethod, "makefile"},
				{"CodeUri", fn.CodeURI, "."},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if _, invoked := samtemplate.InvokedOnly[fn.LogicalID]; len(fn.Routes)+len(fn.Schedules) == 0 && !invoked {
				t.Errorf("no HttpApi or Schedule event: nothing would call it (or name who invokes it in InvokedOnly)")
			}
			for _, r := range fn.Routes {
				key := r.Method + " " + r.Path
				if other, dup := routes[key]; dup {
					t.Errorf("route %s also belongs to %s", key, other)
				}
				routes[key] = fn.LogicalID
			}
			if len(fn.Policies) == 0 {
				t.Errorf("no Policies: say what it may touch")
			}
			for _, problem := range policyProblems(fn.Policies) {
				t.Error(problem)
			}
		})
	}
	// A functions/<name>/main.go merged from a branch that predates the
	// registry would build but never be deployed: its line belongs in
	// functions/registry.go instead.
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "bootstrap" {
			t.Errorf("functions/%s: one main per function is gone; add its constructor to functions/registry.go and delete the folder (README, Adding a route)", e.Name())
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// policyProblems lists statements that grant more than this stack's own
// resources: wildcard actions, literal or wildcard resources, or references
// to anything but the table and buckets.
func policyProblems(policies []any) []string {
	var problems []string
	for _, p := range policies {
		doc, ok := p.(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("policy %v is a managed policy or template; write the statement out", p))
			continue
		}
		stmts, _ := doc["Statement"].([]any)
		if len(stmts) == 0 {
			problems = append(problems, "policy without statements")
		}
		for _, s := range stmts {
			st, _ := s.(map[string]any)
			for _, a := range listOf(st["Action"]) {
				as, _ := a.(string)
				if as == "" || strings.Contains(as, "*") {
					problems = append(problems, fmt.Sprintf("action %v is not one named action", a))
				}
			}
			res := listOf(st["Resource"])
			if len(res) == 0 {
				problems = append(problems, "statement without Resource")
			}
			for _, r := range res {
				if sesSendOnly(st["Action"], r) {
					continue
				}
				if err := checkResource(r); err != nil {
					problems = append(problems, err.Error())
				}
			}
		}
	}
	return problems
}

// sesIdentities is the one resource outside the stack a policy may name:
// SES identities are verified by hand, not created by the stack, so their
// ARNs cannot be references. It is the sender's identity, a parameter, and
// is allowed only for ses:SendEmail alone.
const sesIdentities = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderIdentity}"

func sesSendOnly(action, resource any) bool {
	m, _ := resource.(map[string]any)
	actions := listOf(action)
	return len(m) == 1 && m["Fn::Sub"] == sesIdentities && len(actions) == 1 && actions[0] == "ses:SendEmail"
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[A-Za-z]+)?\}`)

func checkResource(r any) error {
	m, ok := r.(map[string]any)
	if !ok {
		return fmt.Errorf("resource %v is literal; reference this stack's resources", r)
	}
	if ref, ok := m["Ref"].(string); ok && slices.Contains(stackResources, ref) {
		return nil
	}
	if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) == 2 && slices.Contains(stackResources, fmt.Sprint(att[0])) && att[1] == "Arn" {
		return nil
	}
	if sub, ok := m["Fn::Sub"].(string); ok {
		refs := subRef.FindAllStringSubmatch(sub, -1)
		if len(refs) == 0 || !strings.HasPrefix(sub, "${") {
			return fmt.Errorf("resource %q must start from a stack resource's ARN", sub)
		}
		for _, ref := range refs {
			if !slices.Contains(stackResources, ref[1]) {
				return fmt.Errorf("resource %q names %s, not this stack's table or buckets", sub, ref[1])
			}
		}
		if strings.HasSuffix(sub, "*") && !strings.HasSuffix(sub, "/*") {
			return fmt.Errorf("resource %q widens a name with a wildcard", sub)
		}
		return nil
	}
	return fmt.Errorf("resource %v does not name this stack's table or buckets", r)
}

func listOf(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func TestPolicyProblems(t *testing.T) {
	stmt := func(action, resource any) []any {
		return []any{map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": action, "Resource": resource}}}}
	}
	tests := []struct {
		name     string
		policies []any
		bad      bool
	}{
		{"table arn", stmt("dynamodb:Query", map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}), false},
		{"index arn", stmt("dynamodb:Query", map[string]any{"Fn::Sub": "${Table.Arn}/index/GSI1"}), false},
		{"bucket objects", stmt([]any{"s3:GetObject"}, map[string]any{"Fn::Sub": "${ArchiveBucket.Arn}/*"}), false},
		{"star resource", stmt("dynamodb:Query", "*"), true},
		{"literal arn", stmt("dynamodb:Query", "arn:aws:dynamodb:eu-west-1:1:table/x"), true},
		{"wildcard action", stmt("dynamodb:*", map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}), true},
		{"other resource", stmt("sqs:SendMessage", map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}}), true},
		{"sub to other", stmt("s3:GetObject", map[string]any{"Fn::Sub": "arn:aws:s3:::${Other}/*"}), true},
		{"sub widened", stmt("dynamodb:Query", map[string]any{"Fn::Sub": "${Table.Arn}*"}), true},
		{"ses identities for SendEmail", stmt("ses:SendEmail", map[string]any{"Fn::Sub": sesIdentities}), false},
		{"ses identities for more", stmt([]any{"ses:SendEmail", "ses:DeleteEmailIdentity"}, map[string]any{"Fn::Sub": sesIdentities}), true},
		{"ses identities for another action", stmt("ses:SendBulkEmail", map[string]any{"Fn::Sub": sesIdentities}), true},
		{"ses star for SendEmail", stmt("ses:SendEmail", "*"), true},
		{"any ses identity for SendEmail", stmt("ses:SendEmail", map[string]any{"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"}), true},
		{"managed policy", []any{"AmazonDynamoDBFullAccess"}, true},
		{"SAM template", []any{map[string]any{"DynamoDBCrudPolicy": map[string]any{"TableName": "x"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := policyProblems(tt.policies)
			if (len(got) > 0) != tt.bad {
				t.Errorf("problems %v, want bad=%v", got, tt.bad)
			}
		})
	}
}

// TestEmailLinksUseTheSiteURL: a function that puts links in emails must
// point them at the CloudFront site the stack serves, never at a default
// such as the localhost CORS origin, nor at the request's Origin or Host.
// Every function allowed to send email has ADMIN_SITE_ORIGIN: scheduled ones
// take the Distribution's URL, routes take the SiteOrigin parameter (a route
// cannot reference the Distribution, which points at the API its routes
// make up).
func TestEmailLinksUseTheSiteURL(t *testing.T) {
	_, tpl := mustRepoTemplate(t)
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	fromDistribution := map[string]any{"Fn::Sub": "https://${Distribution.DomainName}"}
	fromParameter := map[string]any{"Ref": "SiteOrigin"}
	checked := 0
	for _, fn := range fns {
		props := tpl.Resources[fn.LogicalID].Properties
		env, _ := props["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		origin, ok := vars["ADMIN_SITE_ORIGIN"]
		if !ok {
			if strings.Contains(fmt.Sprint(fn.Policies), "ses:SendEmail") {
				t.Errorf("%s may send email but has no ADMIN_SITE_ORIGIN for its links", fn.LogicalID)
			}
			continue
		}
		checked++
		want := fromDistribution
		if len(fn.Routes) > 0 {
			want = fromParameter
		}
		if fmt.Sprint(origin) != fmt.Sprint(want) {
			t.Errorf("%s: ADMIN_SITE_ORIGIN = %v, want %v", fn.LogicalID, origin, want)
		}
	}
	if checked == 0 {
		t.Error("no function sets ADMIN_SITE_ORIGIN: digest emails would carry relative links")
	}
}

// TestSecurityHeadersInAWSMatchLocal keeps CloudFront's headers for the site
// equal to those the local gateway sends, and HSTS on every behaviour.
func TestSecurityHeadersInAWSMatchLocal(t *testing.T) {
	_, tpl := mustRepoTemplate(t)
	headers := func(id string) map[string]any {
		cfg, _ := tpl.Resources[id].Properties["ResponseHeadersPolicyConfig"].(map[string]any)
		sec, _ := cfg["SecurityHeadersConfig"].(map[string]any)
		if sec == nil {
			t.Fatalf("%s has no SecurityHeadersConfig", id)
		}
		hsts, _ := sec["StrictTransportSecurity"].(map[string]any)
		if maxAge, _ := strconv.Atoi(fmt.Sprint(hsts["AccessControlMaxAgeSec"])); maxAge < 365*24*3600 {
			t.Errorf("%s: HSTS missing or shorter than a year: %v", id, hsts)
		}
		return sec
	}
	site := headers("SiteHeadersPolicy")
	headers("ApiHeadersPolicy")
	csp, _ := site["ContentSecurityPolicy"].(map[string]any)
	if got := fmt.Sprint(csp["ContentSecurityPolicy"]); got != apigw.SiteSecurityHeaders["Content-Security-Policy"] {
		t.Errorf("CloudFront CSP %q differs from the local one %q", got, apigw.SiteSecurityHeaders["Content-Security-Policy"])
	}
	if strings.Contains(apigw.SiteSecurityHeaders["Content-Security-Policy"], "unsafe-inline") {
		t.Error("the site's CSP allows inline scripts or styles")
	}
	if ref, _ := site["ReferrerPolicy"].(map[string]any); fmt.Sprint(ref["ReferrerPolicy"]) != apigw.SiteSecurityHeaders["Referrer-Policy"] {
		t.Errorf("Referrer-Policy differs: %v", ref)
	}
	dist, _ := tpl.Resources["Distribution"].Properties["DistributionConfig"].(map[string]any)
	behaviours := []any{dist["DefaultCacheBehavior"]}
	more, _ := dist["CacheBehaviors"].([]any)
	for _, b := range append(behaviours, more...) {
		m, _ := b.(map[string]any)
		if m["ResponseHeadersPolicyId"] == nil {
			t.Errorf("cache behaviour %v has no response headers policy", m["PathPattern"])
		}
	}
}

// TestOAuthResponsesNameTheIssuer: the functions that answer authorisation
// requests get the issuer identifier (RFC 9207) from the OAuthIssuer
// parameter; without it their responses would carry no iss.
func TestOAuthResponsesNameTheIssuer(t *testing.T) {
	_, tpl := mustRepoTemplate(t)
	if _, ok := tpl.Parameters["OAuthIssuer"]; !ok {
		t.Fatal("template.yaml has no OAuthIssuer parameter")
	}
	want := map[string]any{"Ref": "OAuthIssuer"}
	for _, id := range []string{"AuthorizeFunction", "DecideFunction"} {
		res, ok := tpl.Resources[id]
		if !ok {
			t.Fatalf("no %s", id)
		}
		env, _ := res.Properties["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if got := vars["OAUTH_ISSUER"]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: OAUTH_ISSUER = %v, want %v", id, got, want)
		}
	}
}

// TestAPIGetsTheViewerAddress: sign-in throttling keys on the viewer's
// address (apigw.ClientAddress), which CloudFront sends only when the origin
// request policy asks for CloudFront-Viewer-Address; behind CloudFront the
// request's sourceIp is the edge. Both managed policies below include it
// (AWS: "Use managed origin request policies": all viewer headers and the
// CloudFront viewer location headers), and neither forwards the viewer's Host,
// which API Gateway would refuse.
func TestAPIGetsTheViewerAddress(t *testing.T) {
	_, tpl := mustRepoTemplate(t)
	withViewerAddress := map[string]string{
		"b689b0a8-53d0-40ab-baf2-68738e2966ac": "Managed-AllViewerExceptHostHeader",
		"33f36d7e-f396-46d9-90e0-52428a34d9dc": "Managed-AllViewerAndCloudFrontHeaders-2022-06",
	}
	dist, _ := tpl.Resources["Distribution"].Properties["DistributionConfig"].(map[string]any)
	behaviours, _ := dist["CacheBehaviors"].([]any)
	apis := 0
	for _, b := range behaviours {
		m, _ := b.(map[string]any)
		if m["TargetOriginId"] != "api" {
			continue
		}
		apis++
		if _, ok := withViewerAddress[fmt.Sprint(m["OriginRequestPolicyId"])]; !ok {
			t.Errorf("API behaviour %v: origin request policy %v does not forward CloudFront-Viewer-Address", m["PathPattern"], m["OriginRequestPolicyId"])
		}
	}
	if apis == 0 {
		t.Error("no cache behaviour targets the API")
	}
}

// callNotLoggedPattern matches the error-level line the platform door
// writes, with the whole entry, when a call's log write fails for good
// (shared/appapi TestUnloggedCallIsInTheFunctionLog checks the line).
const callNotLoggedPattern = `{ $.level = "ERROR" && $.msg = "call not logged" }`

// TestCallsNotLoggedAreAlarmed: every platform route (a function serving
// /v1/…) counts its "call not logged" lines into the CallsNotLogged metric
// through a metric filter on its own log group, and an alarm watches that
// metric. A new platform route without its filter fails here.
func TestCallsNotLoggedAreAlarmed(t *testing.T) {
	_, tpl := mustRepoTemplate(t)
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	// The log group of each function, from its LogGroupName !Sub.
	groupOf := map[string]string{}
	for _, id := range tpl.LogicalIDs("AWS::Logs::LogGroup") {
		name := fmt.Sprint(tpl.Resources[id].Properties["LogGroupName"])
		if m := regexp.MustCompile(`/aws/lambda/\$\{(\w+)\}`).FindStringSubmatch(name); m != nil {
			groupOf[m[1]] = id
		}
	}
	filtered := map[string]bool{} // log groups with a correct filter
	for _, id := range tpl.LogicalIDs("AWS::Logs::MetricFilter") {
		p := tpl.Resources[id].Properties
		ref, _ := p["LogGroupName"].(map[string]any)
		group := fmt.Sprint(ref["Ref"])
		if p["FilterPattern"] != callNotLoggedPattern {
			t.Errorf("%s: pattern %q, want %q", id, p["FilterPattern"], callNotLoggedPattern)
			continue
		}
		ts := asMaps(p["MetricTransformations"])
		if len(ts) != 1 || ts[0]["MetricName"] != "CallsNotLogged" || ts[0]["MetricValue"] != "1" {
			t.Errorf("%s: transformations %v, want one adding 1 to CallsNotLogged", id, p["MetricTransformations"])
			continue
		}
		filtered[group] = true
	}
	platform := 0
	for _, fn := range fns {
		if !slices.ContainsFunc(fn.Routes, func(r samtemplate.Route) bool { return strings.HasPrefix(r.Path, "/v1/") }) {
			continue
		}
		platform++
		if g := groupOf[fn.LogicalID]; g == "" || !filtered[g] {
			t.Errorf("%s serves the platform API but its log group (%q) has no CallsNotLogged filter", fn.LogicalID, g)
		}
	}
	if platform == 0 {
		t.Fatal("no platform route found in template.yaml: the test checked nothing")
	}
	alarms := 0
	for _, id := range tpl.LogicalIDs("AWS::CloudWatch::Alarm") {
		if tpl.Resources[id].Properties["MetricName"] == "CallsNotLogged" {
			alarms++
		}
	}
	if alarms != 1 {
		t.Errorf("%d alarms on CallsNotLogged, want 1", alarms)
	}
}

func asMaps(v any) []map[string]any {
	var out []map[string]any
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

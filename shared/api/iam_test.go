package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

// awsUse records which IAM action on which resource each function's AWS
// calls need, as the isolation matrix drives them, so that the template's
// policies can be checked against what the code really does.
type awsUse struct {
	mu   sync.Mutex
	used map[string]map[string]bool // function → "action resource"
}

// iamAction is the IAM action an SDK operation needs, where the names
// differ.
var iamAction = map[string]string{
	"s3:HeadObject": "s3:GetObject",
	"s3:HeadBucket": "s3:ListBucket",
}

// envFor returns a copy of env whose AWS calls are recorded for fn.
func (u *awsUse) envFor(env *platform.Env, fn string) *platform.Env {
	e := *env
	e.AWS = env.AWS.Copy()
	e.AWS.APIOptions = append(slices.Clone(env.AWS.APIOptions), func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("RecordIAMUse",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				u.record(fn, awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), in.Parameters)
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
	return &e
}

func (u *awsUse) record(fn, service, op string, params any) {
	prefix := map[string]string{"DynamoDB": "dynamodb", "S3": "s3", "SESv2": "ses"}[service]
	if prefix == "" {
		prefix = strings.ToLower(service)
	}
	action := prefix + ":" + op
	if a, ok := iamAction[action]; ok {
		action = a
	}
	resource := map[string]string{"dynamodb": "Table", "s3": "ArchiveBucket/*", "ses": "identity"}[prefix]
	if action == "s3:ListBucket" {
		resource = "ArchiveBucket"
	}
	switch in := params.(type) {
	case *dynamodb.TransactWriteItemsInput:
		// IAM authorises each item of a transaction as its own action.
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				u.add(fn, "dynamodb:PutItem "+resource)
			case it.Update != nil:
				u.add(fn, "dynamodb:UpdateItem "+resource)
			case it.Delete != nil:
				u.add(fn, "dynamodb:DeleteItem "+resource)
			case it.ConditionCheck != nil:
				u.add(fn, "dynamodb:ConditionCheckItem "+resource)
			}
		}
		return
	case *dynamodb.QueryInput:
		if in.IndexName != nil {
			resource = "Table/index/" + *in.IndexName
		}
	case *dynamodb.ScanInput:
		if in.IndexName != nil {
			resource = "Table/index/" + *in.IndexName
		}
	}
	u.add(fn, action+" "+resource)
}

func (u *awsUse) add(fn, use string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.used == nil {
		u.used = map[string]map[string]bool{}
	}
	if u.used[fn] == nil {
		u.used[fn] = map[string]bool{}
	}
	u.used[fn][use] = true
}

// granted lists fn's policy statements as "action resource", with resources
// written as record writes them.
func granted(fn samtemplate.Function) map[string]bool {
	out := map[string]bool{}
	for _, p := range fn.Policies {
		doc, _ := p.(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, s := range stmts {
			st, _ := s.(map[string]any)
			for _, a := range asList(st["Action"]) {
				for _, r := range asList(st["Resource"]) {
					out[fmt.Sprint(a)+" "+resourceName(r)] = true
				}
			}
		}
	}
	return out
}

// resourceName turns {"Fn::GetAtt": [Table, Arn]} into "Table" and
// {"Fn::Sub": "${Table.Arn}/index/GSI1"} into "Table/index/GSI1"; an S3
// object pattern of the archive bucket becomes "ArchiveBucket/*".
func resourceName(r any) string {
	switch v := r.(type) {
	case map[string]any:
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) > 0 {
			return fmt.Sprint(att[0])
		}
		if sub, ok := v["Fn::Sub"].(string); ok {
			if strings.Contains(sub, ":identity/") {
				return "identity"
			}
			s := strings.NewReplacer("${", "", ".Arn}", "").Replace(sub)
			if strings.HasPrefix(s, "ArchiveBucket/") {
				return "ArchiveBucket/*"
			}
			return s
		}
	}
	return fmt.Sprint(r)
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// problems compares what each exercised function used with what it is
// granted: a use without a grant is an AccessDenied waiting in AWS; a grant
// without a use is more than the function needs.
func (u *awsUse) problems(fns []samtemplate.Function) (missing, unused []string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, fn := range fns {
		used, exercised := u.used[fn.LogicalID]
		if !exercised {
			continue
		}
		grants := granted(fn)
		for k := range used {
			if !grants[k] {
				missing = append(missing, fn.LogicalID+": uses "+k)
			}
		}
		for k := range grants {
			if !used[k] {
				unused = append(unused, fn.LogicalID+": grants "+k)
			}
		}
	}
	slices.Sort(missing)
	slices.Sort(unused)
	return missing, unused
}

// grantedForUnreachedPaths are grants the isolation matrix does not reach
// (it calls each route once per identity, on the success path of a fresh
// world or refused before). Each names the path that needs it; any other
// grant the matrix never uses fails the test as more than a function needs.
var grantedForUnreachedPaths = map[string]string{
	"AcceptInvitationFunction: grants dynamodb:UpdateItem Table":   "accepting a live invitation",
	"ApproveListingFunction: grants dynamodb:PutItem Table":        "an operator's approval (the matrix has no operator)",
	"ListListingsFunction: grants dynamodb:Query Table/index/GSI1": "an operator's listing (the matrix has no operator)",
	"RejectListingFunction: grants dynamodb:PutItem Table":         "an operator's rejection (the matrix has no operator)",
	"UpdateDeveloperAppFunction: grants dynamodb:DeleteItem Table": "unlisting or renaming a listed app frees its name",
	"AcceptInvitationFunction: grants dynamodb:PutItem Table":      "accepting a live invitation: the email claim",
	"RevokeInvitationFunction: grants dynamodb:DeleteItem Table":   "revoking a pending invitation",
	"CreateSessionFunction: grants dynamodb:DeleteItem Table":      "a successful sign-in clears its throttle key",
	"CreateCustomerFunction: grants dynamodb:DeleteItem Table":     "releasing an Idempotency-Key when the write fails",
	"CreateOrderFunction: grants dynamodb:DeleteItem Table":        "releasing an Idempotency-Key when the write fails",
	"CreateProductFunction: grants dynamodb:DeleteItem Table":      "releasing an Idempotency-Key when the write fails",
	"CreateSessionFunction: grants dynamodb:PutItem Table":         "a successful sign-in's session",
	"CreateSessionFunction: grants dynamodb:Query Table":           "a successful sign-in's account and locations",
	"RedeliverAppFunction: grants dynamodb:PutItem Table":          "redelivering a failed event",
	"RedeliverConnectedAppFunction: grants dynamodb:PutItem Table": "redelivering a failed event",
	"RedeliverConnectionFunction: grants dynamodb:PutItem Table":   "redelivering a failed event",
	"RevokeFunction: grants dynamodb:UpdateItem Table":             "revoking a live token",
	"RevokeFunction: grants dynamodb:PutItem Table":                "revoking a live token: its connection and access_revoked event",
	"TokenFunction: grants dynamodb:PutItem Table":                 "a code exchange: the token and the connection",
	"TokenFunction: grants dynamodb:UpdateItem Table":              "a code exchange: redeeming the code",
	"TokenFunction: grants dynamodb:Query Table":                   "a code exchange: an install lists the instance's siblings (TestOAuthExchangeIAM)",
	"UnblockConnectionFunction: grants dynamodb:PutItem Table":     "unblocking a blocked connection",
	"UpdateUserFunction: grants dynamodb:Query Table":              "demoting a super admin: finding another",
	"UpdateUserFunction: grants dynamodb:ConditionCheckItem Table": "demoting a super admin: another still is one",
	"SignupFunction: grants dynamodb:DeleteItem Table":             "a sign-up whose verification email SES refused is deleted",

	// Exports (issue 18).
	"ListConnectionExportsFunction: grants s3:GetObject ArchiveBucket/*": "a done export's links, presigned with the role's s3:GetObject (TestConnectionExportRoundTrip)",
	"ListAppExportsFunction: grants s3:GetObject ArchiveBucket/*":        "a done export's links, presigned with the role's s3:GetObject (TestAppExportRoundTrip)",
}

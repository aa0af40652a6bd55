// Command revoke-invitation is RevokeInvitationFunction in template.yaml.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

func main() {
	env := platform.MustLoad(context.Background())
	lambda.Start(api.RevokeInvitationFunction(env))
}

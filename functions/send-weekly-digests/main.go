// Command send-weekly-digests is SendWeeklyDigestsFunction in template.yaml.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboard-hq/switchboard/shared/digest"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

func main() {
	env := platform.MustLoad(context.Background())
	lambda.Start(digest.SendWeeklyDigestsFunction(env))
}

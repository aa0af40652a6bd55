#!/usr/bin/env bash
# Makes the first platform operator of a deployed stage (or of the running
# local stack with LOCAL=1) without anyone writing DynamoDB by hand: it
# invokes BootstrapOperatorFunction, which creates the operator and emails a
# single-use set-password link (24 hours). Run it again to send a new link.
#   infra/bootstrap-operator.sh EMAIL [NAME]     STAGE=dev by default
set -euo pipefail
email=${1:-}
name=${2:-}
if [[ -z $email ]]; then
  echo "usage: make bootstrap-operator EMAIL=person@example.com [NAME='Full Name'] [STAGE=dev | LOCAL=1]" >&2
  exit 2
fi
# The payload is built by hand: refuse what would need escaping in JSON.
if [[ $email == *[\"\\[:space:]]* || $name == *[\"\\]* ]]; then
  echo "EMAIL and NAME cannot hold quotes or backslashes (EMAIL no spaces)" >&2
  exit 2
fi
payload=$(printf '{"email":"%s","name":"%s"}' "$email" "$name")
out=$(mktemp)
headers=$(mktemp)
trap 'rm -f "$out" "$headers"' EXIT
if [[ -n ${LOCAL:-} ]]; then
  curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' --data-binary "$payload" -D "$headers" \
    "http://127.0.0.1:${INVOKE_PORT:-3001}/2015-03-31/functions/BootstrapOperatorFunction/invocations" >"$out" \
    || { echo "is the stack running (make run)?" >&2; exit 1; }
  cat "$out"; echo
  if grep -qi '^x-amz-function-error' "$headers"; then
    echo "the function failed" >&2
    exit 1
  fi
  exit 0
fi
command -v aws >/dev/null || { echo "bootstrap-operator needs the aws CLI" >&2; exit 1; }
stack="switchboard-${STAGE:-dev}"
fn=$(aws cloudformation describe-stack-resource --stack-name "$stack" --logical-resource-id BootstrapOperatorFunction \
  --query StackResourceDetail.PhysicalResourceId --output text)
error=$(aws lambda invoke --function-name "$fn" --cli-binary-format raw-in-base64-out --payload "$payload" \
  --query FunctionError --output text "$out")
cat "$out"; echo
if [[ -n $error && $error != None ]]; then
  echo "the function failed ($error)" >&2
  exit 1
fi

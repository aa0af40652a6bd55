#!/usr/bin/env bash
# Deploys one stage: SAM builds and deploys template.yaml, then the admin site
# is uploaded to the site bucket and CloudFront's cache is invalidated.
# SAM_PARAMS adds parameter overrides (SenderAddress=… SenderIdentity=…).
# CALLBACK_SIGNING_KEY (openssl rand -base64 32) is required on the first
# deploy of a stage; later deploys keep the stack's value when it is unset
# (changing it makes every stored signing secret unreadable).
set -euo pipefail
stage=${1:-dev}
stack="switchboard-${stage}"
cd "$(dirname "$0")/.."
for tool in sam aws; do
  command -v "$tool" >/dev/null || { echo "deploy needs the $tool CLI" >&2; exit 1; }
done
key_param=()
if [ -n "${CALLBACK_SIGNING_KEY:-}" ]; then key_param=("CallbackSigningKey=${CALLBACK_SIGNING_KEY}"); fi
output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
# Links in emails sent by API routes use SiteOrigin, and the OAuth server
# names itself OAuthIssuer (RFC 9207): both are the CloudFront URL of the
# stack, which the template cannot reference (circular). A first deploy
# learns it from the outputs and deploys once more with it.
site=$(output SiteUrl 2>/dev/null || true)
[[ $site == None ]] && site=""
deploy() {
  sam deploy --stack-name "$stack" --resolve-s3 --capabilities CAPABILITY_IAM \
    --no-fail-on-empty-changeset --parameter-overrides "Stage=${stage}" "SiteOrigin=$1" "OAuthIssuer=$1" "${key_param[@]}" ${SAM_PARAMS:-} ${SAM_DEPLOY_ARGS:-}
}
sam build
deploy "$site"
if [[ -z $site ]]; then
  deploy "$(output SiteUrl)"
fi
aws s3 sync site/ "s3://$(output SiteBucketName)/" --delete --exclude 'test/*' --exclude 'testlib/*'
aws cloudfront create-invalidation --distribution-id "$(output DistributionId)" --paths '/*' >/dev/null
echo "deployed: $(output SiteUrl)"

#!/usr/bin/env bash
# Deploys one stage: SAM builds and deploys template.yaml, then the admin site
# is uploaded to the site bucket and CloudFront's cache is invalidated.
# SAM_PARAMS adds parameter overrides (SenderAddress=… SenderIdentity=…).
set -euo pipefail
stage=${1:-dev}
stack="switchboard-${stage}"
cd "$(dirname "$0")/.."
for tool in sam aws; do
  command -v "$tool" >/dev/null || { echo "deploy needs the $tool CLI" >&2; exit 1; }
done
output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
# Links in emails sent by API routes use SiteOrigin, the CloudFront URL of
# the stack (the template cannot reference it: circular). A first deploy
# learns it from the outputs and deploys once more with it.
site=$(output SiteUrl 2>/dev/null || true)
[[ $site == None ]] && site=""
deploy() {
  sam deploy --stack-name "$stack" --resolve-s3 --capabilities CAPABILITY_IAM \
    --no-fail-on-empty-changeset --parameter-overrides "Stage=${stage}" "SiteOrigin=$1" ${SAM_PARAMS:-} ${SAM_DEPLOY_ARGS:-}
}
sam build
deploy "$site"
if [[ -z $site ]]; then
  deploy "$(output SiteUrl)"
fi
aws s3 sync site/ "s3://$(output SiteBucketName)/" --delete --exclude 'test/*' --exclude 'testlib/*'
aws cloudfront create-invalidation --distribution-id "$(output DistributionId)" --paths '/*' >/dev/null
echo "deployed: $(output SiteUrl)"

#!/usr/bin/env bash
# Installs Debian's chromium for the browser test when it is missing. Browser
# downloads by test tools fail on our machines; the distribution package works.
set -euo pipefail
path=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$path" ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "chromium is missing at $path and apt-get is not available: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "chromium is missing: run 'apt-get install -y chromium' as root" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing Debian's chromium for the browser test…"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null

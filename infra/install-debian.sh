#!/usr/bin/env bash
# install-debian.sh PACKAGE WHAT-FOR [PRESENT-CHECK…]
# Installs one of Debian's packages when the check (a command) fails: as root,
# or through sudo. Test tools' own downloads (browsers, JREs) fail on our
# machines; the distribution's packages work.
set -euo pipefail
package=$1 purpose=$2
shift 2
"$@" >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null; then
  echo "$package is missing and apt-get is not available: install it yourself ($purpose)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "$package is missing: run 'apt-get install -y $package' as root ($purpose)" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing Debian's $package for $purpose…"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null

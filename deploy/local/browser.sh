#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser test (Playwright drives it; no browser download).
# Installed once by `make test`; nothing else needs it.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "browser: installing Debian's chromium"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium >/dev/null; }
command -v chromium >/dev/null

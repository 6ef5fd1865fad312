#!/usr/bin/env bash
# Debian packages the test suite uses: chromium (browser tests; never a downloaded browser build),
# fonts-noto-cjk (without a CJK font the report's Chinese renders as boxes in chromium screenshots)
# and docker-compose (renders docker-compose.yml offline; no Docker engine is needed for that).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q "Noto Sans CJK"; }; then
  missing+=(fonts-noto-cjk)
fi
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "missing Debian packages: ${missing[*]} (install them with apt-get)" >&2
  exit 1
fi

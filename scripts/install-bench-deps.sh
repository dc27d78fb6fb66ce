#!/usr/bin/env bash
# Installs what the HTTP benchmark (bench/http_vs_wrk.sh) needs besides the
# build dependencies: a loopback nginx and wrk as the reference client.
# Idempotent; needs root (or sudo). Not needed to build or test.
set -euo pipefail
packages=(nginx-light wrk time python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-bench-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-bench-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Installs every Debian 12 package svit-eval needs to build, test and benchmark.
# Idempotent: only missing packages are installed. Needs root (or sudo).
set -euo pipefail
packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost-program-options-dev libboost-dev nlohmann-json3-dev
  libcurl4-openssl-dev libssl-dev libsqlite3-dev libeigen3-dev libsimdjson-dev libstb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 hyperfine time
  # headless browser tests of the HTML report (svit-eval report)
  chromium
  # the local LibTorch engine: LibTorch 1.13 (CPU), image decoding, SentencePiece;
  # OpenBLAS replaces the reference BLAS LibTorch would otherwise run on (~5x slower)
  libtorch-dev libsentencepiece-dev libopenblas0-openmp
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

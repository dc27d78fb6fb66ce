#!/usr/bin/env bash
# Installs what retraining the demo reference models and regenerating the
# local-engine test goldens needs (tools/reference_models/train.py,
# tests/data/local/make_goldens.py): Debian's PyTorch and SentencePiece for
# Python 3. Not needed to build, test or run svit-eval: the trained models
# and goldens are committed. Needs root (or sudo).
set -euo pipefail
packages=(python3-torch python3-sentencepiece libopenblas0-openmp)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-training-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

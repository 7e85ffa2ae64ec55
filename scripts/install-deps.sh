#!/usr/bin/env bash
# Installs what kmsd needs to build on Debian 12 (run as root); --use adds the
# clients the README's examples use, --test everything the tests need.
# Packages already present are skipped, so a second run costs nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev rapidjson-dev liblmdb-dev lmdb-utils libssl-dev zlib1g-dev libzstd-dev libyaml-cpp-dev
  libsodium-dev
  libgtest-dev libgmock-dev
)
if [[ "${1:-}" == "--use" || "${1:-}" == "--test" ]]; then
  # What the README's "Use it" examples call: the AWS CLI, boto3 and jq.
  packages+=(awscli python3-boto3 jq)
fi
if [[ "${1:-}" == "--test" ]]; then
  # Real clients for the integration tests, clang for the fuzzers, the
  # style checks (scripts/check-style.sh), and headless Chromium (with a font)
  # to render `kmsd audit report`'s page.
  packages+=(awscli python3-boto3 python3-pytest python3-yaml python3-lmdb python3-prometheus-client python3-cryptography python3-nacl openssl systemd ruby-aws-sdk-kms golang-go golang-github-aws-aws-sdk-go-v2-dev clang libclang-rt-14-dev
    clang-format-16 clang-tidy-16 chromium fonts-dejavu-core)
fi

missing=()
# Node.js and npm drive the AWS SDK for JavaScript test; any recent install will do.
if [[ "${1:-}" == "--test" ]] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

#!/usr/bin/env bash
# Installs what is missing, builds kmsd and its tests, and runs every test:
# unit tests (GoogleTest) and integration tests (the real kmsd driven by the
# AWS CLI v2 and boto3), then each fuzzer for a short bounded time.
# Set KMS_SANITIZE=address,undefined to run everything under ASan/UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
build_dir=build
extra=()
if [[ -n "${KMS_SANITIZE:-}" ]]; then
  build_dir=build-sanitize
  extra+=("-DKMS_SANITIZE=${KMS_SANITIZE}")
fi
scripts/build.sh "$build_dir" "${extra[@]}"
(cd "$build_dir" && ctest --output-on-failure -j"${JOBS:-$(nproc)}")
if [[ -x scripts/run-fuzzers.sh && -z "${SKIP_FUZZ:-}" ]]; then
  scripts/run-fuzzers.sh
fi

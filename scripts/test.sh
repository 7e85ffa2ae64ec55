#!/usr/bin/env bash
# Installs what is missing, builds kmsd and its tests, and runs every test.
#
# By default (this is what CI runs, through .ci/run):
#   1. Release build (build/, the build type scripts/run-server.sh uses):
#      unit tests, integration tests (the real kmsd driven by the AWS CLI v2,
#      boto3, the JS, Go and Ruby SDKs) and fuzz-corpus replays;
#   2. the style checks (scripts/check-style.sh: formatting, include
#      boundaries, clang-tidy on the files the last commit changed);
#   3. the same unit and integration tests under ASan+UBSan (build-sanitize/);
#   4. each libFuzzer target for a short bounded time (build-fuzz/).
# (scripts/build.sh's default, RelWithDebInfo, differs from stage 1 in
# optimization and debug-info flags only; it is not built again here, to keep
# CI within 30 minutes on 2 cores.)
# Each stage prints its duration.
#
# KMS_SANITIZE=address,undefined (or thread) instead runs one build with
# those sanitizers and all its tests, and nothing else.
# SKIP_STYLE, SKIP_SANITIZE and SKIP_FUZZ skip stages 2 to 4.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

jobs=${JOBS:-$(nproc)}
stage_start=$SECONDS
stage() {
  echo "== $* ($((SECONDS - stage_start)) s since the last stage)"
  stage_start=$SECONDS
}

if [[ -n "${KMS_SANITIZE:-}" ]]; then
  scripts/build.sh build-sanitize "-DKMS_SANITIZE=${KMS_SANITIZE}"
  (cd build-sanitize && ctest --output-on-failure -j"$jobs")
  exit 0
fi

stage "build Release"
BUILD_TYPE=Release scripts/build.sh build
stage "test Release"
(cd build && ctest --output-on-failure -j"$jobs")

if [[ -z "${SKIP_STYLE:-}" ]]; then
  stage "style (format, include boundaries, clang-tidy on changed files)"
  scripts/check-style.sh build
fi

if [[ -z "${SKIP_SANITIZE:-}" ]]; then
  stage "build ASan+UBSan"
  scripts/build.sh build-sanitize -DKMS_SANITIZE=address,undefined -DKMS_BUILD_BENCH=OFF
  stage "test ASan+UBSan (unit and integration)"
  (cd build-sanitize && ctest --output-on-failure -j"$jobs" -L 'unit|integration')
fi

if [[ -x scripts/run-fuzzers.sh && -z "${SKIP_FUZZ:-}" ]]; then
  stage "fuzzers"
  JOBS="$jobs" FUZZ_SECONDS=10 scripts/run-fuzzers.sh
fi
stage "end"
echo "== every stage passed in ${SECONDS} s"

#!/usr/bin/env bash
# Installs what is missing, builds kmsd and its tests, and runs every test.
#
# By default (this is what CI runs, through .ci/run):
#   1. RelWithDebInfo build (build/): unit tests, integration tests (the real
#      kmsd driven by the AWS CLI v2, boto3 and the JS SDK) and fuzz-corpus
#      replays;
#   2. the style checks (scripts/check-style.sh: formatting, include
#      boundaries, clang-tidy on the files the last commit changed);
#   3. the same unit and integration tests under ASan+UBSan (build-sanitize/);
#   4. a Release build (build-release/) of kmsd, rds-volume and the benchmarks,
#      as scripts/run-server.sh and bench/ build it;
#   5. each libFuzzer target for a short bounded time (build-fuzz/).
# Each stage prints its duration.
#
# KMS_SANITIZE=address,undefined (or thread) instead runs one build with
# those sanitizers and all its tests, and nothing else.
# SKIP_STYLE, SKIP_SANITIZE, SKIP_RELEASE and SKIP_FUZZ skip stages 2 to 5.
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

stage "build RelWithDebInfo"
scripts/build.sh build
stage "test RelWithDebInfo"
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

if [[ -z "${SKIP_RELEASE:-}" ]]; then
  stage "build Release"
  # What scripts/run-server.sh builds (and the benchmarks): the tests already
  # compiled in the two builds above.
  BUILD_TYPE=Release scripts/build.sh build-release -DKMS_BUILD_TESTS=OFF
fi

if [[ -x scripts/run-fuzzers.sh && -z "${SKIP_FUZZ:-}" ]]; then
  stage "fuzzers"
  scripts/run-fuzzers.sh
fi
stage "end"
echo "== every stage passed in ${SECONDS} s"

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
# The builds of stages 3 and 4 run in the background, at low priority, while
# stages 1 and 2 test.
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

# The sanitized build and then the fuzz build run in the background at the
# lowest CPU priority while the Release tests and the style checks run: the
# tests mostly wait (on kmsd, fsync, the clients' start-up) and the builds take
# the idle CPU, which keeps CI within 30 minutes on 2 cores.
build_logs=$(mktemp -d)
run_sanitize=$([[ -z "${SKIP_SANITIZE:-}" ]] && echo 1 || true)
run_fuzz=$([[ -x scripts/run-fuzzers.sh && -z "${SKIP_FUZZ:-}" ]] && echo 1 || true)
# Its own process group (set -m), so that the exit trap stops all of it.
set -m
(
  rc=0
  if [[ -n "$run_sanitize" ]]; then
    nice -n 19 scripts/build.sh build-sanitize -DKMS_SANITIZE=address,undefined \
      -DKMS_BUILD_BENCH=OFF >"$build_logs/sanitize.log" 2>&1 || rc=$?
    echo "$rc" >"$build_logs/sanitize.rc"
  fi
  if [[ -n "$run_fuzz" ]]; then
    rc=0
    JOBS="$jobs" BUILD_ONLY=1 nice -n 19 scripts/run-fuzzers.sh >"$build_logs/fuzz.log" 2>&1 || rc=$?
    echo "$rc" >"$build_logs/fuzz.rc"
  fi
) &
background_builds=$!
set +m
# (|| true: under set -e a failing command in the trap would become the exit status.)
trap 'kill -- -"$background_builds" 2>/dev/null || true; rm -rf "$build_logs"' EXIT
# Waits for one background build; prints its output and fails when it failed.
wait_for_build() {
  local name=$1
  while [[ ! -f "$build_logs/$name.rc" ]]; do
    kill -0 "$background_builds" 2>/dev/null || break
    sleep 2
  done
  if [[ "$(cat "$build_logs/$name.rc" 2>/dev/null)" != 0 ]]; then
    tail -n 80 "$build_logs/$name.log" >&2
    echo "FAIL: the $name build failed" >&2
    exit 1
  fi
}

stage "test Release"
(cd build && ctest --output-on-failure -j"$jobs")

if [[ -z "${SKIP_STYLE:-}" ]]; then
  stage "style (format, include boundaries, clang-tidy on changed files)"
  scripts/check-style.sh build
fi

if [[ -n "$run_sanitize" ]]; then
  stage "build ASan+UBSan (the rest of what ran in the background)"
  wait_for_build sanitize
  stage "test ASan+UBSan (unit and integration)"
  (cd build-sanitize && ctest --output-on-failure -j"$jobs" -L 'unit|integration')
fi

if [[ -n "$run_fuzz" ]]; then
  stage "build fuzzers (the rest of what ran in the background)"
  wait_for_build fuzz
  stage "fuzzers"
  JOBS="$jobs" FUZZ_SECONDS=10 scripts/run-fuzzers.sh
fi
wait "$background_builds"
stage "end"
echo "== every stage passed in ${SECONDS} s"

#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each one for a bounded time
# over a scratch copy of its corpus (tests/fuzz/corpus/<corpus>/). Fails when a
# fuzzer finds a crash, leak, timeout or sanitizer error; the reproducer is
# kept in $BUILD_DIR/fuzz-artifacts/<target>/. Fix the bug, then add the
# reproducer to the corpus so that ctest replays it.
#
# Environment:
#   FUZZ_SECONDS  seconds per fuzzer (default 15)
#   BUILD_DIR     clang build directory (default <repo>/build-fuzz)
#   SRC_DIR       source tree to configure (default: this repository)
#   CC, CXX       compilers (default clang, clang++)
#   JOBS          ninja parallelism (default 1)
#   FUZZERS       space-separated <target>:<corpus folder> pairs
#                 (default: every target below)
#   BUILD_ONLY    when set, builds the targets and runs nothing
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src_dir=${SRC_DIR:-$repo_root}
build_dir=${BUILD_DIR:-$repo_root/build-fuzz}
seconds=${FUZZ_SECONDS:-15}
jobs=${JOBS:-1}
read -r -a fuzzers <<<"${FUZZERS:-policy_parser_fuzz:policy_parser ciphertext_blob_fuzz:ciphertext_blob sigv4_fuzz:sigv4 request_body_fuzz:request_body config_fuzz:config command_line_fuzz:command_line lookup_events_fuzz:lookup_events http_request_fuzz:http_request volume_header_fuzz:volume_header rds_config_fuzz:rds_config stored_record_fuzz:stored_record audit_journal_fuzz:audit_journal key_material_fuzz:key_material seed_file_fuzz:seed_file key_record_fuzz:key_record policy_test_file_fuzz:policy_test_file policy_lint_fuzz:policy_lint policy_diff_fuzz:policy_diff audit_record_view_fuzz:audit_record_view}"

# -O1 and line tables build fast enough for CI. NDEBUG as in the server's own
# builds: Beast 1.81 has a debug-only assertion in its chunk parser that is
# wrong (boostorg/beast#2861) and would stop the HTTP target on valid input.
cmake -S "$src_dir" -B "$build_dir" -G Ninja \
  -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_CXX_COMPILER="${CXX:-clang++}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DKMS_BUILD_FUZZERS=ON -DKMS_BUILD_TESTS=OFF -DKMS_BUILD_BENCH=OFF >/dev/null

if [[ -n "${BUILD_ONLY:-}" ]]; then
  targets=()
  for pair in "${fuzzers[@]}"; do targets+=("${pair%%:*}"); done
  exec ninja -C "$build_dir" -j "$jobs" "${targets[@]}"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

status=0
for pair in "${fuzzers[@]}"; do
  target=${pair%%:*}
  corpus=${pair#*:}
  # Only the fuzz targets and what they link; the rest of the tree is not built.
  targets=$(ninja -C "$build_dir" -t targets all)
  if ! grep -q "^${target}: " <<<"$targets"; then
    echo "error: no target ${target}; the top-level CMakeLists.txt must add tests/fuzz" \
         "when KMS_BUILD_FUZZERS is ON" >&2
    exit 2
  fi
  if ! built=$(ninja -C "$build_dir" -j "$jobs" "$target" 2>&1); then
    echo "$built" >&2
    exit 2
  fi
  binary=$(find "$build_dir" -type f -name "$target" -perm -u+x | head -n 1)
  work="$scratch/$target"
  artifacts="$build_dir/fuzz-artifacts/$target"
  mkdir -p "$work" "$artifacts"
  cp -R "$src_dir/tests/fuzz/corpus/$corpus/." "$work/"
  dict_args=()
  if [[ -f "$src_dir/tests/fuzz/dict/$corpus.dict" ]]; then
    dict_args=(-dict="$src_dir/tests/fuzz/dict/$corpus.dict")
  fi
  # libFuzzer's progress (and its dictionary) is thousands of lines: kept in
  # a log that is printed only when the fuzzer fails.
  log="$artifacts/last-run.log"
  if "$binary" "${dict_args[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=40000 -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1; then
    echo "== $target: ${seconds}s over a copy of corpus/$corpus: $(grep -m1 -o 'Done [0-9]* runs' "$log" || echo done)"
  else
    tail -n 60 "$log" >&2
    echo "FAIL: $target found a bug; reproducers in $artifacts/, its output in $log" >&2
    status=1
  fi
done
exit $status

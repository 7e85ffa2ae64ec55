# Sourced by the bench scripts (from the repository's root): the Release build
# to measure ($BUILD_DIR, default build-release; built when missing), a work
# directory removed on exit, and a kmsd started in it (its log at level warn
# unless LOG_LEVEL says otherwise).
build_dir=${BUILD_DIR:-build-release}
if [[ ! -x "$build_dir/server/kmsd" || ! -x "$build_dir/bench/kms_load" ]]; then
  BUILD_TYPE=Release scripts/build.sh "$build_dir" -DKMS_BUILD_TESTS=OFF
fi
work=$(mktemp -d)
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# start_kmsd CONFIG: a kmsd with a fresh data directory; sets $pid and $port,
# and creates the benchmark's key (alias/bench), warming up.
start_kmsd() {
  rm -rf "$work/data" "$work/port"
  # The request log (a line per call) only when asked: LOG_LEVEL=info.
  KMSD_LOG_LEVEL=${LOG_LEVEL:-warn} "$build_dir/server/kmsd" --config "$1" --data-dir "$work/data" --port 0 \
    --port-file "$work/port" 2>"$work/kmsd.log" &
  pid=$!
  for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
  port=$(cat "$work/port")
  "$build_dir/bench/kms_load" --port "$port" --setup --key-id alias/bench --op GenerateDataKey \
    --connections 4 --seconds 1 >/dev/null
}

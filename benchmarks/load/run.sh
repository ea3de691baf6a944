#!/usr/bin/env bash
# The load benchmark: Tessera against iipsrv 1.1 (Debian, FastCGI behind lighttpd, two processes)
# on the same generated images, the same URLs and the same settings, runs alternating
# Tessera, iipsrv, Tessera, iipsrv per workload. One command: `bash benchmarks/load/run.sh`.
# Settings (environment): see benchmarks/README.md. The report goes to stdout and to
# $BENCH_DATA/last-run.md; every run's raw numbers stay in $BENCH_DATA/runs/<time>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

die() { echo "load benchmark: $*" >&2; exit 1; }

BENCH_SCALE=${BENCH_SCALE:-full}
case $BENCH_SCALE in
  full)
    : "${BENCH_WIDTH:=30000}" "${BENCH_HEIGHT:=20000}"
    : "${BENCH_GREY_WIDTH:=$BENCH_WIDTH}" "${BENCH_GREY_HEIGHT:=$BENCH_HEIGHT}"
    : "${BENCH_JP2_WIDTH:=15000}" "${BENCH_JP2_HEIGHT:=10000}"
    : "${BENCH_REGION:=4000}" "${BENCH_REGION_OUT:=1024}" "${BENCH_SECONDS:=20}" ;;
  smoke)
    : "${BENCH_WIDTH:=3000}" "${BENCH_HEIGHT:=2000}"
    : "${BENCH_GREY_WIDTH:=$BENCH_WIDTH}" "${BENCH_GREY_HEIGHT:=$BENCH_HEIGHT}"
    : "${BENCH_JP2_WIDTH:=$BENCH_WIDTH}" "${BENCH_JP2_HEIGHT:=$BENCH_HEIGHT}"
    : "${BENCH_REGION:=1000}" "${BENCH_REGION_OUT:=256}" "${BENCH_SECONDS:=3}" ;;
  *) die "BENCH_SCALE must be full or smoke" ;;
esac
: "${BENCH_DATA:=/var/tmp/tessera-bench}"
: "${BENCH_CONNECTIONS:=64}" "${BENCH_WRK_THREADS:=2}" "${BENCH_REPS:=2}"
: "${BENCH_JPEG_QUALITY:=75}" "${BENCH_CACHE_MB:=256}" "${BENCH_MAX_CVT:=5000}"
# Resampling for scaled outputs (region export): iipsrv's default, INTERPOLATION=1, is bilinear;
# both servers get the same (Tessera's own default is Lanczos; set BENCH_INTERPOLATION=high-quality
# and BENCH_IIPSRV_INTERPOLATION=1 to measure that).
: "${BENCH_INTERPOLATION:=bilinear}" "${BENCH_IIPSRV_INTERPOLATION:=1}"
: "${BENCH_WORKLOADS:=hot,cold_q85,cold_q90rgb,cold_deflate,jtl_q85,region,info,jp2,grey16}"
: "${BENCH_DROP_CACHES:=0}" "${BENCH_WRK_CPUS:=}" "${BENCH_SERVER_CPUS:=}"
: "${BENCH_TESSERA_PORT:=8181}" "${BENCH_IIPSRV_PORT:=8182}" "${BENCH_SEED:=7}"
: "${BENCH_BUILD_DIR:=$repo/build}" "${BENCH_BUILD:=1}" "${BENCH_TESSERA_ARGS:=}"
: "${TESSERA_BIN:=$BENCH_BUILD_DIR/tessera}"
: "${IIPSRV_BIN:=/usr/lib/iipimage-server/iipsrv.fcgi}"
export BENCH_IMAGES=$BENCH_DATA/images-${BENCH_WIDTH}x${BENCH_HEIGHT}
export BENCH_WIDTH BENCH_HEIGHT BENCH_GREY_WIDTH BENCH_GREY_HEIGHT BENCH_JP2_WIDTH BENCH_JP2_HEIGHT
export BENCH_LUA_DIR=$here BENCH_WRK_THREADS BENCH_PREFIX=/fcgi-bin/iipsrv.fcgi

# --- prerequisites -------------------------------------------------------------------------------
hint="install them with: bash scripts/setup.sh bench"
for tool in wrk lighttpd vips opj_compress curl python3 awk taskset; do
  command -v "$tool" >/dev/null || die "'$tool' not found; $hint"
done
[[ -x $IIPSRV_BIN ]] || die "iipsrv not found at $IIPSRV_BIN (package iipimage-server); $hint"
[[ -n $(getconf CLK_TCK) ]] || die "getconf CLK_TCK failed"
if [[ $BENCH_BUILD == 1 ]]; then
  # Always a Release build with the benchmarks on (scripts/run.sh configures them off).
  tests=(); [[ -f $BENCH_BUILD_DIR/CMakeCache.txt ]] || tests=(-DTESSERA_BUILD_TESTS=OFF)
  cmake -S "$repo" -B "$BENCH_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DTESSERA_BUILD_BENCHMARKS=ON "${tests[@]}" >/dev/null
  cmake --build "$BENCH_BUILD_DIR" -j "$(nproc)" --target tessera codec_floor tessera-sample
fi
build_type=$(awk -F= '/^CMAKE_BUILD_TYPE:/ { print $2 }' "$BENCH_BUILD_DIR/CMakeCache.txt" 2>/dev/null)
[[ $build_type == Release ]] || echo "load benchmark: WARNING: $BENCH_BUILD_DIR is a '$build_type' build, not Release" >&2
for bin in "$TESSERA_BIN" "$BENCH_BUILD_DIR/benchmarks/codec_floor" "$BENCH_BUILD_DIR/tessera-sample"; do
  [[ -x $bin ]] || die "$bin not built (cmake --build $BENCH_BUILD_DIR --target tessera codec_floor tessera-sample)"
done
for port in "$BENCH_TESSERA_PORT" "$BENCH_IIPSRV_PORT"; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    die "port $port is already in use (set BENCH_TESSERA_PORT / BENCH_IIPSRV_PORT)"
  fi
done

bash "$here/make_images.sh" "$BENCH_BUILD_DIR/tessera-sample"

run=$BENCH_DATA/runs/$(date +%Y%m%d-%H%M%S)
mkdir -p "$run/www" "$run/wrk"
results=$run/results.tsv
meta=$run/meta.env
clk=$(getconf CLK_TCK)

# --- servers -------------------------------------------------------------------------------------
server_pid=""     # the server under test (tessera, or lighttpd with its iipsrv children)
iipsrv_pids=""
pin_server=(); [[ -n $BENCH_SERVER_CPUS ]] && pin_server=(taskset -c "$BENCH_SERVER_CPUS")
pin_wrk=(); [[ -n $BENCH_WRK_CPUS ]] && pin_wrk=(taskset -c "$BENCH_WRK_CPUS")

sed -e "s|@RUNDIR@|$run|g" -e "s|@PORT@|$BENCH_IIPSRV_PORT|g" -e "s|@IIPSRV@|$IIPSRV_BIN|g" \
  -e "s|@IMAGES@|$BENCH_IMAGES|g" -e "s|@CACHE_MB@|$BENCH_CACHE_MB|g" \
  -e "s|@JPEG_QUALITY@|$BENCH_JPEG_QUALITY|g" -e "s|@MAX_CVT@|$BENCH_MAX_CVT|g" \
  -e "s|@INTERPOLATION@|$BENCH_IIPSRV_INTERPOLATION|g" \
  "$here/lighttpd.conf.in" >"$run/lighttpd.conf"

wait_ready() {  # port
  for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_server() {  # tessera | iipsrv
  if [[ $1 == tessera ]]; then
    "${pin_server[@]}" "$TESSERA_BIN" --root "$BENCH_IMAGES" --host 127.0.0.1 \
      --port "$BENCH_TESSERA_PORT" --image-cache-mb "$BENCH_CACHE_MB" \
      --jpeg-quality "$BENCH_JPEG_QUALITY" --max-cvt "$BENCH_MAX_CVT" --iiif-version 2 \
      --interpolation "$BENCH_INTERPOLATION" \
      --log-level warn --logfile "$run/tessera.log" $BENCH_TESSERA_ARGS >>"$run/tessera.log" 2>&1 &
    server_pid=$!
    wait_ready "$BENCH_TESSERA_PORT" || die "tessera did not start (see $run/tessera.log)"
    iipsrv_pids=""
  else
    "${pin_server[@]}" lighttpd -D -f "$run/lighttpd.conf" &
    server_pid=$!
    wait_ready "$BENCH_IIPSRV_PORT" || die "lighttpd did not start (see $run/lighttpd.err)"
    for _ in $(seq 50); do
      iipsrv_pids=$(pgrep -P "$server_pid" | tr '\n' ' ' || true)
      [[ $(wc -w <<<"$iipsrv_pids") -ge 2 ]] && break
      sleep 0.1
    done
    [[ $(wc -w <<<"$iipsrv_pids") -eq 2 ]] || die "expected 2 iipsrv processes, found '$iipsrv_pids'"
  fi
}

stop_server() {
  [[ -n $server_pid ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  for p in $iipsrv_pids; do kill -TERM "$p" 2>/dev/null || true; done
  server_pid="" iipsrv_pids=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# CPU ticks (utime + stime + reaped children) of the server under test, all processes summed.
server_ticks() {
  local p sum=0 t
  for p in $server_pid $iipsrv_pids; do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    sum=$((sum + t))
  done
  echo "$sum"
}
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

base() { echo "http://127.0.0.1:$([[ $1 == tessera ]] && echo "$BENCH_TESSERA_PORT" || echo "$BENCH_IIPSRV_PORT")"; }
# iipsrv takes IIIF=/id and IIIF=id alike, as Tessera does.
iiif() { echo "$BENCH_PREFIX?IIIF=$1"; }
tile_url() {  # id x y w h
  echo "$(iiif "$1")/$2,$3,$4,$5/$4,/0/default.jpg"
}

# --- workloads -----------------------------------------------------------------------------------
# Sets: script, target (the URL path for static scripts), dur, warm (paths fetched before timing),
# verify (paths checked once on both servers), kind (tile | json) and the walk/region variables.
res_number=""
set_walk() {  # mode id width height
  export WALK_MODE=$1 WALK_ID=$2 WALK_WIDTH=$3 WALK_HEIGHT=$4 WALK_SCALE=1 WALK_TILE=256
  export WALK_SEED=$BENCH_SEED WALK_RES=$res_number
  script=walk.lua target=/
  warm=("$(iiif "$2")/info.json")
  local cols=$(( ($3 + 255) / 256 )) rows=$(( ($4 + 255) / 256 ))
  local lx=$(( (cols - 1) * 256 )) ly=$(( (rows - 1) * 256 ))
  if [[ $1 == jtl ]]; then
    verify=("$BENCH_PREFIX?FIF=$2&JTL=$res_number,0" "$BENCH_PREFIX?FIF=$2&JTL=$res_number,$(( cols * rows - 1 ))")
  else
    verify=("$(tile_url "$2" 0 0 256 256)" "$(tile_url "$2" "$lx" "$ly" $(( $3 - lx )) $(( $4 - ly )))")
  fi
}
setup_workload() {
  dur=$BENCH_SECONDS kind=tile cold=1
  local cx=$(( BENCH_WIDTH / 512 * 256 )) cy=$(( BENCH_HEIGHT / 512 * 256 ))
  case $1 in
    hot) script=static.lua cold=0 target=$(tile_url rgb_q85.tif "$cx" "$cy" 256 256)
      warm=() verify=("$target") ;;
    info) script=static.lua cold=0 kind=json target="$(iiif rgb_q85.tif)/info.json"
      warm=() verify=("$target") ;;
    cold_q85) set_walk iiif rgb_q85.tif "$BENCH_WIDTH" "$BENCH_HEIGHT" ;;
    cold_q90rgb) set_walk iiif rgb_q90.tif "$BENCH_WIDTH" "$BENCH_HEIGHT" ;;
    cold_deflate) set_walk iiif rgb_deflate.tif "$BENCH_WIDTH" "$BENCH_HEIGHT" ;;
    jtl_q85) set_walk jtl rgb_q85.tif "$BENCH_WIDTH" "$BENCH_HEIGHT" ;;
    jp2) set_walk iiif image.jp2 "$BENCH_JP2_WIDTH" "$BENCH_JP2_HEIGHT" ;;
    grey16) set_walk iiif grey16.tif "$BENCH_GREY_WIDTH" "$BENCH_GREY_HEIGHT" ;;
    region) script=region.lua cold=0 target=/ dur=$(( BENCH_SECONDS * 2 ))
      export REGION_ID=rgb_q85.tif REGION_WIDTH=$BENCH_WIDTH REGION_HEIGHT=$BENCH_HEIGHT
      export REGION_SIZE=$BENCH_REGION REGION_OUT=$BENCH_REGION_OUT REGION_SEED=$BENCH_SEED
      warm=("$(iiif rgb_q85.tif)/info.json")
      verify=("$(iiif rgb_q85.tif)/0,0,$BENCH_REGION,$BENCH_REGION/$BENCH_REGION_OUT,/0/default.jpg") ;;
    *) die "unknown workload '$1'" ;;
  esac
}

# --- verification: every URL form answers an image (or JSON) from both servers ------------------
verify_all() {
  local srv w p info code type bytes ok=1
  printf 'server\tworkload\tstatus\ttype\tbytes\tpath\n' >"$run/verify.tsv"
  for srv in iipsrv tessera; do  # iipsrv first: its resolution count names the JTL level
    start_server "$srv"
    local r
    r=$(curl -sf "$(base "$srv")$BENCH_PREFIX?FIF=rgb_q85.tif&OBJ=Resolution-number" |
      tr -d '\r' | awk -F: '/^Resolution-number/ { print $2 }') || true
    echo "$srv: Resolution-number of rgb_q85.tif = ${r:-none}"
    [[ $srv == iipsrv && -n $r ]] && res_number=$(( r - 1 ))
    for w in ${BENCH_WORKLOADS//,/ }; do
      setup_workload "$w"
      for p in "${verify[@]}"; do
        info=$(curl -s -o "$run/verify.body" -w '%{http_code}\t%{content_type}\t%{size_download}' \
          --max-time 120 "$(base "$srv")$p") || true
        IFS=$'\t' read -r code type bytes <<<"$info"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$srv" "$w" "$code" "$type" "$bytes" "$p" >>"$run/verify.tsv"
        local want=image/jpeg
        [[ $kind == json ]] && want=json
        if [[ $code != 200 || $type != *"$want"* || $bytes -lt 100 ]]; then
          echo "VERIFY FAILED: $srv $w $p -> $code '$type' $bytes bytes" >&2
          ok=0
        fi
      done
    done
    stop_server
  done
  [[ -n $res_number ]] || die "could not read iipsrv's Resolution-number for rgb_q85.tif"
  [[ $ok == 1 ]] || die "some URLs do not give an image from both servers (see $run/verify.tsv)"
}

# --- one timed run -------------------------------------------------------------------------------
printf 'workload\trep\tserver\trequests\tduration_us\tbytes\tp50_us\tp90_us\tp99_us\tmean_us' >"$results"
printf '\tmax_us\terr_status\terr_socket\tserver_ticks\tmachine_ticks\twrk_user_s\twrk_sys_s' >>"$results"
printf '\trss_peak_kb\trss_kb\tanon_peak_kb\twrk_duration_us\tnote\n' >>"$results"
failures=0

run_one() {  # workload rep server
  local w=$1 rep=$2 srv=$3 note=""
  if [[ $cold == 1 && $BENCH_DROP_CACHES == 1 ]]; then
    sync
    echo 3 >/proc/sys/vm/drop_caches
  fi
  start_server "$srv"
  local p
  local curls=()
  for p in "${warm[@]}"; do  # open the image in each process (4 at once reach both iipsrvs)
    for _ in 1 2 3 4; do curl -s -o /dev/null "$(base "$srv")$p" & curls+=($!); done
  done
  (( ${#curls[@]} == 0 )) || wait "${curls[@]}" || true
  local wrk_cmd=("${pin_wrk[@]}" wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" --timeout 60s
    -s "$here/$script")
  [[ $script == static.lua ]] && "${wrk_cmd[@]}" -d 1s "$(base "$srv")$target" >/dev/null 2>&1
  local out=$run/wrk/$w-$rep-$srv.txt pids0=$iipsrv_pids t0 m0 t1 m1 sampler
  # VmHWM counts the image files' pages mapped by libtiff too, so Tessera's anonymous memory (heap:
  # caches, buffers) is sampled on its own, every 0.5 s.
  if [[ $srv == tessera ]]; then
    ( local max=0 v
      while v=$(status_kb "$server_pid" RssAnon) && [[ -n $v ]] && kill -0 "$server_pid" 2>/dev/null; do
        (( v > max )) && max=$v
        echo "$max" >"$out.anon"
        sleep 0.5
      done ) &
    sampler=$!
  fi
  t0=$(server_ticks)
  m0=$(machine_busy_ticks)
  { TIMEFORMAT='%U %S'; time "${wrk_cmd[@]}" -d "${dur}s" "$(base "$srv")$target" >"$out" 2>&1; } \
    2>"$out.time" || note+="wrk-exit-nonzero "
  t1=$(server_ticks)
  m1=$(machine_busy_ticks)
  if [[ $srv == iipsrv ]]; then
    [[ $(pgrep -P "$server_pid" | tr '\n' ' ') == "$pids0" ]] || note+="iipsrv-process-replaced "
  fi
  local peak=0 rss=0
  if [[ $srv == tessera ]]; then
    peak=$(status_kb "$server_pid" VmHWM) rss=$(status_kb "$server_pid" VmRSS)
  else
    for p in $server_pid $iipsrv_pids; do
      peak=$(( peak + $(status_kb "$p" VmHWM) )) rss=$(( rss + $(status_kb "$p" VmRSS) ))
    done
  fi
  kill -0 "$server_pid" 2>/dev/null || note+="server-died "
  local anon=0
  if [[ -n ${sampler:-} ]]; then
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    anon=$(cat "$out.anon" 2>/dev/null || echo 0)
    anon=$(( anon > $(status_kb "$server_pid" RssAnon) ? anon : $(status_kb "$server_pid" RssAnon) ))
  fi
  stop_server
  local line
  line=$(grep '^RESULT ' "$out" | tail -1) || true
  [[ -n $line ]] || { note+="no-result "; line="RESULT requests=0"; }
  declare -A r=()
  local kv
  for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  local sock=$(( ${r[err_connect]:-0} + ${r[err_read]:-0} + ${r[err_write]:-0} + ${r[err_timeout]:-0} ))
  (( ${r[err_status]:-0} > 0 )) && note+="NON-2XX "
  (( sock > 0 )) && note+="SOCKET-ERRORS "
  [[ -n $note ]] && failures=$((failures + 1))
  local wrk_user wrk_sys
  read -r wrk_user wrk_sys <"$out.time" || true
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$w" "$rep" "$srv" "${r[requests]:-0}" "${r[duration_us]:-0}" "${r[bytes]:-0}" \
    "${r[p50_us]:-0}" "${r[p90_us]:-0}" "${r[p99_us]:-0}" "${r[mean_us]:-0}" "${r[max_us]:-0}" \
    "${r[err_status]:-0}" "$sock" "$((t1 - t0))" "$((m1 - m0))" "${wrk_user:-0}" "${wrk_sys:-0}" \
    "$peak" "$rss" "$anon" "${r[wrk_duration_us]:-0}" "${note% }" >>"$results"
  awk -v w="$w" -v rep="$rep" -v s="$srv" -v n="${r[requests]:-0}" -v d="${r[duration_us]:-1}" \
    -v p99="${r[p99_us]:-0}" -v t=$((t1 - t0)) -v clk="$clk" -v note="$note" 'BEGIN {
      printf "  %-13s %d %-8s %8.0f req/s  p99 %8.1f ms  %7.0f us CPU/req  %s\n", w, rep, s,
        n * 1e6 / d, p99 / 1000, n ? t * 1e6 / clk / n : 0, note }'
}

# --- the run -------------------------------------------------------------------------------------
started=$(date +%s)
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "cores=$(nproc)"
  echo "memory_gib=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "tessera_commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
    git -C "$repo" diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "build_type=${build_type:-unknown}"
  echo "iipsrv_version=$(dpkg-query -W -f='${Version}' iipimage-server 2>/dev/null || echo unknown)"
  echo "lighttpd_version=$(lighttpd -v 2>&1 | head -1 | awk '{ print $1 }')"
  echo "wrk_version=$(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo unknown)"
  echo "seconds=$BENCH_SECONDS"
  echo "connections=$BENCH_CONNECTIONS"
  echo "wrk_threads=$BENCH_WRK_THREADS"
  echo "reps=$BENCH_REPS"
  echo "jpeg_quality=$BENCH_JPEG_QUALITY"
  echo "interpolation=$BENCH_INTERPOLATION (iipsrv INTERPOLATION=$BENCH_IIPSRV_INTERPOLATION)"
  echo "cache_mb=$BENCH_CACHE_MB"
  echo "max_cvt=$BENCH_MAX_CVT"
  echo "region=$BENCH_REGION"
  echo "region_out=$BENCH_REGION_OUT"
  echo "wrk_cpus=$BENCH_WRK_CPUS"
  echo "server_cpus=$BENCH_SERVER_CPUS"
  echo "tessera_args=$BENCH_TESSERA_ARGS"
  echo "clk_tck=$clk"
  echo "images=$BENCH_IMAGES"
  echo "width=$BENCH_WIDTH"
  echo "height=$BENCH_HEIGHT"
  echo "grey_size=${BENCH_GREY_WIDTH}x${BENCH_GREY_HEIGHT}"
  echo "jp2_size=${BENCH_JP2_WIDTH}x${BENCH_JP2_HEIGHT}"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$meta"

if [[ $BENCH_DROP_CACHES == 1 ]]; then
  ( echo 1 >/proc/sys/vm/drop_caches ) 2>/dev/null ||
    die "BENCH_DROP_CACHES=1 but /proc/sys/vm/drop_caches is not writable (run as root)"
  echo "page_cache=dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every cold run" >>"$meta"
else
  cat "$BENCH_IMAGES"/*.tif "$BENCH_IMAGES"/*.jp2 >/dev/null
  echo "page_cache=warm: every image file was read once before the runs (nothing dropped)" >>"$meta"
fi

echo "codec floor (one 256x256 tile, thread CPU time):"
"$BENCH_BUILD_DIR/benchmarks/codec_floor" --quality "$BENCH_JPEG_QUALITY" \
  --deflate "$BENCH_IMAGES/rgb_deflate.tif" --jpeg "$BENCH_IMAGES/rgb_q85.tif" \
  --jpeg-rgb "$BENCH_IMAGES/rgb_q90.tif" --jp2 "$BENCH_IMAGES/image.jp2" | tee "$run/floor.txt"

verify_all
echo "jtl_resolution=$res_number" >>"$meta"

echo "timed runs (each on freshly started servers):"
for w in ${BENCH_WORKLOADS//,/ }; do
  setup_workload "$w"
  for rep in $(seq "$BENCH_REPS"); do
    for srv in tessera iipsrv; do run_one "$w" "$rep" "$srv"; done
  done
done

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$meta"
echo "run_minutes=$(( ($(date +%s) - started + 30) / 60 ))" >>"$meta"
cp "$BENCH_IMAGES/gen-times.tsv" "$run/"
python3 "$here/report.py" "$run" >"$run/report.md"
cp "$run/report.md" "$BENCH_DATA/last-run.md"
echo
cat "$run/report.md"
echo
echo "report: $run/report.md (also $BENCH_DATA/last-run.md)"
if (( failures > 0 )); then
  echo "load benchmark: $failures run(s) had errors, non-2xx answers or a server fault: see the notes" >&2
  exit 3
fi

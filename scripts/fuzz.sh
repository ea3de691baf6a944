#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each from its seeds for a bounded
# time: the TIFF reader for `seconds` (default 60; CI uses that), then the request path (every
# protocol's parser and handler) for half as long. `scripts/fuzz.sh [seconds]`.
# Findings are written to build-fuzz/findings/ and make the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
dir=build-fuzz
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$dir" -j "$(nproc)" --target tiff_fuzz request_fuzz make_seeds
"$dir/tests/fuzz/make_seeds" "$dir/seeds"
mkdir -p "$dir/corpus" "$dir/findings"
common=(-timeout=25 -rss_limit_mb=2048 -malloc_limit_mb=1024 -artifact_prefix="$dir/findings/"
  -print_final_stats=1)

echo "== TIFF reader (${seconds} s)"
"$dir/tests/fuzz/tiff_fuzz" -max_total_time="$seconds" "${common[@]}" "$dir/corpus" "$dir/seeds"

# Request seeds: one URL of each protocol; the first byte picks the route prefix (0 /iip?,
# 1 /iiif/, 2 /zoomify/, 3 /deepzoom/; anything else: the target as it is).
requests="$dir/request-seeds"
mkdir -p "$requests" "$dir/request-corpus"
seed() { printf "\\x$(printf %02x "$1")%s" "$2" >"$requests/$3"; }
seed 0 'FIF=img.tif&OBJ=IIP,1.0&OBJ=basic-info' obj
seed 0 'FIF=img.tif&CNT=1.5&GAM=log&CMP=jet&JTL=2,1' jtl
seed 0 'FIF=img.tif&RGN=0.1,0.2,0.5,0.5&WID=80&ROT=90&CVT=png' cvt
seed 0 'FIF=s&SDS=10,90&PFL=1:0,3-30,3&SPECTRA=1,0,2,2' sequence
seed 1 'img.tif/10,10,40,30/!20,20/!45/gray.png' iiif
seed 2 'img.tif/TileGroup0/1-0-0.jpg' zoomify
seed 3 'img.tif_files/5/0_0.png' deepzoom
seed 9 '/fcgi-bin/iipsrv.fcgi?DeepZoom=img.tif.dzi' deepzoom-form
echo "== Requests, every protocol ($((seconds / 2)) s)"
"$dir/tests/fuzz/request_fuzz" -max_total_time="$((seconds / 2))" "${common[@]}" \
  -dict=tests/fuzz/request.dict "$dir/request-corpus" "$requests"

#!/usr/bin/env bash
# Builds the libFuzzer target for the TIFF reader with clang (ASan+UBSan) and runs it from the
# seed corpus for a bounded time: `scripts/fuzz.sh [seconds]` (default 60; CI uses that).
# Findings are written to build-fuzz/findings/ and make the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
dir=build-fuzz
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$dir" -j "$(nproc)" --target tiff_fuzz make_seeds
"$dir/tests/fuzz/make_seeds" "$dir/seeds"
mkdir -p "$dir/corpus" "$dir/findings"
"$dir/tests/fuzz/tiff_fuzz" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
  -malloc_limit_mb=1024 -artifact_prefix="$dir/findings/" -print_final_stats=1 \
  "$dir/corpus" "$dir/seeds"

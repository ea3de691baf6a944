#!/usr/bin/env bash
# README command 2 (and CI): install what is missing, build, and run the whole test suite twice:
# a Release build, then a build with AddressSanitizer and UndefinedBehaviorSanitizer; then fuzz
# the TIFF reader for a minute and the request path for half a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
jobs=$(nproc 2>/dev/null || echo 2)

echo "== Release build and tests"
bash scripts/build.sh build
(cd build && ctest -j "$jobs" --output-on-failure)

echo "== ASan+UBSan build and tests"
# -O1 -g1 halves this build's time against -O2 -g (15 to 8 minutes on 2 cores) and still gives
# sanitizer reports with file and line. The benchmarks are compile-checked in the Release build.
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_SANITIZE=ON \
  -DTESSERA_BUILD_BENCHMARKS=OFF "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest -j "$jobs" --output-on-failure)

echo "== Fuzzing the TIFF reader (60 s) and the request path (30 s)"
bash scripts/fuzz.sh 60

#!/usr/bin/env bash
# README command 1: install what is missing, build, generate the sample pyramid, and serve it on
# http://127.0.0.1:8080 (extra arguments are passed to tessera, e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build -DTESSERA_BUILD_TESTS=OFF -DTESSERA_BUILD_BENCHMARKS=OFF
echo
echo "Open a IIIF viewer on http://127.0.0.1:8080/iiif/sample.tif/info.json (Ctrl-C stops the server)"
exec ./build/tessera "$@"

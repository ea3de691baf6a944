#!/usr/bin/env bash
# Installs the Debian bookworm packages Tessera needs to build and test.
# Idempotent: only packages that are missing are installed. `setup.sh test` also installs what
# only the test suite needs (clang and libFuzzer for the fuzz run, Google Benchmark so CI builds
# the stage benchmarks, the memcached server the shared-cache tests start); `setup.sh bench` what
# the load benchmark against iipsrv needs (benchmarks/load/run.sh: wrk, iipsrv behind lighttpd,
# vips and OpenJPEG to make the images).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost-dev            # Boost 1.74: Asio, Beast (header-only)
  libtiff-dev libturbojpeg0-dev libopenjp2-7-dev
  libpng-dev libwebp-dev libgif-dev libavif-dev libhpdf-dev   # encoders
  liblcms2-dev            # colour management
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libmemcached-dev libxxhash-dev        # the optional cache shared by several instances
  libssl-dev              # only because libmemcached.pc requires libcrypto (Debian omits the dependency)
  catch2
)
if [[ "${1:-}" == test ]]; then
  packages+=(clang libclang-rt-14-dev libbenchmark-dev memcached)
fi
if [[ "${1:-}" == bench ]]; then
  # lighttpd is named before iipimage-server so apt takes it for the FastCGI host, not Apache.
  packages+=(wrk lighttpd iipimage-server libvips-tools libopenjp2-tools curl python3)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all build dependencies present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

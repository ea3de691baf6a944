#!/usr/bin/env bash
# Generates the load benchmark's images once into $BENCH_IMAGES (see run.sh) and reuses each one
# while the stamp file records it with the same parameters. Usage: make_images.sh SAMPLE_BIN
#
# Content: the bundled sample drawing (gradient, grid, labels, bullseye) at 1/5 of the final size,
# overlaid with three 1/f fractal surfaces (one per band, the spectrum of natural images) and mild
# sensor-like noise, then replicated 5x5. Tiles then compress like photographs (~17 KB per
# 256x256 JPEG q85 tile), not like a flat drawing or like noise.
set -euo pipefail

sample_bin=$1
: "${BENCH_IMAGES:?set by run.sh}" "${BENCH_WIDTH:?}" "${BENCH_HEIGHT:?}"
: "${BENCH_GREY_WIDTH:?}" "${BENCH_GREY_HEIGHT:?}" "${BENCH_JP2_WIDTH:?}" "${BENCH_JP2_HEIGHT:?}"

stamp=$BENCH_IMAGES/.stamp  # one line per generated file: "file parameters"
times=$BENCH_IMAGES/gen-times.tsv
work=$BENCH_IMAGES/work     # keeps the base raster, so one changed image is quick to redo
mkdir -p "$work"
touch "$stamp" "$times"

# step FILE PARAMS COMMAND...: runs COMMAND unless FILE exists and was made with PARAMS; records
# "FILE<TAB>PARAMS<TAB>seconds<TAB>bytes" in gen-times.tsv.
step() {
  local file=$1 params=$2
  shift 2
  local name=${file##*/}
  if [[ -e $file ]] && grep -qxF "$name $params" "$stamp"; then
    echo "images: reusing $name ($params)"
    return 0
  fi
  [[ $name == rgb.v ]] || ensure_base
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v n="$name" '$1 != n' "$stamp" >"$stamp.new" && mv "$stamp.new" "$stamp"
  awk -F '\t' -v n="$name" '$1 != n' "$times" >"$times.new" && mv "$times.new" "$times"
  echo "$name $params" >>"$stamp"
  awk -v n="$name" -v p="$params" -v a="$t0" -v b="$t1" -v c="$(stat -c %s "$file")" \
    'BEGIN { printf "%s\t%s\t%.1f\t%s\n", n, p, b - a, c }' >>"$times"
  echo "images: $name ($params) $(tail -1 "$times" | cut -f3) s"
}

bw=$(( (BENCH_WIDTH + 4) / 5 ))
bh=$(( (BENCH_HEIGHT + 4) / 5 ))
make_base() {
  "$sample_bin" "$work/sample.tif" "$bw" "$bh"
  local side=2048
  (( bw < side && bh < side )) && side=$(( bw > bh ? bw : bh ))
  for b in 1 2 3; do vips fractsurf "$work/f$b.v" "$side" "$side" 2.75; done
  vips bandjoin "$work/f1.v $work/f2.v $work/f3.v" "$work/f.v"
  vips replicate "$work/f.v" "$work/fr.v" $(( (bw + side - 1) / side )) $(( (bh + side - 1) / side ))
  vips crop "$work/fr.v" "$work/fc.v" 0 0 "$bw" "$bh"
  # Scale the texture to a standard deviation of 35 grey levels whatever vips' normalisation.
  local gain
  gain=$(awk -v s="$(vips deviate "$work/f.v")" 'BEGIN { printf "%.6f", 35 / s }')
  vips linear "$work/fc.v" "$work/ft.v" "$gain $gain $gain" "0 0 0"
  vips linear "$work/sample.tif" "$work/s.v" 0.6 50
  vips gaussnoise "$work/n.v" "$bw" "$bh" --sigma 4 --mean 0
  vips add "$work/s.v" "$work/ft.v" "$work/a.v"
  vips add "$work/a.v" "$work/n.v" "$work/b.v"
  vips cast "$work/b.v" "$work/base.v" uchar
  vips replicate "$work/base.v" "$work/r.v" 5 5
  vips crop "$work/r.v" "$work/rgb.v" 0 0 "$BENCH_WIDTH" "$BENCH_HEIGHT"
  rm -f "$work"/f*.v "$work"/[asbn].v "$work/r.v" "$work/base.v" "$work/sample.tif"
}
ensure_base() { step "$work/rgb.v" "${BENCH_WIDTH}x${BENCH_HEIGHT} v1" make_base; }

tile=(--tile --tile-width 256 --tile-height 256 --pyramid)
size="${BENCH_WIDTH}x${BENCH_HEIGHT}"
step "$BENCH_IMAGES/rgb_q85.tif" "$size jpeg Q85" \
  vips tiffsave "$work/rgb.v" "$BENCH_IMAGES/rgb_q85.tif" "${tile[@]}" --compression jpeg --Q 85
step "$BENCH_IMAGES/rgb_q90.tif" "$size jpeg Q90 rgbjpeg" \
  vips tiffsave "$work/rgb.v" "$BENCH_IMAGES/rgb_q90.tif" "${tile[@]}" --compression jpeg --Q 90 \
  --rgbjpeg
step "$BENCH_IMAGES/rgb_deflate.tif" "$size deflate" \
  vips tiffsave "$work/rgb.v" "$BENCH_IMAGES/rgb_deflate.tif" "${tile[@]}" --compression deflate

# 16-bit grey: the luminance stretched to 16 bits plus noise, so the low byte carries information.
make_grey() {
  vips crop "$work/rgb.v" "$work/g0.v" 0 0 "$BENCH_GREY_WIDTH" "$BENCH_GREY_HEIGHT"
  vips colourspace "$work/g0.v" "$work/g1.v" b-w
  vips linear "$work/g1.v" "$work/g2.v" 250 500
  vips gaussnoise "$work/gn.v" "$BENCH_GREY_WIDTH" "$BENCH_GREY_HEIGHT" --sigma 40 --mean 0
  vips add "$work/g2.v" "$work/gn.v" "$work/g3.v"
  vips cast "$work/g3.v" "$work/g4.v" ushort
  vips tiffsave "$work/g4.v" "$BENCH_IMAGES/grey16.tif" "${tile[@]}" --compression deflate
  rm -f "$work"/g?.v "$work/gn.v"
}
step "$BENCH_IMAGES/grey16.tif" "${BENCH_GREY_WIDTH}x${BENCH_GREY_HEIGHT} of $size deflate" make_grey

# JPEG2000: 256x256 tiles, lossy 9/7 at 10:1, enough resolutions that the smallest is a few tiles.
make_jp2() {
  vips crop "$work/rgb.v" "$work/j.ppm" 0 0 "$BENCH_JP2_WIDTH" "$BENCH_JP2_HEIGHT"
  opj_compress -i "$work/j.ppm" -o "$BENCH_IMAGES/image.jp2" -t 256,256 -n 6 -I -r 10 \
    -TLM -PLT -threads "$(nproc)"
  rm -f "$work/j.ppm"
}
step "$BENCH_IMAGES/image.jp2" "${BENCH_JP2_WIDTH}x${BENCH_JP2_HEIGHT} of $size t256 n6 r10" make_jp2

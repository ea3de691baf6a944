#pragma once
// Draws the synthetic picture behind the bundled sample image (tessera-sample) and the test
// images. It is made to be navigated in a deep-zoom viewer: every 256x256 cell carries its own
// "column,row" label, so a misplaced or mis-scaled tile is obvious at a glance, and the output is
// fully deterministic, so tests may compare pixels.

#include <array>
#include <cstdint>
#include <string_view>

#include "imaging/raster.hpp"

namespace tessera::testing {

// An 8-bit RGB raster: a colour gradient (red grows to the right, blue downwards, green peaks
// along the anti-diagonal), dark 2 px grid lines on the 256 px tile boundaries, light 1 px lines
// every 64 px, a "TESSERA SAMPLE" title at the top left, a "column,row" label in the top-left
// corner of each 256x256 cell and a bullseye at the centre. Returns an empty raster if either
// dimension is not positive.
Raster draw_sample_image(std::int64_t width, std::int64_t height);

// Draws text in the built-in 5x7 font, each font pixel a scale x scale square, with (x, y) the
// top-left corner of the first glyph. Glyphs advance by 6 * scale; lowercase letters are drawn
// as capitals and characters the font lacks as a hollow box. Clipped to the raster, so the text
// may lie partly or wholly outside it. Only 8-bit rasters with at least 3 bands are drawn on;
// bands after the third are left alone.
void draw_text(Raster& image, std::int64_t x, std::int64_t y, std::string_view text, int scale,
               std::array<std::uint8_t, 3> colour);

// The width in pixels that draw_text covers for text at scale (no trailing gap); 0 if empty.
std::int64_t text_width(std::string_view text, int scale);

}  // namespace tessera::testing

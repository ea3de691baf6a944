#include "tests/support/sample_image.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace tessera::testing {
namespace {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 7;
constexpr int kGlyphAdvance = kGlyphWidth + 1;
constexpr std::int64_t kCell = 256;  // the tile size the sample is written with
constexpr std::int64_t kFineCell = 64;

// One byte per row, top row first; bit 4 is the leftmost column.
using Glyph = std::array<std::uint8_t, kGlyphHeight>;

struct GlyphDef {
  char c;
  Glyph rows;
};

// A hand-drawn font. Zero is slashed so it cannot be mistaken for O in a cell label.
constexpr GlyphDef kFont[] = {
    {' ', {0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000}},
    {',', {0b00000, 0b00000, 0b00000, 0b01100, 0b01100, 0b00100, 0b01000}},
    {'-', {0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000}},
    {'.', {0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100}},
    {'/', {0b00001, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b10000}},
    {':', {0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000}},
    {'0', {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110}},
    {'1', {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}},
    {'2', {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111}},
    {'3', {0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110}},
    {'4', {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010}},
    {'5', {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110}},
    {'6', {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110}},
    {'7', {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000}},
    {'8', {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110}},
    {'9', {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100}},
    {'A', {0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001}},
    {'B', {0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110}},
    {'C', {0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110}},
    {'D', {0b11110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11110}},
    {'E', {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111}},
    {'F', {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000}},
    {'G', {0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111}},
    {'H', {0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001}},
    {'I', {0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}},
    {'J', {0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100}},
    {'K', {0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001}},
    {'L', {0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111}},
    {'M', {0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001}},
    {'N', {0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001}},
    {'O', {0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110}},
    {'P', {0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000}},
    {'Q', {0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101}},
    {'R', {0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001}},
    {'S', {0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110}},
    {'T', {0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100}},
    {'U', {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110}},
    {'V', {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100}},
    {'W', {0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010}},
    {'X', {0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001}},
    {'Y', {0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100}},
    {'Z', {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111}},
};

// A missing glyph shows as a box rather than a gap, so it is noticed.
constexpr Glyph kMissingGlyph = {0b11111, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11111};

constexpr std::array<Glyph, 128> kGlyphTable = [] {
  std::array<Glyph, 128> table{};
  table.fill(kMissingGlyph);
  for (const GlyphDef& def : kFont) table[static_cast<unsigned char>(def.c)] = def.rows;
  return table;
}();

const Glyph& glyph_for(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 'a' && u <= 'z') u = static_cast<unsigned char>(u - 'a' + 'A');
  return u < kGlyphTable.size() ? kGlyphTable[u] : kMissingGlyph;
}

using Rgb = std::array<std::uint8_t, 3>;

constexpr Rgb kWhite = {255, 255, 255};
constexpr Rgb kBlack = {0, 0, 0};
constexpr Rgb kRed = {220, 30, 30};

bool drawable(const Raster& image) {
  return !image.empty() && image.type == SampleType::u8 && image.bands >= 3;
}

// Darkens a rectangle to about a third, keeping a hint of the gradient behind text so labels
// stay readable on both the dark and the light corners of the image.
void darken_rect(Raster& image, std::int64_t x, std::int64_t y, std::int64_t w, std::int64_t h) {
  const std::int64_t x0 = std::max<std::int64_t>(x, 0);
  const std::int64_t x1 = std::min(x + w, image.width);
  const std::int64_t y0 = std::max<std::int64_t>(y, 0);
  const std::int64_t y1 = std::min(y + h, image.height);
  if (x0 >= x1 || y0 >= y1) return;
  const std::size_t px = image.pixel_bytes();
  for (std::int64_t yy = y0; yy < y1; ++yy) {
    std::uint8_t* p = image.row(yy) + static_cast<std::size_t>(x0) * px;
    for (std::int64_t xx = x0; xx < x1; ++xx, p += px) {
      for (int b = 0; b < 3; ++b) p[b] = static_cast<std::uint8_t>((p[b] * 85) >> 8);
    }
  }
}

// Text on a darkened plate with `pad` pixels of margin; (x, y) is the plate's top-left corner.
void draw_label(Raster& image, std::int64_t x, std::int64_t y, std::string_view text, int scale,
                std::int64_t pad, Rgb colour) {
  darken_rect(image, x, y, text_width(text, scale) + 2 * pad, kGlyphHeight * scale + 2 * pad);
  draw_text(image, x + pad, y + pad, text, scale, colour);
}

// Integer-only gradient built from per-column and per-row tables, so the per-pixel work is a
// few lookups; the grid is folded into the same pass.
void fill_background(Raster& image) {
  const std::int64_t w = image.width;
  const std::int64_t h = image.height;
  const std::size_t px = image.pixel_bytes();
  const std::int64_t wd = std::max<std::int64_t>(w - 1, 1);
  const std::int64_t hd = std::max<std::int64_t>(h - 1, 1);

  // Position across the image in thousandths; green peaks where x and y positions sum to 1.
  std::array<std::uint8_t, 2001> green{};
  for (int s = 0; s <= 2000; ++s) {
    green[static_cast<std::size_t>(s)] =
        static_cast<std::uint8_t>(40 + 180 * (1000 - std::abs(s - 1000)) / 1000);
  }

  // 0: plain, 1: light line, 2: dark line. The dark lines straddle each tile boundary (one
  // pixel on either side), so a tile drawn in the wrong place breaks the line.
  auto line_kind = [](std::int64_t v) -> std::uint8_t {
    const std::int64_t m = v % kCell;
    if (m == 0 || m == kCell - 1) return 2;
    return v % kFineCell == 0 ? 1 : 0;
  };

  std::vector<std::uint8_t> red(static_cast<std::size_t>(w));
  std::vector<std::uint16_t> across(static_cast<std::size_t>(w));
  std::vector<std::uint8_t> column_kind(static_cast<std::size_t>(w));
  for (std::int64_t x = 0; x < w; ++x) {
    const auto i = static_cast<std::size_t>(x);
    red[i] = static_cast<std::uint8_t>(30 + 210 * x / wd);
    across[i] = static_cast<std::uint16_t>(1000 * x / wd);
    column_kind[i] = line_kind(x);
  }

  for (std::int64_t y = 0; y < h; ++y) {
    const auto blue = static_cast<std::uint8_t>(30 + 210 * y / hd);
    const auto down = static_cast<std::size_t>(1000 * y / hd);
    const std::uint8_t row_kind = line_kind(y);
    std::uint8_t* p = image.row(y);
    for (std::int64_t x = 0; x < w; ++x, p += px) {
      const auto i = static_cast<std::size_t>(x);
      int r = red[i];
      int g = green[across[i] + down];
      int b = blue;
      const std::uint8_t kind = std::max(row_kind, column_kind[i]);
      if (kind == 2) {
        r >>= 2;
        g >>= 2;
        b >>= 2;
      } else if (kind == 1) {
        r = (r + 255) >> 1;
        g = (g + 255) >> 1;
        b = (b + 255) >> 1;
      }
      p[0] = static_cast<std::uint8_t>(r);
      p[1] = static_cast<std::uint8_t>(g);
      p[2] = static_cast<std::uint8_t>(b);
    }
  }
}

// Three white rings edged in black (visible on any part of the gradient), a crosshair and a red
// dot on the exact centre of the image.
void draw_bullseye(Raster& image) {
  const std::int64_t radius = std::min(image.width, image.height) / 5;
  if (radius < 8) return;
  const double cx = static_cast<double>(image.width - 1) / 2;
  const double cy = static_cast<double>(image.height - 1) / 2;
  const double half = static_cast<double>(std::max<std::int64_t>(2, radius / 25)) / 2;
  const double edge = std::max(1.0, half / 2);
  const double dot = static_cast<double>(radius) / 10;
  const double r = static_cast<double>(radius);
  const std::array<double, 3> rings = {r, r * 2 / 3, r / 3};

  const double reach = r + half + edge + 1;
  const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(cy - reach)));
  const auto y1 = std::min(image.height, static_cast<std::int64_t>(std::ceil(cy + reach)) + 1);
  const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(cx - reach)));
  const auto x1 = std::min(image.width, static_cast<std::int64_t>(std::ceil(cx + reach)) + 1);
  const std::size_t px = image.pixel_bytes();

  for (std::int64_t y = y0; y < y1; ++y) {
    const double dy = static_cast<double>(y) - cy;
    std::uint8_t* p = image.row(y) + static_cast<std::size_t>(x0) * px;
    for (std::int64_t x = x0; x < x1; ++x, p += px) {
      const double dx = static_cast<double>(x) - cx;
      const double d = std::sqrt(dx * dx + dy * dy);
      const Rgb* colour = nullptr;
      if (d <= dot) {
        colour = &kRed;
      } else if (d <= dot + edge) {
        colour = &kBlack;
      } else {
        for (double ring : rings) {
          const double off = std::abs(d - ring);
          if (off <= half) {
            colour = &kWhite;
            break;
          }
          if (off <= half + edge) {
            colour = &kBlack;
            break;
          }
        }
        if (colour == nullptr && d <= r && (std::abs(dx) <= 1 || std::abs(dy) <= 1)) {
          colour = &kBlack;
        }
      }
      if (colour != nullptr) std::copy_n(colour->data(), 3, p);
    }
  }

  const int scale = static_cast<int>(std::clamp<std::int64_t>(radius / 60, 2, 8));
  const std::string text =
      "CENTRE: X " + std::to_string(image.width / 2) + ", Y " + std::to_string(image.height / 2);
  const std::int64_t pad = scale * 2;
  const auto label_x = static_cast<std::int64_t>(cx) - (text_width(text, scale) + 2 * pad) / 2;
  const auto label_y = static_cast<std::int64_t>(cy + r + half + edge) + 2 * scale;
  draw_label(image, label_x, label_y, text, scale, pad, kWhite);
}

void draw_title(Raster& image) {
  constexpr std::string_view kTitle = "TESSERA SAMPLE";
  // Kept inside the first row of cells, below that row's labels (which end at y = 31), so no
  // label is covered on the default 6000x4000 sample.
  const std::int64_t left = 64;
  const std::int64_t top = 52;
  const std::int64_t room = image.width - 2 * left;
  // Grows with the image so the title is still legible when a viewer shows the whole picture,
  // shrinks (down to 1) so it fits on a small one.
  auto fit = [room](std::string_view text, std::int64_t wanted) {
    const std::int64_t max_scale = room / (static_cast<std::int64_t>(text.size()) * kGlyphAdvance);
    return static_cast<int>(std::max<std::int64_t>(1, std::min(wanted, max_scale)));
  };
  const int title_scale = fit(kTitle, std::clamp<std::int64_t>(image.width / 300, 12, 20));
  const std::string subtitle = std::to_string(image.width) + " X " + std::to_string(image.height) +
                               " PIXELS - 256 PX CELLS, LABELLED COLUMN,ROW";
  const int sub_scale = fit(subtitle, std::max(2, title_scale / 4));

  const std::int64_t pad = std::max(4, title_scale * 2 / 5);
  const std::int64_t gap = std::max(2, title_scale / 2);
  const std::int64_t plate_w =
      std::max(text_width(kTitle, title_scale), text_width(subtitle, sub_scale)) + 2 * pad;
  const std::int64_t plate_h = kGlyphHeight * (title_scale + sub_scale) + gap + 2 * pad;
  darken_rect(image, left - pad, top - pad, plate_w, plate_h);

  // Offset shadow gives the letters depth and keeps them readable over the grid lines.
  const std::int64_t shadow = std::max(1, title_scale / 6);
  draw_text(image, left + shadow, top + shadow, kTitle, title_scale, kBlack);
  draw_text(image, left, top, kTitle, title_scale, {255, 230, 120});
  draw_text(image, left, top + kGlyphHeight * title_scale + gap, subtitle, sub_scale, kWhite);
}

void draw_cell_labels(Raster& image) {
  constexpr int kScale = 3;
  constexpr std::int64_t kInset = 4;  // clear of the 2 px boundary line
  for (std::int64_t row = 0; row * kCell < image.height; ++row) {
    for (std::int64_t col = 0; col * kCell < image.width; ++col) {
      const std::string text = std::to_string(col) + "," + std::to_string(row);
      draw_label(image, col * kCell + kInset, row * kCell + kInset, text, kScale, kScale, kWhite);
    }
  }
}

}  // namespace

std::int64_t text_width(std::string_view text, int scale) {
  if (text.empty() || scale <= 0) return 0;
  const auto n = static_cast<std::int64_t>(text.size());
  return (n * kGlyphAdvance - (kGlyphAdvance - kGlyphWidth)) * scale;
}

void draw_text(Raster& image, std::int64_t x, std::int64_t y, std::string_view text, int scale,
               std::array<std::uint8_t, 3> colour) {
  if (scale <= 0 || !drawable(image) || text.empty()) return;
  // Checked before adding the glyph height, so a huge y cannot overflow.
  if (y >= image.height || x >= image.width) return;
  const std::int64_t s = scale;
  const std::int64_t y0 = std::max<std::int64_t>(y, 0);
  const std::int64_t y1 = std::min(y + kGlyphHeight * s, image.height);
  if (y0 >= y1) return;
  const std::size_t px = image.pixel_bytes();

  std::int64_t pen = x;
  for (char c : text) {
    if (pen >= image.width) break;
    if (pen + kGlyphWidth * s > 0) {
      const Glyph& glyph = glyph_for(c);
      for (std::int64_t yy = y0; yy < y1; ++yy) {
        const std::uint8_t bits = glyph[static_cast<std::size_t>((yy - y) / s)];
        if (bits == 0) continue;
        std::uint8_t* row = image.row(yy);
        for (int col = 0; col < kGlyphWidth; ++col) {
          if ((bits & (0x10 >> col)) == 0) continue;
          const std::int64_t left = pen + col * s;
          const std::int64_t xa = std::max<std::int64_t>(left, 0);
          const std::int64_t xb = std::min(left + s, image.width);
          for (std::int64_t xx = xa; xx < xb; ++xx) {
            std::copy_n(colour.data(), 3, row + static_cast<std::size_t>(xx) * px);
          }
        }
      }
    }
    pen += kGlyphAdvance * s;
  }
}

Raster draw_sample_image(std::int64_t width, std::int64_t height) {
  if (width <= 0 || height <= 0) return Raster{};
  Raster image(width, height, 3);
  fill_background(image);
  draw_bullseye(image);
  draw_title(image);
  // Last, so a label is never hidden by the title or the bullseye.
  draw_cell_labels(image);
  return image;
}

}  // namespace tessera::testing

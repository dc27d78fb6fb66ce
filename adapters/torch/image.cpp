#include "adapters/torch/image.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>

namespace svit::local {

Status DecodeImage(std::string_view bytes, Image* out) {
  if (bytes.empty()) return Status::InvalidInput("empty image");
  int width = 0, height = 0, channels = 0;
  stbi_uc* pixels = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                                          static_cast<int>(bytes.size()), &width, &height, &channels, 3);
  if (pixels == nullptr) {
    return Status::InvalidInput(std::string("cannot decode image (JPEG or PNG expected): ") + stbi_failure_reason());
  }
  out->width = width;
  out->height = height;
  out->rgb.assign(pixels, pixels + static_cast<size_t>(width) * height * 3);
  stbi_image_free(pixels);
  return Status::OK();
}

Status ParseResizeMode(std::string_view name, ResizeMode* out) {
  if (name == "pad_to_square") {
    *out = ResizeMode::kPadToSquare;
  } else if (name == "stretch") {
    *out = ResizeMode::kStretch;
  } else if (name == "center_crop") {
    *out = ResizeMode::kCenterCrop;
  } else {
    return Status::InvalidInput("unknown resize_mode '" + std::string(name) +
                                "' (expected pad_to_square, stretch or center_crop)");
  }
  return Status::OK();
}

namespace {

// A float RGB plane set (HWC) the geometry steps work on.
struct FloatImage {
  int width = 0, height = 0;
  std::vector<float> hwc;
};

FloatImage ToFloat(const Image& image) {
  FloatImage f{image.width, image.height, std::vector<float>(image.rgb.begin(), image.rgb.end())};
  return f;
}

FloatImage PadToSquare(const Image& image, const ImageSpec& spec) {
  const int side = std::max(image.width, image.height);
  FloatImage f{side, side, std::vector<float>(static_cast<size_t>(side) * side * 3)};
  for (size_t i = 0; i < f.hwc.size(); ++i) {
    // Python's int() truncates: int(0.48145466 * 255) == 122.
    f.hwc[i] = static_cast<float>(static_cast<int>(spec.mean[i % 3] * 255.0));
  }
  const int left = (side - image.width) / 2, top = (side - image.height) / 2;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width * 3; ++x) {
      f.hwc[(static_cast<size_t>(y + top) * side + left) * 3 + x] = image.rgb[static_cast<size_t>(y) * image.width * 3 + x];
    }
  }
  return f;
}

// One axis of torch's bilinear interpolation (align_corners=False).
struct Tap {
  int lo, hi;
  float weight_hi;
};

std::vector<Tap> Taps(int in, int out) {
  std::vector<Tap> taps(out);
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int i = 0; i < out; ++i) {
    float src = (static_cast<float>(i) + 0.5f) * scale - 0.5f;
    if (src < 0) src = 0;
    const int lo = std::min(static_cast<int>(src), in - 1);
    taps[i] = Tap{lo, std::min(lo + 1, in - 1), src - static_cast<float>(lo)};
  }
  return taps;
}

FloatImage Resize(const FloatImage& in, int out_width, int out_height) {
  const std::vector<Tap> xs = Taps(in.width, out_width), ys = Taps(in.height, out_height);
  FloatImage out{out_width, out_height, std::vector<float>(static_cast<size_t>(out_width) * out_height * 3)};
  for (int y = 0; y < out_height; ++y) {
    const Tap& ty = ys[y];
    for (int x = 0; x < out_width; ++x) {
      const Tap& tx = xs[x];
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int yy, int xx) { return in.hwc[(static_cast<size_t>(yy) * in.width + xx) * 3 + c]; };
        const float top = (1 - tx.weight_hi) * at(ty.lo, tx.lo) + tx.weight_hi * at(ty.lo, tx.hi);
        const float bottom = (1 - tx.weight_hi) * at(ty.hi, tx.lo) + tx.weight_hi * at(ty.hi, tx.hi);
        out.hwc[(static_cast<size_t>(y) * out_width + x) * 3 + c] = (1 - ty.weight_hi) * top + ty.weight_hi * bottom;
      }
    }
  }
  return out;
}

FloatImage CenterCrop(const FloatImage& in, int size) {
  // CLIP: the shortest edge becomes `size`, the other keeps the aspect ratio.
  const bool wide = in.width >= in.height;
  const int short_edge = wide ? in.height : in.width, long_edge = wide ? in.width : in.height;
  const int scaled_long = static_cast<int>(static_cast<long long>(size) * long_edge / short_edge);
  const FloatImage resized = wide ? Resize(in, scaled_long, size) : Resize(in, size, scaled_long);
  const int left = (resized.width - size) / 2, top = (resized.height - size) / 2;
  FloatImage out{size, size, std::vector<float>(static_cast<size_t>(size) * size * 3)};
  for (int y = 0; y < size; ++y) {
    std::copy_n(&resized.hwc[(static_cast<size_t>(y + top) * resized.width + left) * 3], size * 3,
                &out.hwc[static_cast<size_t>(y) * size * 3]);
  }
  return out;
}

}  // namespace

void PreprocessImage(const Image& image, const ImageSpec& spec, float* out) {
  FloatImage square;
  switch (spec.mode) {
    case ResizeMode::kPadToSquare: square = Resize(PadToSquare(image, spec), spec.size, spec.size); break;
    case ResizeMode::kStretch: square = Resize(ToFloat(image), spec.size, spec.size); break;
    case ResizeMode::kCenterCrop: square = CenterCrop(ToFloat(image), spec.size); break;
  }
  const size_t plane = static_cast<size_t>(spec.size) * spec.size;
  for (size_t i = 0; i < plane; ++i) {
    for (int c = 0; c < 3; ++c) {
      out[c * plane + i] = (square.hwc[i * 3 + c] / 255.0f - spec.mean[c]) / spec.std[c];
    }
  }
}

void BlankImage(const ImageSpec& spec, float* out) {
  std::fill_n(out, 3 * static_cast<size_t>(spec.size) * spec.size, 0.0f);
}

}  // namespace svit::local

// Image decoding and preprocessing for the local engine, in C++ with no
// LibTorch dependency. Decoding accepts JPEG and PNG (stb_image) and always
// yields 8-bit RGB. Preprocessing reproduces what the model folder's manifest
// asks for, in this order:
//   1. geometry: "pad_to_square" (LLaVA-1.5's expand2square: centre the image
//      on a square canvas filled with the mean colour, int(mean*255) per
//      channel), "stretch" (no padding), or "center_crop" (CLIP: resize the
//      shortest edge to `size` and crop the centre);
//   2. bilinear resize to size x size with align_corners=False and no
//      antialiasing, exactly torch.nn.functional.interpolate's formula;
//   3. rescale by 1/255 and normalise with the manifest's mean and std.
// The result is planar float CHW, ready to be a [3, size, size] tensor.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace svit::local {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // row-major, 3 bytes per pixel
};

// Decodes JPEG or PNG bytes. Anything else (or a truncated file) is
// InvalidInput with the decoder's reason.
Status DecodeImage(std::string_view bytes, Image* out);

enum class ResizeMode { kPadToSquare, kStretch, kCenterCrop };

// Parses "pad_to_square", "stretch" or "center_crop".
Status ParseResizeMode(std::string_view name, ResizeMode* out);

struct ImageSpec {
  int size = 0;
  ResizeMode mode = ResizeMode::kPadToSquare;
  std::array<float, 3> mean = {0, 0, 0};
  std::array<float, 3> std = {1, 1, 1};
};

// Writes 3 * size * size floats (CHW) to `out`.
void PreprocessImage(const Image& image, const ImageSpec& spec, float* out);

// The pixels a request without an image is shown: the mean colour, which is
// all zeros after normalisation.
void BlankImage(const ImageSpec& spec, float* out);

}  // namespace svit::local

// Writing scene renderings as real image files, and round-tripping pixels
// through JPEG so training images carry the same artefacts as the suite's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace svit::demo {

Status WriteJpeg(const std::string& path, int width, int height, const std::vector<uint8_t>& rgb, int quality);
Status WritePng(const std::string& path, int width, int height, const std::vector<uint8_t>& rgb);
// Encodes as JPEG and decodes again (same size, 3 channels); empty on failure.
std::vector<uint8_t> JpegRoundTrip(int width, int height, const std::vector<uint8_t>& rgb, int quality);

}  // namespace svit::demo

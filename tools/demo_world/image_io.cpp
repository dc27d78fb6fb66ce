#include "tools/demo_world/image_io.h"

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <filesystem>


namespace svit::demo {

namespace {
void MakeParent(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
}
}  // namespace

Status WriteJpeg(const std::string& path, int width, int height, const std::vector<uint8_t>& rgb, int quality) {
  MakeParent(path);
  if (!stbi_write_jpg(path.c_str(), width, height, 3, rgb.data(), quality)) {
    return Status::InvalidInput("cannot write " + path);
  }
  return Status::OK();
}

Status WritePng(const std::string& path, int width, int height, const std::vector<uint8_t>& rgb) {
  MakeParent(path);
  if (!stbi_write_png(path.c_str(), width, height, 3, rgb.data(), width * 3)) {
    return Status::InvalidInput("cannot write " + path);
  }
  return Status::OK();
}

std::vector<uint8_t> JpegRoundTrip(int width, int height, const std::vector<uint8_t>& rgb, int quality) {
  std::string encoded;
  stbi_write_jpg_to_func(
      [](void* context, void* data, int size) {
        static_cast<std::string*>(context)->append(static_cast<const char*>(data), size);
      },
      &encoded, width, height, 3, rgb.data(), quality);
  int w = 0, h = 0, channels = 0;
  stbi_uc* pixels = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(encoded.data()),
                                          static_cast<int>(encoded.size()), &w, &h, &channels, 3);
  std::vector<uint8_t> out;
  if (pixels != nullptr && w == width && h == height) out.assign(pixels, pixels + rgb.size());
  stbi_image_free(pixels);
  return out;
}

}  // namespace svit::demo

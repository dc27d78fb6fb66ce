#include "harness/images.h"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/json_file.h"

namespace fs = std::filesystem;

namespace svit {
namespace {

void AppendBytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

}  // namespace

Status CheckRelativeImagePath(const std::string& relative) {
  if (relative.empty()) return Status::InvalidInput("empty image path");
  fs::path path(relative);
  if (path.is_absolute() || relative[0] == '/') {
    return Status::InvalidInput("image path '" + relative + "' is absolute; it must be relative to the image folder");
  }
  for (const auto& part : path) {
    if (part == "..") {
      return Status::InvalidInput("image path '" + relative + "' leaves the image folder (contains '..')");
    }
  }
  return Status::OK();
}

Status DownscaleImage(int max_side, std::string* bytes, std::string* mime) {
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes->data());
  int size = static_cast<int>(bytes->size());
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(data, size, &width, &height, &channels)) {
    return Status::InvalidInput(std::string("cannot downscale: ") + stbi_failure_reason());
  }
  if (std::max(width, height) <= max_side) return Status::OK();
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(data, size, &width, &height, &channels, 0),
                                                    stbi_image_free);
  if (!pixels) return Status::InvalidInput(std::string("cannot decode image: ") + stbi_failure_reason());
  double scale = static_cast<double>(max_side) / std::max(width, height);
  int new_width = std::clamp(static_cast<int>(std::lround(width * scale)), 1, max_side);
  int new_height = std::clamp(static_cast<int>(std::lround(height * scale)), 1, max_side);
  std::string resized(static_cast<size_t>(new_width) * new_height * channels, '\0');
  auto* out = reinterpret_cast<unsigned char*>(resized.data());
  if (!stbir_resize_uint8(pixels.get(), width, height, 0, out, new_width, new_height, 0, channels)) {
    return Status::InvalidInput("cannot resize image");
  }
  std::string encoded;
  bool ok;
  if (*mime == "image/png") {
    ok = stbi_write_png_to_func(AppendBytes, &encoded, new_width, new_height, channels, out, new_width * channels);
  } else {
    ok = stbi_write_jpg_to_func(AppendBytes, &encoded, new_width, new_height, channels, out, 90);
    *mime = "image/jpeg";
  }
  if (!ok) return Status::InvalidInput("cannot encode the downscaled image");
  *bytes = std::move(encoded);
  return Status::OK();
}

ImageLoader::ImageLoader(std::string folder, int max_side, size_t recent_capacity)
    : folder_(std::move(folder)), max_side_(max_side), capacity_(recent_capacity) {
  std::error_code ec;
  if (!folder_.empty()) canonical_folder_ = fs::weakly_canonical(folder_, ec).string();
}

Status ImageLoader::Read(const std::string& relative, std::string* bytes) const {
  SVIT_RETURN_IF_ERROR(CheckRelativeImagePath(relative));
  if (folder_.empty()) {
    return Status::InvalidInput("image '" + relative + "' needs an image folder (--images DIR, or \"images\" in the suite)");
  }
  fs::path full = fs::path(folder_) / relative;
  std::error_code ec;
  fs::path real = fs::canonical(full, ec);
  if (ec) return Status::InvalidInput(full.string() + ": image not found or unreadable");
  std::string real_text = real.string();
  if (real_text.compare(0, canonical_folder_.size(), canonical_folder_) != 0 ||
      (real_text.size() > canonical_folder_.size() && real_text[canonical_folder_.size()] != '/')) {
    return Status::InvalidInput(full.string() + ": image resolves outside the image folder (symlink)");
  }
  return ReadFileToString(real_text, bytes);
}

Status ImageLoader::Prepare(std::string bytes, const std::string& name,
                            std::shared_ptr<const ImageData>* out) const {
  std::string mime = SniffImageMime(bytes);
  if (mime.empty()) return Status::InvalidInput(name + ": not a JPEG, PNG, GIF, WebP or BMP image");
  if (max_side_ > 0) SVIT_RETURN_IF_ERROR(DownscaleImage(max_side_, &bytes, &mime).WithContext(name));
  *out = std::make_shared<const ImageData>(std::move(bytes), std::move(mime));
  return Status::OK();
}

Status ImageLoader::Load(const ImageRef& ref, std::shared_ptr<const ImageData>* out) {
  if (!ref.bytes.empty()) return Prepare(ref.bytes, "inline image", out);
  auto it = index_.find(ref.path);
  if (it != index_.end()) {
    recent_.splice(recent_.begin(), recent_, it->second);
    *out = it->second->second;
    return Status::OK();
  }
  std::string bytes;
  SVIT_RETURN_IF_ERROR(Read(ref.path, &bytes));
  SVIT_RETURN_IF_ERROR(Prepare(std::move(bytes), ref.path, out));
  recent_.emplace_front(ref.path, *out);
  index_[ref.path] = recent_.begin();
  if (recent_.size() > capacity_) {
    index_.erase(recent_.back().first);
    recent_.pop_back();
  }
  return Status::OK();
}

}  // namespace svit

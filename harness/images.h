// The images a sample shows the model: read from the task's image folder
// (a sample's path may not leave it: absolute paths, ".." and symlinks that
// point outside are refused) or taken from inline bytes (MMBench TSV), typed
// by their magic numbers, and optionally downscaled so that the longer side
// is at most `max_side` pixels (PNG stays PNG, everything else becomes JPEG
// quality 90; smaller images are sent byte for byte). Recently used images
// are kept, so the questions that share an image read, hash and encode it
// once.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/request.h"
#include "core/status.h"
#include "core/types.h"

namespace svit {

// InvalidInput unless `relative` is a non-empty relative path without "..".
Status CheckRelativeImagePath(const std::string& relative);

// Downscales encoded image bytes so that max(width, height) <= max_side.
// Leaves `*bytes`/`*mime` untouched when the image is already small enough.
Status DownscaleImage(int max_side, std::string* bytes, std::string* mime);

class ImageLoader {
 public:
  // `folder` may be "" when every image is inline; `max_side` <= 0 keeps the
  // original size.
  ImageLoader(std::string folder, int max_side, size_t recent_capacity = 64);

  // InvalidInput names the image and the reason (missing, unreadable,
  // escaping the folder, unknown format).
  Status Load(const ImageRef& ref, std::shared_ptr<const ImageData>* out);

 private:
  Status Read(const std::string& relative, std::string* bytes) const;
  Status Prepare(std::string bytes, const std::string& name, std::shared_ptr<const ImageData>* out) const;

  std::string folder_;
  std::string canonical_folder_;
  int max_side_;
  size_t capacity_;
  std::list<std::pair<std::string, std::shared_ptr<const ImageData>>> recent_;  // most recent first
  std::unordered_map<std::string, decltype(recent_)::iterator> index_;
};

}  // namespace svit

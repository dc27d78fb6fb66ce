// SHA-256 (OpenSSL's libcrypto underneath, which uses the CPU's SHA
// instructions): content keys of requests and responses in the cache, and the
// dataset and prompt hashes of a run record. Digests are written as 64
// lower-case hex characters.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace svit {

// Incremental hashing; Update any number of times, then HexDigest once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // Feeds the length, then the bytes, so that concatenations of fields
  // cannot collide ("ab"+"c" vs "a"+"bc").
  void UpdateField(std::string_view data);
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string Sha256Hex(std::string_view data);

// Hashes a file's contents; InvalidInput when it cannot be read.
Status Sha256File(const std::string& path, std::string* hex);

}  // namespace svit

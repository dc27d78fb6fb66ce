// SHA-256 of a byte string as 64 lowercase hex digits (OpenSSL's libcrypto).
// Used to name prompt templates and inputs in result identities.
#pragma once

#include <string>
#include <string_view>

namespace svit {

std::string Sha256Hex(std::string_view bytes);

}  // namespace svit

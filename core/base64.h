// Base64 decoding (RFC 4648 standard alphabet, '=' padding), for images
// carried inline by benchmark files such as the MMBench TSVs.
#pragma once

#include <string>
#include <string_view>

namespace svit {

// Decodes `text` into `out`. Returns false on a character outside the
// alphabet, misplaced padding, or a length that is not a multiple of 4.
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace svit

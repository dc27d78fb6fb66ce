// Standard base64 (RFC 4648, with padding): images travel to HTTP endpoints as
// data URLs and some benchmark files (MMBench TSV) carry images inline.
// Encoding appends to a caller's string so a request body is built in place.
#pragma once

#include <string>
#include <string_view>

namespace svit {

size_t Base64EncodedSize(size_t raw_size);
void AppendBase64(std::string_view raw, std::string* out);
std::string EncodeBase64(std::string_view raw);

// Decodes `text` into `out`. Returns false on a character outside the
// alphabet, misplaced padding, or a length that is not a multiple of 4.
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace svit

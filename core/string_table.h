// StringTable: many short strings (benchmark questions, answers, captions)
// in one buffer, so that hundreds of thousands of them cost one allocation
// rather than one each. Entry i is text[offsets[i], offsets[i+1]).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace svit {

class StringTable {
 public:
  void Add(std::string_view s) {
    text_.append(s);
    offsets_.push_back(static_cast<uint32_t>(text_.size()));
  }
  std::string_view operator[](size_t i) const {
    return std::string_view(text_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  size_t size() const { return offsets_.size() - 1; }
  size_t bytes() const { return text_.size(); }
  void Reserve(size_t entries, size_t bytes) {
    offsets_.reserve(entries + 1);
    text_.reserve(bytes);
  }
  // Adds every entry of `other`, in order.
  void Append(const StringTable& other) {
    const auto base = static_cast<uint32_t>(text_.size());
    text_.append(other.text_);
    offsets_.reserve(offsets_.size() + other.size());
    for (size_t i = 1; i < other.offsets_.size(); ++i) offsets_.push_back(base + other.offsets_[i]);
  }
  void Clear() {  // keeps the memory for reuse
    text_.clear();
    offsets_.resize(1);
  }

 private:
  std::string text_;
  std::vector<uint32_t> offsets_{0};  // benchmark text tables stay far below 4 GB
};

}  // namespace svit

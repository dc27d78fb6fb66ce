// Reading big official JSON files shaped as one top-level object holding one
// large array of records ({"annotations": [{...}, ...], other keys...}) with
// JsonStream. Files from kSplitThreshold up are parsed on two cores: the
// second half of the array from a guessed record boundary, confirmed when
// the first parser reaches it; otherwise (or on any error) the first parser
// simply carries on, so results and messages are those of a sequential
// parse.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "core/json_stream.h"
#include "core/status.h"

namespace svit {

inline constexpr uint64_t kSplitThreshold = 8 << 20;  // smaller files are parsed on one core

// Parses one record whose '{' was just read, named array_key[index] in
// messages.
template <typename Part, typename Each>
Status ParseRecord(JsonStream& s, std::string_view array_key, Part* part, Each& each, size_t index) {
  s.SetRecord(array_key, index);
  SVIT_RETURN_IF_ERROR(each(s, part, index));
  s.ClearRecord();
  return Status::OK();
}

// Parses the elements of the record array the stream is in (its '[' already
// read), calling each(stream, part, index) on every element after its '{';
// *index numbers them, from its value on entry. With stop_offset > 0, stops
// at an element that starts exactly there, with its '{' read (*stopped =
// true, *index = its number), or continues to the array's end if none does.
template <typename Part, typename Each>
Status ParseRecords(JsonStream& s, std::string_view array_key, Part* part, Each& each,
                    uint64_t stop_offset, bool* stopped, size_t* index) {
  *stopped = false;
  for (;; ++*index) {
    JsonStream::Token token;
    bool done;
    SVIT_RETURN_IF_ERROR(s.NextElement(&token, &done));
    if (done) return Status::OK();
    if (stop_offset > 0 && s.token_offset() == stop_offset) {
      *stopped = true;
      return Status::OK();
    }
    if (token != JsonStream::Token::kBeginObject) {
      return s.Error(std::string(array_key) + "[" + std::to_string(*index) + "] must be an object");
    }
    SVIT_RETURN_IF_ERROR(ParseRecord(s, array_key, part, each, *index));
  }
}

// Parses the rest of the top-level object after the record array.
template <typename Part, typename Other>
Status ParseRestOfTop(JsonStream& s, Part* part, Other& other) {
  for (;;) {
    std::string_view key;
    bool done;
    SVIT_RETURN_IF_ERROR(s.NextKey(&key, &done));
    if (done) break;
    SVIT_RETURN_IF_ERROR(other(s, part, std::string(key)));
  }
  JsonStream::Token end;
  return s.Next(&end);  // rejects trailing garbage
}

// Finds where a record of the array probably starts near the middle of the
// file: a '{' after a ',' whose object has `marker_key` at its top level. The
// first parser later confirms the guess exactly, so a wrong guess only costs
// time. 0 when none is found.
uint64_t GuessSplitOffset(const std::string& path, uint64_t file_size, std::string_view marker_key);

// Reads {"<array_key>": [records...], other keys...} into `whole`:
// each(stream, part, index) reads a record, other(stream, part, key) the
// value of any other top-level key, merge(whole, std::move(second)) appends
// the second half's part.
template <typename Part, typename Each, typename Other, typename Merge>
Status ParseTopObject(const std::string& path, std::string_view array_key, std::string_view marker_key,
                      Part* whole, Each each, Other other, Merge merge) {
  JsonStream s;
  SVIT_RETURN_IF_ERROR(s.Open(path));
  SVIT_RETURN_IF_ERROR(s.ExpectBeginObject("the top level"));
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  bool found = false;
  for (;;) {
    std::string_view key_view;
    bool done;
    SVIT_RETURN_IF_ERROR(s.NextKey(&key_view, &done));
    if (done) break;
    std::string key(key_view);
    if (key != array_key || found) {
      SVIT_RETURN_IF_ERROR(other(s, whole, key));
      continue;
    }
    found = true;
    SVIT_RETURN_IF_ERROR(s.ExpectBeginArray(array_key));
    uint64_t split = !ec && size >= kSplitThreshold ? GuessSplitOffset(path, size, marker_key) : 0;
    size_t index = 0;
    bool stopped;
    if (split == 0) {
      SVIT_RETURN_IF_ERROR(ParseRecords(s, array_key, whole, each, 0, &stopped, &index));
      continue;
    }
    Part second;
    Status second_status;
    std::thread second_half([&] {
      JsonStream s2;
      second_status = s2.OpenInside(path, split, "{[");
      bool unused_stopped;
      size_t unused_index = 0;  // records are named in messages only, and its messages are not used
      if (second_status.ok()) {
        second_status = ParseRecords(s2, array_key, &second, each, 0, &unused_stopped, &unused_index);
      }
      if (second_status.ok()) second_status = ParseRestOfTop(s2, &second, other);
    });
    Status first_status = ParseRecords(s, array_key, whole, each, split, &stopped, &index);
    second_half.join();
    SVIT_RETURN_IF_ERROR(first_status);
    if (stopped && second_status.ok()) {
      merge(whole, std::move(second));
      return Status::OK();
    }
    if (stopped) {  // the second half is bad: carry on, and report it as a sequential parse would
      SVIT_RETURN_IF_ERROR(ParseRecord(s, array_key, whole, each, index));
      ++index;
      SVIT_RETURN_IF_ERROR(ParseRecords(s, array_key, whole, each, 0, &stopped, &index));
    }
  }
  JsonStream::Token end;
  SVIT_RETURN_IF_ERROR(s.Next(&end));
  if (!found) return Status::InvalidInput(path + ": missing top-level field '" + std::string(array_key) + "'");
  return Status::OK();
}

}  // namespace svit

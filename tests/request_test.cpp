// core/: SHA-256 and base64 against their standard vectors, the stability
// and sensitivity of Request::ContentHash, and image type sniffing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/json_text.h"
#include "core/request.h"
#include "core/sha256.h"
#include "tests/test_util.h"

namespace svit {
namespace {

TEST(Sha256, StandardVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 pieces;
  pieces.Update("ab");
  pieces.Update("c");
  EXPECT_EQ(pieces.HexDigest(), Sha256Hex("abc"));
  testing::TempDir dir;
  std::string hex;
  ASSERT_TRUE(Sha256File(dir.Write("f", "abc"), &hex).ok());
  EXPECT_EQ(hex, Sha256Hex("abc"));
  EXPECT_EQ(Sha256File(dir.File("missing"), &hex).code(), Status::Code::kInvalidInput);
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                       {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [raw, encoded] : cases) {
    EXPECT_EQ(EncodeBase64(raw), encoded);
    std::string decoded;
    ASSERT_TRUE(DecodeBase64(encoded, &decoded));
    EXPECT_EQ(decoded, raw);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string back;
  ASSERT_TRUE(DecodeBase64(EncodeBase64(all), &back));
  EXPECT_EQ(back, all);
  EXPECT_FALSE(DecodeBase64("Zm9v!", &back));
  EXPECT_FALSE(DecodeBase64("Z", &back));
  EXPECT_FALSE(DecodeBase64("Zm8", &back));  // padding is required
  EXPECT_FALSE(DecodeBase64("Zm9v!AAA", &back));
}

Request TextRequest(const std::string& text) {
  Request r;
  r.messages.push_back({"user", {ContentPart{ContentPart::Kind::kText, text, nullptr}}});
  return r;
}

TEST(RequestHash, StableAndSensitiveToEverythingThatChangesTheAnswer) {
  Request a = TextRequest("What colour is the bus?");
  EXPECT_EQ(a.ContentHash(), TextRequest("What colour is the bus?").ContentHash());
  EXPECT_EQ(a.ContentHash().size(), 64u);
  // The documented encoding (every field as an 8-byte little-endian length
  // and its bytes), built by hand: the cache key must not drift.
  auto field = [](const std::string& text) {
    std::string out;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xFF));
    return out + text;
  };
  std::string encoded = field("svit-request-v1") + field("generate") + field("1") + field("user") + field("1") +
                        field("text") + field("What colour is the bus?") + field("128") + field("0") + field("-") +
                        field("-") + field("0") + field("0");
  EXPECT_EQ(a.ContentHash(), Sha256Hex(encoded));
}

TEST(RequestHash, DifferencesChangeTheHash) {
  Request base = TextRequest("q");
  auto changed = [&](auto mutate) {
    Request r = TextRequest("q");
    mutate(r);
    return r.ContentHash() != base.ContentHash();
  };
  EXPECT_TRUE(changed([](Request& r) { r.messages[0].parts[0].text = "Q"; }));
  EXPECT_TRUE(changed([](Request& r) { r.messages[0].role = "system"; }));
  EXPECT_TRUE(changed([](Request& r) { r.params.max_new_tokens = 64; }));
  EXPECT_TRUE(changed([](Request& r) { r.params.temperature = 0.2; }));
  EXPECT_TRUE(changed([](Request& r) { r.params.top_p = 1.0; }));
  EXPECT_TRUE(changed([](Request& r) { r.params.seed = 0; }));
  EXPECT_TRUE(changed([](Request& r) { r.params.stop = {"\n"}; }));
  EXPECT_TRUE(changed([](Request& r) { r.kind = RequestKind::kRank; }));
  EXPECT_TRUE(changed([](Request& r) { r.options = {"A"}; }));
  auto with_image = [](const std::string& bytes) {
    Request r = TextRequest("q");
    r.messages[0].parts.insert(r.messages[0].parts.begin(),
                               ContentPart{ContentPart::Kind::kImage, "", std::make_shared<const ImageData>(bytes, "image/jpeg")});
    return r.ContentHash();
  };
  EXPECT_NE(with_image("\xFF\xD8\xFF\x01"), with_image("\xFF\xD8\xFF\x02"));
  EXPECT_EQ(with_image("\xFF\xD8\xFF\x01"), with_image("\xFF\xD8\xFF\x01"));
  EXPECT_NE(with_image("\xFF\xD8\xFF\x01"), base.ContentHash());
}

TEST(RequestHash, UserTextJoinsUserTextParts) {
  Request r = TextRequest("first");
  r.messages.insert(r.messages.begin(), ChatMessage{"system", {ContentPart{ContentPart::Kind::kText, "sys", nullptr}}});
  r.messages[1].parts.push_back(ContentPart{ContentPart::Kind::kText, "second", nullptr});
  EXPECT_EQ(r.UserText(), "first\nsecond");
}

TEST(JsonText, StringsEscapeLikeAJsonLibrary) {
  const std::string cases[] = {"", "plain", "quote \" backslash \\ slash /", "tab\tnew\nline\rcr",
                               std::string("nul\0bell\x07esc\x1b", 13), "unicode é ✓ 字", "\x7f del"};
  for (const auto& text : cases) {
    std::string out;
    AppendJsonString(text, &out);
    EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), text) << out;
    EXPECT_EQ(out, nlohmann::json(text).dump()) << text;
  }
  std::string number;
  AppendJsonNumber(0.1, &number);
  EXPECT_EQ(number, "0.1");
  number.clear();
  AppendJsonNumber(2, &number);
  EXPECT_EQ(number, "2.0");
}

// Long strings take the wide scan (16 or 8 bytes at a time): every byte
// value at every offset, against a byte-by-byte escaper.
TEST(JsonText, EveryByteAtEveryOffsetOfALongString) {
  auto expected = [](const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
      const char* names[] = {"\\b", "\\t", "\\n", nullptr, "\\f", "\\r"};
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c >= 8 && c <= 13 && names[c - 8]) out += names[c - 8];
      else if (c < 0x20) out += "\\u00" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
      else out += static_cast<char>(c);
    }
    return out + "\"";
  };
  for (int byte = 0; byte < 256; ++byte) {
    for (size_t offset = 0; offset < 40; ++offset) {
      std::string text(40, 'a');
      text[offset] = static_cast<char>(byte);
      text[39 - offset] = offset % 2 ? '"' : '~';
      std::string out;
      AppendJsonString(text, &out);
      ASSERT_EQ(out, expected(text)) << "byte " << byte << " at " << offset;
    }
  }
}

TEST(ImageMime, SniffedFromMagicNumbers) {
  EXPECT_EQ(SniffImageMime("\xFF\xD8\xFF\xE0rest"), "image/jpeg");
  EXPECT_EQ(SniffImageMime(std::string("\x89PNG\r\n\x1A\n\0\0", 10)), "image/png");
  EXPECT_EQ(SniffImageMime("GIF89a..."), "image/gif");
  EXPECT_EQ(SniffImageMime(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(SniffImageMime("<html>"), "");
  EXPECT_EQ(SniffImageMime(""), "");
}

}  // namespace
}  // namespace svit

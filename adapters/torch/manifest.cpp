#include "adapters/torch/manifest.h"

#include <filesystem>

#include "core/json_file.h"

namespace svit::local {
namespace {

constexpr char kFormat[] = "svit-eval-local-model";

// Field access with messages of the form "<file>: field 'image.size': ...".
class ManifestReader {
 public:
  explicit ManifestReader(std::string path) : path_(std::move(path)) {}

  Status Error(const std::string& field, const std::string& problem) const {
    return Status::InvalidInput(path_ + ": field '" + field + "': " + problem);
  }

  Status Field(JsonObject object, const std::string& prefix, std::string_view key, JsonValue* out) const {
    if (object[key].get(*out) != simdjson::SUCCESS) return Error(prefix + std::string(key), "missing");
    return Status::OK();
  }

  Status String(JsonObject object, const std::string& prefix, std::string_view key, std::string* out) const {
    JsonValue value;
    SVIT_RETURN_IF_ERROR(Field(object, prefix, key, &value));
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      return Error(prefix + std::string(key), "expected a string, got " + std::string(JsonTypeName(value)));
    }
    out->assign(text);
    return Status::OK();
  }

  Status Int(JsonObject object, const std::string& prefix, std::string_view key, int64_t min, int64_t* out) const {
    JsonValue value;
    SVIT_RETURN_IF_ERROR(Field(object, prefix, key, &value));
    if (value.get_int64().get(*out) != simdjson::SUCCESS) {
      return Error(prefix + std::string(key), "expected an integer, got " + std::string(JsonTypeName(value)));
    }
    if (*out < min) return Error(prefix + std::string(key), "must be at least " + std::to_string(min));
    return Status::OK();
  }

  Status Object(JsonObject object, const std::string& prefix, std::string_view key, JsonObject* out) const {
    JsonValue value;
    SVIT_RETURN_IF_ERROR(Field(object, prefix, key, &value));
    if (value.get_object().get(*out) != simdjson::SUCCESS) {
      return Error(prefix + std::string(key), "expected an object, got " + std::string(JsonTypeName(value)));
    }
    return Status::OK();
  }

  Status Triple(JsonObject object, const std::string& prefix, std::string_view key, std::array<float, 3>* out) const {
    JsonValue value;
    SVIT_RETURN_IF_ERROR(Field(object, prefix, key, &value));
    JsonArray array;
    if (value.get_array().get(array) != simdjson::SUCCESS || array.size() != 3) {
      return Error(prefix + std::string(key), "expected an array of 3 numbers");
    }
    size_t i = 0;
    for (JsonValue item : array) {
      double number;
      if (item.get_double().get(number) != simdjson::SUCCESS) {
        return Error(prefix + std::string(key), "expected an array of 3 numbers");
      }
      (*out)[i++] = static_cast<float>(number);
    }
    return Status::OK();
  }

  Status ExistingFile(const std::string& dir, const std::string& field, const std::string& name,
                      std::string* out) const {
    const std::filesystem::path path = std::filesystem::path(dir) / name;
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) return Error(field, "file not found: " + path.string());
    *out = path.string();
    return Status::OK();
  }

 private:
  std::string path_;
};

}  // namespace

std::string RenderPrompt(const ModelManifest& manifest, std::string prompt) {
  const std::string& placeholder = manifest.image_placeholder;
  if (!placeholder.empty()) {
    for (size_t at = prompt.find(placeholder); at != std::string::npos; at = prompt.find(placeholder, at)) {
      const size_t length = placeholder.size() + (prompt.compare(at + placeholder.size(), 1, "\n") == 0 ? 1 : 0);
      prompt.erase(at, length);
    }
  }
  std::string text = manifest.prompt_template;
  text.replace(text.find("{prompt}"), 8, prompt);
  return text;
}

Status LoadManifest(const std::string& model_dir, ModelManifest* out) {
  const std::string path = (std::filesystem::path(model_dir) / "manifest.json").string();
  JsonDocument doc;
  SVIT_RETURN_IF_ERROR(doc.Load(path));
  ManifestReader r(path);
  JsonObject root;
  SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));

  std::string format;
  SVIT_RETURN_IF_ERROR(r.String(root, "", "format", &format));
  if (format != kFormat) return r.Error("format", "expected '" + std::string(kFormat) + "', got '" + format + "'");
  int64_t version;
  SVIT_RETURN_IF_ERROR(r.Int(root, "", "format_version", 1, &version));
  if (version != 1) return r.Error("format_version", "this build reads version 1, got " + std::to_string(version));
  SVIT_RETURN_IF_ERROR(r.String(root, "", "name", &out->name));
  std::string file;
  SVIT_RETURN_IF_ERROR(r.String(root, "", "model_file", &file));
  SVIT_RETURN_IF_ERROR(r.ExistingFile(model_dir, "model_file", file, &out->model_file));

  JsonObject image;
  SVIT_RETURN_IF_ERROR(r.Object(root, "", "image", &image));
  int64_t size;
  SVIT_RETURN_IF_ERROR(r.Int(image, "image.", "size", 1, &size));
  if (size > 4096) return r.Error("image.size", "must be at most 4096");
  out->image.size = static_cast<int>(size);
  std::string text;
  SVIT_RETURN_IF_ERROR(r.String(image, "image.", "resize_mode", &text));
  Status mode = ParseResizeMode(text, &out->image.mode);
  if (!mode.ok()) return r.Error("image.resize_mode", mode.message());
  SVIT_RETURN_IF_ERROR(r.String(image, "image.", "interpolation", &text));
  if (text != "bilinear") return r.Error("image.interpolation", "only 'bilinear' is supported, got '" + text + "'");
  SVIT_RETURN_IF_ERROR(r.Triple(image, "image.", "mean", &out->image.mean));
  SVIT_RETURN_IF_ERROR(r.Triple(image, "image.", "std", &out->image.std));
  for (float s : out->image.std) {
    if (!(s > 0)) return r.Error("image.std", "every value must be positive");
  }

  JsonObject tokenizer;
  SVIT_RETURN_IF_ERROR(r.Object(root, "", "tokenizer", &tokenizer));
  std::string kind;
  SVIT_RETURN_IF_ERROR(r.String(tokenizer, "tokenizer.", "kind", &kind));
  if (kind == "word_level") {
    out->tokenizer_kind = TokenizerKind::kWordLevel;
    SVIT_RETURN_IF_ERROR(r.String(tokenizer, "tokenizer.", "unk_token", &out->unk_token));
  } else if (kind == "sentencepiece") {
    out->tokenizer_kind = TokenizerKind::kSentencePiece;
  } else {
    return r.Error("tokenizer.kind", "unknown tokenizer '" + kind + "' (expected word_level or sentencepiece)");
  }
  SVIT_RETURN_IF_ERROR(r.String(tokenizer, "tokenizer.", "file", &file));
  SVIT_RETURN_IF_ERROR(r.ExistingFile(model_dir, "tokenizer.file", file, &out->tokenizer_file));

  JsonObject special;
  SVIT_RETURN_IF_ERROR(r.Object(root, "", "special_tokens", &special));
  SVIT_RETURN_IF_ERROR(r.Int(special, "special_tokens.", "pad", 0, &out->pad_id));
  SVIT_RETURN_IF_ERROR(r.Int(special, "special_tokens.", "bos", -1, &out->bos_id));
  JsonValue stop;
  SVIT_RETURN_IF_ERROR(r.Field(special, "special_tokens.", "stop", &stop));
  JsonArray stops;
  if (stop.get_array().get(stops) != simdjson::SUCCESS || stops.size() == 0) {
    return r.Error("special_tokens.stop", "expected a non-empty array of token ids");
  }
  out->stop_ids.clear();
  for (JsonValue id : stops) {
    int64_t value;
    if (id.get_int64().get(value) != simdjson::SUCCESS || value < 0) {
      return r.Error("special_tokens.stop", "expected a non-empty array of token ids");
    }
    out->stop_ids.push_back(value);
  }
  SVIT_RETURN_IF_ERROR(r.Int(root, "", "vocab_size", 1, &out->vocab_size));
  for (int64_t id : out->stop_ids) {
    if (id >= out->vocab_size) return r.Error("special_tokens.stop", "id " + std::to_string(id) + " >= vocab_size");
  }
  if (out->pad_id >= out->vocab_size || out->bos_id >= out->vocab_size) {
    return r.Error("special_tokens", "pad and bos ids must be below vocab_size");
  }

  SVIT_RETURN_IF_ERROR(r.String(root, "", "prompt_template", &out->prompt_template));
  const size_t at = out->prompt_template.find("{prompt}");
  if (at == std::string::npos || out->prompt_template.find("{prompt}", at + 1) != std::string::npos) {
    return r.Error("prompt_template", "must contain {prompt} exactly once");
  }
  SVIT_RETURN_IF_ERROR(r.String(root, "", "image_placeholder", &out->image_placeholder));
  int64_t limit;
  SVIT_RETURN_IF_ERROR(r.Int(root, "", "max_prompt_tokens", 1, &limit));
  out->max_prompt_tokens = static_cast<int>(limit);
  SVIT_RETURN_IF_ERROR(r.Int(root, "", "max_new_tokens", 1, &limit));
  out->max_new_tokens = static_cast<int>(limit);
  SVIT_RETURN_IF_ERROR(r.Int(root, "", "max_total_tokens", 2, &limit));
  out->max_total_tokens = static_cast<int>(limit);
  if (out->max_prompt_tokens >= out->max_total_tokens) {
    return r.Error("max_prompt_tokens", "must be below max_total_tokens");
  }
  return Status::OK();
}

}  // namespace svit::local

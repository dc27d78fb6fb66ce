#include "harness/request_renderer.h"

namespace svit {
namespace {

constexpr const char* kPlaceholders[] = {"prompt", "question", "options"};

}  // namespace

std::string OptionLetter(size_t index) {
  if (index < 26) return std::string(1, static_cast<char>('A' + index));
  return OptionLetter(index / 26 - 1) + OptionLetter(index % 26);
}

std::string FormatOptions(const std::vector<std::string>& choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i) out += '\n';
    out += OptionLetter(i) + ". " + choices[i];
  }
  return out;
}

Status ValidatePromptTemplate(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        ++i;
        continue;
      }
      return Status::InvalidInput("prompt template: unmatched '}' at offset " + std::to_string(i) +
                                  " (write '}}' for a literal brace)");
    }
    if (text[i] != '{') continue;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      ++i;
      continue;
    }
    size_t end = text.find('}', i);
    if (end == std::string::npos) {
      return Status::InvalidInput("prompt template: unclosed '{' at offset " + std::to_string(i));
    }
    std::string name = text.substr(i + 1, end - i - 1);
    bool known = false;
    for (const char* placeholder : kPlaceholders) known = known || name == placeholder;
    if (!known) {
      return Status::InvalidInput("prompt template: unknown placeholder {" + name +
                                  "}; known: {prompt}, {question}, {options}");
    }
    i = end;
  }
  return Status::OK();
}

std::string RenderPromptText(const PromptSettings& settings, const Sample& sample) {
  if (settings.template_text.empty()) return sample.prompt;
  const std::string& text = settings.template_text;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    size_t end = text.find('}', i);
    std::string name = text.substr(i + 1, end - i - 1);
    if (name == "prompt") out += sample.prompt;
    if (name == "question") out += sample.question;
    if (name == "options") out += FormatOptions(sample.choices);
    i = end;
  }
  return out;
}

RequestRenderer::RequestRenderer(PromptSettings prompt, GenerationParams params, RequestKind kind,
                                 ImageLoader* images)
    : prompt_(std::move(prompt)), params_(std::move(params)), kind_(kind), images_(images) {}

Status RequestRenderer::Render(const Sample& sample, Request* out) {
  *out = Request();
  out->kind = kind_;
  out->params = params_;
  if (!prompt_.system_prompt.empty()) {
    out->messages.push_back({"system", {ContentPart{ContentPart::Kind::kText, prompt_.system_prompt, nullptr}}});
  }
  ChatMessage user{"user", {}};
  for (const auto& ref : sample.images) {
    ContentPart part;
    part.kind = ContentPart::Kind::kImage;
    SVIT_RETURN_IF_ERROR(images_->Load(ref, &part.image));
    user.parts.push_back(std::move(part));
  }
  user.parts.push_back(ContentPart{ContentPart::Kind::kText, RenderPromptText(prompt_, sample), nullptr});
  out->messages.push_back(std::move(user));
  if (kind_ == RequestKind::kRank) {
    if (sample.choices.empty()) {
      return Status::InvalidInput("sample " + sample.id + " has no choices to rank");
    }
    for (size_t i = 0; i < sample.choices.size(); ++i) out->options.push_back(OptionLetter(i));
  }
  return Status::OK();
}

}  // namespace svit

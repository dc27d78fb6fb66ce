// Turns a task's Sample into the Request a model answers. By default the
// text is the sample's own prompt (the benchmark's LLaVA-1.5 convention, as
// the task renders it); a per-task template can replace it, with the
// placeholders {prompt} (that default), {question} (the bare question) and
// {options} ("A. ...\nB. ..." of the sample's choices); "{{" and "}}" write
// braces. Images come first in the user message, as LLaVA places its
// <image> token before the text. A rank request scores the option letters
// (A, B, ...) as continuations.
#pragma once

#include <string>

#include "core/request.h"
#include "core/status.h"
#include "core/types.h"
#include "harness/images.h"

namespace svit {

struct PromptSettings {
  std::string template_text;  // "" = the task's own prompt
  std::string system_prompt;  // "" = no system message
};

// InvalidInput naming the first unknown placeholder or unbalanced brace.
Status ValidatePromptTemplate(const std::string& template_text);
// The prompt text for `sample` (template assumed valid).
std::string RenderPromptText(const PromptSettings& settings, const Sample& sample);
// "A. first\nB. second..." for a sample's choices.
std::string FormatOptions(const std::vector<std::string>& choices);
// The letter of option `index` ("A" for 0).
std::string OptionLetter(size_t index);

class RequestRenderer {
 public:
  RequestRenderer(PromptSettings prompt, GenerationParams params, RequestKind kind, ImageLoader* images);

  // Fills `out`; InvalidInput when an image cannot be loaded or a rank
  // request has a sample without choices.
  Status Render(const Sample& sample, Request* out);

 private:
  PromptSettings prompt_;
  GenerationParams params_;
  RequestKind kind_;
  ImageLoader* images_;
};

}  // namespace svit

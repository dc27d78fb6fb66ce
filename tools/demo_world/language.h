// Text written from scene annotations: benchmark questions with their
// answers, captions, detailed descriptions, conversation and reasoning turns,
// and multiple-choice problems. One function per kind of text; each draws
// its wording from a list of paraphrases, and `variety` limits how many of
// them may be used (1 = always the first), which is how the baseline's
// instruction set is made less diverse than the SVIT-style one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/demo_world/scene.h"

namespace svit::demo {

struct ShortQa {
  std::string question;       // without any answer-format suffix
  std::string answer;         // a single word or number
  std::string question_type;  // VQA-style prefix ("what color is the", "how many", ...)
  std::string answer_type;    // "yes/no", "number" or "other"
};

struct Dialogue {
  std::string question;
  std::string answer;  // full sentences
};

struct Choice {
  std::string question;
  std::vector<std::string> choices;
  int answer = 0;
  std::string hint;
};

// A short-answer question about the scene, or nullopt when the drawn kind
// does not apply (e.g. no object can be referred to unambiguously).
std::optional<ShortQa> MakeShortQa(const Scene& scene, int variety, Rng* rng);
// "Is there a/an <category> in the image?"; `present` picks the label.
ShortQa MakeExistenceQa(int category, bool present, int variety, Rng* rng);

std::string MakeCaption(const Scene& scene, int variety, Rng* rng);
std::string DetailedDescription(const Scene& scene);
std::string DetailPrompt(int variety, Rng* rng);
std::string CaptionPrompt(int variety, Rng* rng);

std::optional<Dialogue> MakeConversation(const Scene& scene, int variety, Rng* rng);
std::optional<Dialogue> MakeReasoning(const Scene& scene, int variety, Rng* rng);

// An image-grounded multiple-choice problem, or a general-knowledge one
// about shapes and colours that needs no image.
std::optional<Choice> MakeImageChoice(const Scene& scene, int variety, Rng* rng);
Choice MakeKnowledgeChoice(Rng* rng);

// The LLaVA-1.5 prompt conventions the evaluation uses.
inline constexpr char kShortAnswerSuffix[] = "\nAnswer the question using a single word or phrase.";
inline constexpr char kChoiceSuffix[] = "Answer with the option's letter from the given choices directly.";
// "Context: <hint>\n<question>\nA. ...\nB. ...\n<suffix>" as LLaVA-1.5 renders ScienceQA.
std::string RenderChoicePrompt(const Choice& choice);

// A list in English: "a red circle, a blue square and a green triangle".
std::string ObjectList(const Scene& scene);

}  // namespace svit::demo

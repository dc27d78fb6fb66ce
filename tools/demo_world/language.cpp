#include "tools/demo_world/language.h"

#include <algorithm>
#include <map>

namespace svit::demo {
namespace {

// Picks one of the first `variety` paraphrases.
std::string Phrase(const std::vector<std::string>& options, int variety, Rng* rng) {
  const int limit = std::clamp(variety, 1, static_cast<int>(options.size()));
  return options[rng->Uniform(0, limit - 1)];
}

// Replaces every "{key}" in `text`.
std::string Fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const std::string token = "{" + key + "}";
    for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

// "a red circle", "an orange square".
std::string WithArticle(const std::string& noun) {
  return (noun.empty() || std::string("aeiou").find(noun[0]) == std::string::npos ? "a " : "an ") + noun;
}

std::string Capitalize(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

const char* kNumberWords[] = {"zero", "one", "two", "three", "four", "five", "six"};

// How an object can be named without ambiguity: "red circle", "circle" or
// "red object"; empty when no short name is unique.
std::string Reference(const Scene& scene, size_t index) {
  const Object& o = scene.objects[index];
  if (scene.UniqueShape(o.shape) == static_cast<int>(index)) return ShapeName(o.shape);
  if (scene.UniqueCategory(o.Category()) == static_cast<int>(index)) return o.Name();
  if (scene.UniqueColor(o.color) == static_cast<int>(index)) return std::string(ColorName(o.color)) + " object";
  return "";
}

std::vector<size_t> Referable(const Scene& scene) {
  std::vector<size_t> out;
  for (size_t i = 0; i < scene.objects.size(); ++i) {
    if (!Reference(scene, i).empty()) out.push_back(i);
  }
  return out;
}

std::string Place(const Scene& scene, const Object& o) {
  const std::string v = scene.VerticalPlace(o), h = scene.HorizontalPlace(o);
  if (v == "middle" && h == "middle") return "center";
  if (v == "middle") return "middle " + h;
  if (h == "middle") return v + " middle";
  return v + " " + h;
}

std::string CountPhrase(int n, const std::string& singular, const std::string& plural) {
  if (n == 0) return "no " + plural;
  if (n == 1) return "one " + singular;
  return std::to_string(n) + " " + plural;
}

std::string IsAre(int n) { return n == 1 ? "is" : "are"; }

Relation Opposite(Relation r) {
  switch (r) {
    case Relation::kLeftOf: return Relation::kRightOf;
    case Relation::kRightOf: return Relation::kLeftOf;
    case Relation::kAbove: return Relation::kBelow;
    case Relation::kBelow: return Relation::kAbove;
  }
  return r;
}

// A pair of referable objects with at least one relation between them.
bool PickRelatedPair(const Scene& scene, Rng* rng, size_t* a, size_t* b, Relation* relation) {
  std::vector<size_t> refs = Referable(scene);
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t i : refs) {
    for (size_t j : refs) {
      if (i != j && !scene.RelationsBetween(i, j).empty()) pairs.push_back({i, j});
    }
  }
  if (pairs.empty()) return false;
  const auto& [i, j] = rng->Pick(pairs);
  *a = i;
  *b = j;
  *relation = rng->Pick(scene.RelationsBetween(i, j));
  return true;
}

}  // namespace

std::string ObjectList(const Scene& scene) {
  std::vector<size_t> order(scene.objects.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return scene.objects[x].cx < scene.objects[y].cx; });
  std::string out;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0) out += (k + 1 == order.size()) ? " and " : ", ";
    const Object& o = scene.objects[order[k]];
    out += std::string("a ") + SizeName(o.size) + " " + o.Name();
  }
  return out;
}

ShortQa MakeExistenceQa(int category, bool present, int variety, Rng* rng) {
  static const std::vector<std::pair<std::string, std::string>> kForms = {
      {"Is there {x} in the image?", "is there a"},
      {"Is there {x}?", "is there a"},
      {"Do you see {x}?", "do you see a"},
      {"Does the image contain {x}?", "does the"},
      {"Is there {x} in the picture?", "is there"},
  };
  std::vector<std::string> texts;
  for (const auto& f : kForms) texts.push_back(f.first);
  const std::string form = Phrase(texts, variety, rng);
  const size_t index = std::find(texts.begin(), texts.end(), form) - texts.begin();
  return ShortQa{Fill(form, {{"x", WithArticle(CategoryName(category))}}), present ? "yes" : "no", kForms[index].second, "yes/no"};
}

std::optional<ShortQa> MakeShortQa(const Scene& scene, int variety, Rng* rng) {
  const int kind = rng->Uniform(0, 7);
  switch (kind) {
    case 0: {  // colour of a shape that occurs once
      std::vector<size_t> candidates;
      for (size_t i = 0; i < scene.objects.size(); ++i) {
        if (scene.UniqueShape(scene.objects[i].shape) == static_cast<int>(i)) candidates.push_back(i);
      }
      if (candidates.empty()) return std::nullopt;
      const Object& o = scene.objects[rng->Pick(candidates)];
      const std::string q = Phrase({"What color is the {s}?", "What is the color of the {s}?",
                                    "Which color does the {s} have?", "What colour is the {s}?"},
                                   variety, rng);
      return ShortQa{Fill(q, {{"s", ShapeName(o.shape)}}), ColorName(o.color),
                     q.rfind("What color", 0) == 0 ? "what color is the" : "what", "other"};
    }
    case 1: {  // shape of a colour that occurs once
      std::vector<size_t> candidates;
      for (size_t i = 0; i < scene.objects.size(); ++i) {
        if (scene.UniqueColor(scene.objects[i].color) == static_cast<int>(i)) candidates.push_back(i);
      }
      if (candidates.empty()) return std::nullopt;
      const Object& o = scene.objects[rng->Pick(candidates)];
      const std::string q = Phrase({"What shape is the {c} object?", "What is the shape of the {c} object?",
                                    "Which shape is {c}?", "What kind of shape is the {c} one?"},
                                   variety, rng);
      return ShortQa{Fill(q, {{"c", ColorName(o.color)}}), ShapeName(o.shape), "what", "other"};
    }
    case 2: {  // count of a shape (zero included)
      const Shape s = static_cast<Shape>(rng->Uniform(0, kShapeCount - 1));
      const std::string q = Phrase({"How many {p} are there?", "How many {p} are in the image?",
                                    "How many {p} can you see?", "What is the number of {p}?"},
                                   variety, rng);
      return ShortQa{Fill(q, {{"p", ShapePlural(s)}}), std::to_string(scene.CountShape(s)),
                     q.rfind("How many", 0) == 0 ? "how many" : "what is the", "number"};
    }
    case 3: {  // count of a colour present in the scene
      const Color c = rng->Pick(scene.objects).color;
      const std::string q = Phrase({"How many {c} objects are there?", "How many {c} shapes are in the picture?",
                                    "How many things are {c}?"},
                                   variety, rng);
      return ShortQa{Fill(q, {{"c", ColorName(c)}}), std::to_string(scene.CountColor(c)), "how many", "number"};
    }
    case 4: {  // count of everything
      const std::string q = Phrase({"How many objects are there?", "How many shapes are in the image?",
                                    "How many objects can you count?"},
                                   variety, rng);
      return ShortQa{q, std::to_string(scene.objects.size()), "how many", "number"};
    }
    case 5: {  // existence, balanced
      const bool present = rng->Chance(50);
      int category = rng->Pick(scene.objects).Category();
      if (!present) {
        std::vector<int> absent;
        for (int c = 0; c < kShapeCount * kColorCount; ++c) {
          if (!scene.HasCategory(c)) absent.push_back(c);
        }
        category = rng->Pick(absent);
      }
      return MakeExistenceQa(category, present, variety, rng);
    }
    case 6: {  // spatial relation, true or its opposite
      size_t a, b;
      Relation r;
      if (!PickRelatedPair(scene, rng, &a, &b, &r)) return std::nullopt;
      const bool truth = rng->Chance(50);
      const Relation asked = truth ? r : Opposite(r);
      const std::string q = Phrase({"Is the {a} {r} the {b}?", "Is the {a} located {r} the {b}?"}, variety, rng);
      return ShortQa{Fill(q, {{"a", Reference(scene, a)}, {"r", RelationPhrase(asked)}, {"b", Reference(scene, b)}}),
                     truth ? "yes" : "no", "is the", "yes/no"};
    }
    default: {  // size
      std::vector<size_t> refs = Referable(scene);
      if (refs.empty()) return std::nullopt;
      const size_t a = rng->Pick(refs);
      const std::string q = Phrase({"Is the {a} small or large?", "What size is the {a}?",
                                    "Is the {a} large or small?"},
                                   variety, rng);
      return ShortQa{Fill(q, {{"a", Reference(scene, a)}}), SizeName(scene.objects[a].size),
                     q.rfind("What", 0) == 0 ? "what" : "is the", "other"};
    }
  }
}

std::string MakeCaption(const Scene& scene, int variety, Rng* rng) {
  const int n = static_cast<int>(scene.objects.size());
  std::string relation_sentence;
  size_t a, b;
  Relation r;
  if (PickRelatedPair(scene, rng, &a, &b, &r)) {
    relation_sentence = Capitalize(WithArticle(scene.objects[a].Name())) + " " + RelationPhrase(r) + " " +
                       WithArticle(scene.objects[b].Name()) + ".";
  }
  std::vector<std::string> forms = {
      "{List} on a gray background.",
      "There {are} {n} on a plain background: {list}.",
      "A simple picture of {list}.",
      "{N} colored {shapes} on a light gray background.",
  };
  if (!relation_sentence.empty()) forms.push_back(relation_sentence);
  const std::string form = Phrase(forms, variety, rng);
  return Fill(form, {{"List", Capitalize(ObjectList(scene))},
                     {"list", ObjectList(scene)},
                     {"are", IsAre(n)},
                     {"n", CountPhrase(n, "shape", "shapes")},
                     {"N", Capitalize(n < 7 ? kNumberWords[n] : std::to_string(n))},
                     {"shapes", n == 1 ? "shape" : "shapes"}});
}

std::string DetailedDescription(const Scene& scene) {
  const int n = static_cast<int>(scene.objects.size());
  std::string text = "The image shows " + CountPhrase(n, "object", "objects") + " on a light gray background.";
  std::vector<size_t> order(scene.objects.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return scene.objects[x].cx < scene.objects[y].cx; });
  for (size_t i : order) {
    const Object& o = scene.objects[i];
    text += " A " + std::string(SizeName(o.size)) + " " + o.Name() + " is in the " + Place(scene, o) + " of the image.";
  }
  int relations = 0;
  for (size_t k = 0; k + 1 < order.size() && relations < 2; ++k) {
    const std::vector<Relation> rel = scene.RelationsBetween(order[k], order[k + 1]);
    const std::string ra = Reference(scene, order[k]), rb = Reference(scene, order[k + 1]);
    if (rel.empty() || ra.empty() || rb.empty()) continue;
    text += " The " + ra + " is " + RelationPhrase(rel.front()) + " the " + rb + ".";
    ++relations;
  }
  return text;
}

std::string DetailPrompt(int variety, Rng* rng) {
  return Phrase({"Describe the image in detail.", "Describe the following image.",
                 "What do you see in this picture? Describe it in detail.",
                 "Give an elaborate explanation of the image you see.",
                 "Analyze the image in a comprehensive and detailed manner."},
                variety, rng);
}

std::string CaptionPrompt(int variety, Rng* rng) {
  return Phrase({"Provide a one-sentence caption for the provided image.", "Write a short caption for this image.",
                 "Summarize the picture in one sentence."},
                variety, rng);
}

std::optional<Dialogue> MakeConversation(const Scene& scene, int variety, Rng* rng) {
  switch (rng->Uniform(0, 4)) {
    case 0: {
      std::vector<size_t> refs = Referable(scene);
      if (refs.empty()) return std::nullopt;
      const size_t a = rng->Pick(refs);
      const std::string ref = Reference(scene, a);
      const Object& o = scene.objects[a];
      const std::string q = Phrase({"What color is the {a}?", "Can you tell me the color of the {a}?"}, variety, rng);
      return Dialogue{Fill(q, {{"a", ref}}),
                      "The " + ref + " is " + ColorName(o.color) + ". It is a " + SizeName(o.size) + " " + o.Name() + "."};
    }
    case 1: {
      const Shape s = static_cast<Shape>(rng->Uniform(0, kShapeCount - 1));
      const int n = scene.CountShape(s);
      const std::string q = Phrase({"How many {p} are there in the image?", "Can you count the {p} in the picture?"},
                                   variety, rng);
      return Dialogue{Fill(q, {{"p", ShapePlural(s)}}),
                      "There " + IsAre(n) + " " + CountPhrase(n, ShapeName(s), ShapePlural(s)) + " in the image."};
    }
    case 2: {
      std::vector<size_t> refs = Referable(scene);
      if (refs.empty()) return std::nullopt;
      const size_t a = rng->Pick(refs);
      const std::string ref = Reference(scene, a);
      const std::string q = Phrase({"Where is the {a} located?", "Where can the {a} be found in the image?"}, variety, rng);
      return Dialogue{Fill(q, {{"a", ref}}),
                      "The " + ref + " is in the " + Place(scene, scene.objects[a]) + " of the image."};
    }
    case 3: {
      const bool present = rng->Chance(50);
      int category = rng->Pick(scene.objects).Category();
      if (!present) {
        std::vector<int> absent;
        for (int c = 0; c < kShapeCount * kColorCount; ++c) {
          if (!scene.HasCategory(c)) absent.push_back(c);
        }
        category = rng->Pick(absent);
      }
      const std::string name = CategoryName(category);
      const std::string q = Phrase({"Is there {x} in the image?", "Can you see {x} anywhere?"}, variety, rng);
      return Dialogue{Fill(q, {{"x", WithArticle(name)}}), present ? "Yes, there is " + WithArticle(name) + " in the image."
                                                                   : "No, there is no " + name + " in the image."};
    }
    default: {
      size_t a, b;
      Relation r;
      if (!PickRelatedPair(scene, rng, &a, &b, &r)) return std::nullopt;
      // Ask for the object in relation `r` to b only when it is the only one.
      int matches = 0;
      for (size_t i = 0; i < scene.objects.size(); ++i) {
        if (i == b) continue;
        const auto rel = scene.RelationsBetween(i, b);
        if (std::find(rel.begin(), rel.end(), r) != rel.end()) ++matches;
      }
      if (matches != 1) return std::nullopt;
      const std::string q = Phrase({"What is {r} the {b}?", "Which object is {r} the {b}?"}, variety, rng);
      const Object& o = scene.objects[a];
      return Dialogue{Fill(q, {{"r", RelationPhrase(r)}, {"b", Reference(scene, b)}}),
                      "The " + std::string(SizeName(o.size)) + " " + o.Name() + " is " + RelationPhrase(r) + " the " +
                          Reference(scene, b) + "."};
    }
  }
}

std::optional<Dialogue> MakeReasoning(const Scene& scene, int variety, Rng* rng) {
  const int n = static_cast<int>(scene.objects.size());
  switch (rng->Uniform(0, 2)) {
    case 0: {
      const Color c = rng->Pick(scene.objects).color;
      const int k = scene.CountColor(c);
      const std::string q = Phrase({"If all the {c} objects were removed, how many objects would be left?",
                                    "Suppose every {c} shape disappeared. How many shapes would remain?"},
                                   variety, rng);
      return Dialogue{Fill(q, {{"c", ColorName(c)}}),
                      "There " + IsAre(n) + " " + CountPhrase(n, "object", "objects") + " in total and " +
                          std::to_string(k) + " of them " + IsAre(k) + " " + ColorName(c) + ", so " +
                          CountPhrase(n - k, "object", "objects") + " would be left."};
    }
    case 1: {
      const Shape s1 = static_cast<Shape>(rng->Uniform(0, kShapeCount - 1));
      const Shape s2 = static_cast<Shape>((static_cast<int>(s1) + rng->Uniform(1, kShapeCount - 1)) % kShapeCount);
      const int a = scene.CountShape(s1), b = scene.CountShape(s2);
      const std::string q = Phrase({"Are there more {p1} than {p2} in the image?", "Does the picture have more {p1} than {p2}?"},
                                   variety, rng);
      const std::string verdict = a > b ? "Yes." : (a == b ? "No, there are equally many." : "No.");
      return Dialogue{Fill(q, {{"p1", ShapePlural(s1)}, {"p2", ShapePlural(s2)}}),
                      verdict + " There " + IsAre(a) + " " + CountPhrase(a, ShapeName(s1), ShapePlural(s1)) + " and " +
                          CountPhrase(b, ShapeName(s2), ShapePlural(s2)) + "."};
    }
    default: {
      // The leftmost object, when it is clearly leftmost.
      std::vector<size_t> order(scene.objects.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t x, size_t y) { return scene.objects[x].cx < scene.objects[y].cx; });
      if (order.size() < 2) return std::nullopt;
      if (scene.RelationsBetween(order[0], order[1]).empty() ||
          scene.objects[order[0]].cx + 6 > scene.objects[order[1]].cx) {
        return std::nullopt;
      }
      const Object& o = scene.objects[order[0]];
      const std::string q = Phrase({"Which object is the leftmost one in the image?",
                                    "What is the object farthest to the left?"},
                                   variety, rng);
      return Dialogue{q, "The leftmost object is the " + std::string(SizeName(o.size)) + " " + o.Name() +
                             ", which is in the " + Place(scene, o) + " of the image."};
    }
  }
}

std::optional<Choice> MakeImageChoice(const Scene& scene, int variety, Rng* rng) {
  Choice choice;
  std::vector<std::string> options;
  std::string correct;
  switch (rng->Uniform(0, 2)) {
    case 0: {  // how many of a shape
      const Shape s = static_cast<Shape>(rng->Uniform(0, kShapeCount - 1));
      const int n = scene.CountShape(s);
      choice.question = Fill(Phrase({"How many {p} are in the picture?", "Count the {p}. How many are there?"}, variety, rng),
                             {{"p", ShapePlural(s)}});
      correct = std::to_string(n);
      for (int k = 0; k <= 5; ++k) {
        if (k != n) options.push_back(std::to_string(k));
      }
      break;
    }
    case 1: {  // which category is present
      const Object& o = rng->Pick(scene.objects);
      choice.question = Phrase({"Which of these shapes is in the picture?", "Which object can you find in the image?"},
                               variety, rng);
      correct = o.Name();
      for (int c = 0; c < kShapeCount * kColorCount; ++c) {
        if (!scene.HasCategory(c)) options.push_back(CategoryName(c));
      }
      break;
    }
    default: {  // colour of a unique shape
      std::vector<size_t> candidates;
      for (size_t i = 0; i < scene.objects.size(); ++i) {
        if (scene.UniqueShape(scene.objects[i].shape) == static_cast<int>(i)) candidates.push_back(i);
      }
      if (candidates.empty()) return std::nullopt;
      const Object& o = scene.objects[rng->Pick(candidates)];
      choice.question = Fill(Phrase({"What color is the {s}?", "Which color does the {s} have?"}, variety, rng),
                             {{"s", ShapeName(o.shape)}});
      correct = ColorName(o.color);
      for (int c = 0; c < kColorCount; ++c) {
        if (c != static_cast<int>(o.color)) options.push_back(ColorName(static_cast<Color>(c)));
      }
      break;
    }
  }
  rng->Shuffle(&options);
  const int count = rng->Uniform(2, 4);  // 2..4 options in total
  options.resize(std::min<size_t>(options.size(), count - 1));
  options.push_back(correct);
  rng->Shuffle(&options);
  choice.choices = options;
  choice.answer = static_cast<int>(std::find(options.begin(), options.end(), correct) - options.begin());
  if (rng->Chance(30)) choice.hint = "The picture shows colored shapes on a gray background.";
  return choice;
}

Choice MakeKnowledgeChoice(Rng* rng) {
  struct Fact {
    const char* question;
    std::vector<std::string> choices;
    int answer;
  };
  static const std::vector<Fact> kFacts = {
      {"Which shape has three corners?", {"circle", "square", "triangle"}, 2},
      {"Which shape has no corners?", {"triangle", "circle", "square"}, 1},
      {"Which shape has four equal sides?", {"square", "triangle", "circle"}, 0},
      {"Which color do you get by mixing red and yellow?", {"green", "orange", "purple"}, 1},
      {"Which color do you get by mixing blue and yellow?", {"green", "red", "orange"}, 0},
      {"Which color do you get by mixing red and blue?", {"yellow", "green", "purple"}, 2},
      {"How many sides does a triangle have?", {"4", "3", "5"}, 1},
      {"How many sides does a square have?", {"4", "3", "6"}, 0},
  };
  const Fact& fact = rng->Pick(kFacts);
  Choice choice{fact.question, fact.choices, fact.answer, ""};
  const std::string correct = choice.choices[fact.answer];
  rng->Shuffle(&choice.choices);
  choice.answer = static_cast<int>(std::find(choice.choices.begin(), choice.choices.end(), correct) -
                                   choice.choices.begin());
  return choice;
}

std::string RenderChoicePrompt(const Choice& choice) {
  std::string prompt;
  if (!choice.hint.empty()) prompt += "Context: " + choice.hint + "\n";
  prompt += choice.question + "\n";
  for (size_t i = 0; i < choice.choices.size(); ++i) {
    prompt += std::string(1, static_cast<char>('A' + i)) + ". " + choice.choices[i] + "\n";
  }
  return prompt + kChoiceSuffix;
}

}  // namespace svit::demo

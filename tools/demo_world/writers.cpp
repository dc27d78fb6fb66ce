#include "tools/demo_world/writers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "tools/demo_world/image_io.h"
#include "tools/demo_world/language.h"
#include "tools/demo_world/scene.h"

namespace svit::demo {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr int kJpegQuality = 90;

Status WriteText(const fs::path& path, const std::string& text) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) return Status::InvalidInput("cannot write " + path.string());
  return Status::OK();
}

Status WriteJson(const fs::path& path, const Json& value) { return WriteText(path, value.dump() + "\n"); }

Status WriteJsonLines(const fs::path& path, const std::vector<Json>& lines) {
  std::string text;
  for (const Json& line : lines) text += line.dump() + "\n";
  return WriteText(path, text);
}

std::string CocoFileName(int64_t image_id) {
  char name[64];
  std::snprintf(name, sizeof name, "COCO_val2014_%012lld.jpg", static_cast<long long>(image_id));
  return name;
}

// Visual-Genome-like record of one scene: objects with attributes and boxes,
// and the pairwise relationships.
Json SceneRecord(const Scene& scene, const std::string& file_name) {
  Json objects = Json::array(), relationships = Json::array();
  for (size_t i = 0; i < scene.objects.size(); ++i) {
    const Object& o = scene.objects[i];
    objects.push_back({{"object_id", i},
                       {"name", ShapeName(o.shape)},
                       {"attributes", {ColorName(o.color), SizeName(o.size)}},
                       {"x", o.cx - o.radius},
                       {"y", o.cy - o.radius},
                       {"w", 2 * o.radius + 1},
                       {"h", 2 * o.radius + 1}});
    for (size_t j = 0; j < scene.objects.size(); ++j) {
      if (i == j) continue;
      for (Relation r : scene.RelationsBetween(i, j)) {
        relationships.push_back({{"subject_id", i}, {"predicate", RelationPhrase(r)}, {"object_id", j}});
      }
    }
  }
  return {{"image_id", scene.id}, {"file_name", file_name}, {"width", scene.width}, {"height", scene.height},
          {"objects", objects}, {"relationships", relationships}};
}

// Ten VQA answers from simulated annotators: mostly the true answer, numbers
// sometimes written as words, and an occasional mistake.
Json TenAnswers(const ShortQa& qa, Rng* rng) {
  static const char* kWords[] = {"zero", "one", "two", "three", "four", "five", "six"};
  Json answers = Json::array();
  for (int k = 1; k <= 10; ++k) {
    std::string answer = qa.answer;
    const int roll = rng->Uniform(0, 99);
    if (qa.answer_type == "number" && roll < 10) {
      const int n = std::stoi(qa.answer);
      if (n <= 6) answer = kWords[n];
    } else if (roll >= 94) {
      if (qa.answer_type == "yes/no") answer = qa.answer == "yes" ? "no" : "yes";
      if (qa.answer_type == "number") answer = std::to_string(std::stoi(qa.answer) + 1);
      if (qa.answer_type == "other") answer = "gray";
    }
    answers.push_back({{"answer", answer}, {"answer_confidence", roll < 80 ? "yes" : "maybe"}, {"answer_id", k}});
  }
  return answers;
}

Status WriteVqav2(const fs::path& dir, const std::vector<Scene>& scenes, Rng* rng) {
  Json questions = Json::array(), annotations = Json::array();
  for (const Scene& scene : scenes) {
    int k = 0;
    std::vector<std::string> asked;
    for (int attempt = 0; attempt < 20 && k < 3; ++attempt) {
      std::optional<ShortQa> qa = MakeShortQa(scene, 100, rng);
      if (!qa || std::find(asked.begin(), asked.end(), qa->question) != asked.end()) continue;
      asked.push_back(qa->question);
      const int64_t question_id = scene.id * 1000 + k++;
      questions.push_back({{"image_id", scene.id}, {"question", qa->question}, {"question_id", question_id}});
      annotations.push_back({{"question_type", qa->question_type},
                             {"multiple_choice_answer", qa->answer},
                             {"answers", TenAnswers(*qa, rng)},
                             {"image_id", scene.id},
                             {"answer_type", qa->answer_type},
                             {"question_id", question_id}});
    }
  }
  const Json info = {{"description", "svit-eval demo world (synthetic shapes), VQAv2 format"}, {"version", "2.0"}};
  SVIT_RETURN_IF_ERROR(WriteJson(dir / "v2_OpenEnded_mscoco_val2014_questions.json",
                                 {{"info", info},
                                  {"task_type", "Open-Ended"},
                                  {"data_type", "mscoco"},
                                  {"license", {{"name", "CC0"}}},
                                  {"data_subtype", "val2014"},
                                  {"questions", questions}}));
  return WriteJson(dir / "v2_mscoco_val2014_annotations.json",
                   {{"info", info},
                    {"license", {{"name", "CC0"}}},
                    {"data_subtype", "val2014"},
                    {"annotations", annotations},
                    {"data_type", "mscoco"}});
}

Status WriteCaptions(const fs::path& dir, const std::vector<Scene>& scenes, Rng* rng) {
  Json images = Json::array(), annotations = Json::array();
  int64_t caption_id = 1;
  for (const Scene& scene : scenes) {
    images.push_back({{"id", scene.id}, {"file_name", CocoFileName(scene.id)}, {"width", scene.width},
                      {"height", scene.height}});
    for (int k = 0; k < 5; ++k) {
      annotations.push_back({{"image_id", scene.id}, {"id", caption_id++}, {"caption", MakeCaption(scene, 100, rng)}});
    }
  }
  return WriteJson(dir / "captions_val2014.json",
                   {{"info", {{"description", "svit-eval demo world (synthetic shapes), COCO caption format"}}},
                    {"images", images},
                    {"licenses", Json::array()},
                    {"type", "captions"},
                    {"annotations", annotations}});
}

// POPE: three positives (present categories) and three negatives per image;
// negatives are random, the most frequent absent categories, or
// "adversarial" ones that share a shape or a colour with a present object.
Status WritePope(const fs::path& dir, const std::vector<Scene>& scenes, int images, Rng* rng) {
  std::vector<int> frequency(kShapeCount * kColorCount, 0);
  for (const Scene& scene : scenes) {
    for (int c = 0; c < kShapeCount * kColorCount; ++c) frequency[c] += scene.HasCategory(c);
  }
  std::vector<const Scene*> chosen;
  for (const Scene& scene : scenes) {
    int distinct = 0;
    for (int c = 0; c < kShapeCount * kColorCount; ++c) distinct += scene.HasCategory(c);
    if (distinct >= 2 && static_cast<int>(chosen.size()) < images) chosen.push_back(&scene);
  }
  std::vector<Json> questions;
  int64_t llava_id = 1;
  for (const std::string name : {"adversarial", "popular", "random"}) {
    std::vector<Json> labels;
    for (const Scene* scene : chosen) {
      std::vector<int> present, absent;
      for (int c = 0; c < kShapeCount * kColorCount; ++c) (scene->HasCategory(c) ? present : absent).push_back(c);
      rng->Shuffle(&present);
      const size_t k = std::min<size_t>(3, present.size());
      present.resize(k);
      std::vector<int> negatives = absent;
      if (name == "random") {
        rng->Shuffle(&negatives);
      } else if (name == "popular") {
        std::stable_sort(negatives.begin(), negatives.end(), [&](int a, int b) { return frequency[a] > frequency[b]; });
      } else {
        auto similarity = [&](int c) {
          int score = 0;
          for (const Object& o : scene->objects) {
            score += (c / kColorCount == static_cast<int>(o.shape)) + (c % kColorCount == static_cast<int>(o.color));
          }
          return score;
        };
        rng->Shuffle(&negatives);
        std::stable_sort(negatives.begin(), negatives.end(), [&](int a, int b) { return similarity(a) > similarity(b); });
      }
      negatives.resize(k);
      for (size_t i = 0; i < k; ++i) {
        for (auto [category, label] : {std::pair{present[i], "yes"}, std::pair{negatives[i], "no"}}) {
          const std::string text = MakeExistenceQa(category, true, 1, rng).question;
          labels.push_back({{"question_id", labels.size() + 1}, {"image", CocoFileName(scene->id)}, {"text", text},
                            {"label", label}});
          questions.push_back({{"question_id", llava_id++}, {"image", CocoFileName(scene->id)},
                               {"text", text + kShortAnswerSuffix}, {"category", name}});
        }
      }
    }
    SVIT_RETURN_IF_ERROR(WriteJsonLines(dir / "coco" / ("coco_pope_" + name + ".json"), labels));
  }
  return WriteJsonLines(dir / "llava_pope_test.jsonl", questions);
}

Status WriteScienceQa(const fs::path& dir, int count, Rng* rng, Json* scene_records) {
  Json problems = Json::object(), test = Json::array();
  SceneOptions options;
  for (int i = 0; i < count; ++i) {
    const std::string pid = std::to_string(i + 1);
    Json problem;
    if (i % 5 == 4) {  // one in five needs no image, as in ScienceQA
      const Choice c = MakeKnowledgeChoice(rng);
      problem = {{"question", c.question}, {"choices", c.choices}, {"answer", c.answer}, {"hint", c.hint},
                 {"image", nullptr}, {"task", "closed choice"}, {"grade", "grade2"}, {"subject", "natural science"},
                 {"topic", "shapes and colors"}, {"category", "General knowledge"}, {"skill", "Identify shapes"},
                 {"lecture", ""}, {"solution", ""}, {"split", "test"}};
    } else {
      std::optional<Choice> c;
      Scene scene;
      while (!c) {
        scene = MakeScene(5000 + i, options, rng);
        c = MakeImageChoice(scene, 100, rng);
      }
      SVIT_RETURN_IF_ERROR(WritePng((dir / "images" / "test" / pid / "image.png").string(), scene.width, scene.height,
                                    RenderScene(scene)));
      scene_records->push_back(SceneRecord(scene, "scienceqa/images/test/" + pid + "/image.png"));
      problem = {{"question", c->question}, {"choices", c->choices}, {"answer", c->answer}, {"hint", c->hint},
                 {"image", "image.png"}, {"task", "closed choice"}, {"grade", "grade2"}, {"subject", "natural science"},
                 {"topic", "shapes and colors"}, {"category", "Visual reasoning"}, {"skill", "Read a picture"},
                 {"lecture", ""}, {"solution", ""}, {"split", "test"}};
    }
    problems[pid] = problem;
    test.push_back(pid);
  }
  SVIT_RETURN_IF_ERROR(WriteJson(dir / "problems.json", problems));
  return WriteJson(dir / "pid_splits.json", {{"train", Json::array()}, {"val", Json::array()}, {"test", test}});
}

Status WriteLlavaBench(const fs::path& dir, int images, Rng* rng, Json* scene_records) {
  std::vector<Json> questions, context, answers;
  SceneOptions options;
  options.min_objects = 3;
  for (int i = 0; i < images; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%03d.jpg", i + 1);
    Scene scene = MakeScene(9000 + i, options, rng);
    std::optional<Dialogue> conv, complex;
    while (!conv) conv = MakeConversation(scene, 100, rng);
    while (!complex) complex = MakeReasoning(scene, 100, rng);
    SVIT_RETURN_IF_ERROR(WriteJpeg((dir / "images" / name).string(), scene.width, scene.height, RenderScene(scene),
                                   kJpegQuality));
    scene_records->push_back(SceneRecord(scene, std::string("llava_bench/images/") + name));
    const std::string description = DetailedDescription(scene);
    context.push_back({{"id", std::string(name, 3)}, {"image", name}, {"caption", description}});
    const std::pair<std::string, Dialogue> turns[] = {
        {"conv", *conv}, {"detail", Dialogue{DetailPrompt(100, rng), description}}, {"complex", *complex}};
    for (const auto& [category, turn] : turns) {
      const int64_t id = static_cast<int64_t>(questions.size());
      questions.push_back({{"question_id", id}, {"image", name}, {"text", turn.question}, {"category", category}});
      answers.push_back({{"question_id", id}, {"prompt", turn.question}, {"text", turn.answer},
                         {"answer_id", "ref-" + std::to_string(id)}, {"model_id", "annotations"},
                         {"metadata", Json::object()}});
    }
  }
  SVIT_RETURN_IF_ERROR(WriteJsonLines(dir / "questions.jsonl", questions));
  SVIT_RETURN_IF_ERROR(WriteJsonLines(dir / "context.jsonl", context));
  return WriteJsonLines(dir / "answers_gpt4.jsonl", answers);
}

}  // namespace

Status WriteSuite(const std::string& out_dir, const SuiteOptions& options) {
  const fs::path root(out_dir);
  Rng rng(options.seed);
  SceneOptions scene_options;
  std::vector<Scene> coco;
  Json records = Json::array();
  for (int i = 0; i < options.coco_images; ++i) {
    Scene scene = MakeScene(100 + 7 * i, scene_options, &rng);
    SVIT_RETURN_IF_ERROR(WriteJpeg((root / "coco" / "val2014" / CocoFileName(scene.id)).string(), scene.width,
                                   scene.height, RenderScene(scene), kJpegQuality));
    records.push_back(SceneRecord(scene, "coco/val2014/" + CocoFileName(scene.id)));
    coco.push_back(std::move(scene));
  }
  // Each benchmark draws from its own stream so that resizing one leaves the
  // others' files unchanged.
  Rng vqa_rng(options.seed + 1), caption_rng(options.seed + 2), pope_rng(options.seed + 3);
  Rng sqa_rng(options.seed + 4), bench_rng(options.seed + 5);
  SVIT_RETURN_IF_ERROR(WriteVqav2(root / "vqav2", coco, &vqa_rng));
  SVIT_RETURN_IF_ERROR(WriteCaptions(root / "coco_caption", coco, &caption_rng));
  SVIT_RETURN_IF_ERROR(WritePope(root / "pope", coco, options.pope_images, &pope_rng));
  SVIT_RETURN_IF_ERROR(WriteScienceQa(root / "scienceqa", options.scienceqa_problems, &sqa_rng, &records));
  SVIT_RETURN_IF_ERROR(WriteLlavaBench(root / "llava_bench", options.llava_bench_images, &bench_rng, &records));
  return WriteJson(root / "world" / "scenes.json", {{"images", records}});
}

namespace {

// One training instruction. `variety` 1 keeps to the first paraphrase.
// `image` is the scene's index in the split, or -1 for a question asked
// without an image (the trainer shows a blank, mean-colour image then).
std::optional<Json> MakeInstruction(const Scene& scene, int64_t image, int variety, bool diverse, Rng* rng) {
  // Kinds and their weights; the SVIT-style set adds multiple-choice
  // problems, POPE-like negatives and reasoning at a larger share.
  const int roll = rng->Uniform(0, 99);
  std::string kind, prompt, answer;
  if (roll < (diverse ? 30 : 40)) {
    std::optional<ShortQa> qa = MakeShortQa(scene, variety, rng);
    if (!qa) return std::nullopt;
    kind = "short";
    prompt = qa->question + kShortAnswerSuffix;
    answer = qa->answer;
  } else if (roll < (diverse ? 42 : 45)) {
    const bool present = rng->Chance(50);
    std::vector<int> pool;
    for (int c = 0; c < kShapeCount * kColorCount; ++c) {
      if (scene.HasCategory(c) == present) pool.push_back(c);
    }
    const ShortQa qa = MakeExistenceQa(rng->Pick(pool), present, variety, rng);
    kind = "existence";
    prompt = qa.question + kShortAnswerSuffix;
    answer = qa.answer;
  } else if (roll < (diverse ? 57 : 55)) {
    const bool knowledge = diverse && rng->Chance(15);
    std::optional<Choice> choice = knowledge ? MakeKnowledgeChoice(rng) : MakeImageChoice(scene, variety, rng);
    if (!choice) return std::nullopt;
    if (knowledge) image = -1;  // asked without an image, as ScienceQA's text-only problems are
    kind = "choice";
    prompt = RenderChoicePrompt(*choice);
    answer = std::string(1, static_cast<char>('A' + choice->answer));
  } else if (roll < (diverse ? 65 : 65)) {
    kind = "caption";
    prompt = CaptionPrompt(variety, rng);
    answer = MakeCaption(scene, variety, rng);
  } else if (roll < (diverse ? 73 : 75)) {
    kind = "detail";
    prompt = DetailPrompt(variety, rng);
    answer = DetailedDescription(scene);
  } else if (roll < (diverse ? 88 : 90)) {
    std::optional<Dialogue> d = MakeConversation(scene, variety, rng);
    if (!d) return std::nullopt;
    kind = "conversation";
    prompt = d->question;
    answer = d->answer;
  } else {
    std::optional<Dialogue> d = MakeReasoning(scene, variety, rng);
    if (!d) return std::nullopt;
    kind = "reasoning";
    prompt = d->question;
    answer = d->answer;
  }
  return Json{{"image", image}, {"kind", kind}, {"prompt", prompt}, {"answer", answer}};
}

}  // namespace

Status WriteTrainingSplit(const std::string& out_dir, const TrainingOptions& options) {
  const fs::path root(out_dir);
  Rng rng(options.seed);
  SceneOptions scene_options;
  std::string pixels;
  std::vector<Scene> scenes;
  for (int i = 0; i < options.scenes; ++i) {
    Scene scene = MakeScene(i, scene_options, &rng);
    const std::vector<uint8_t> rgb = JpegRoundTrip(scene.width, scene.height, RenderScene(scene), options.jpeg_quality);
    if (rgb.empty()) return Status::InvalidInput("JPEG round trip failed for training scene " + std::to_string(i));
    pixels.append(reinterpret_cast<const char*>(rgb.data()), rgb.size());
    scenes.push_back(std::move(scene));
  }
  SVIT_RETURN_IF_ERROR(WriteText(root / "pixels.u8", pixels));
  Json records = Json::array();
  for (const Scene& scene : scenes) records.push_back(SceneRecord(scene, ""));
  SVIT_RETURN_IF_ERROR(WriteJson(root / "scenes.json", {{"images", records}}));
  Rng baseline_rng(options.seed + 1), svit_rng(options.seed + 2);
  std::vector<Json> baseline, svit;
  for (int i = 0; i < options.baseline_scenes; ++i) {
    for (int k = 0; k < options.baseline_per_scene;) {
      if (auto item = MakeInstruction(scenes[i], i, 1, false, &baseline_rng)) baseline.push_back(*item), ++k;
    }
  }
  for (int i = 0; i < options.scenes; ++i) {
    for (int k = 0; k < options.svit_per_scene;) {
      if (auto item = MakeInstruction(scenes[i], i, 100, true, &svit_rng)) svit.push_back(*item), ++k;
    }
  }
  SVIT_RETURN_IF_ERROR(WriteJsonLines(root / "instructions_baseline.jsonl", baseline));
  SVIT_RETURN_IF_ERROR(WriteJsonLines(root / "instructions_svit.jsonl", svit));
  return WriteJson(root / "split.json", {{"scenes", options.scenes},
                                         {"width", scene_options.width},
                                         {"height", scene_options.height},
                                         {"pixels", "pixels.u8"},
                                         {"layout", "scene-major HWC uint8 RGB"}});
}

}  // namespace svit::demo

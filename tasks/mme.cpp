// MME: scored as the official eval_tool/calculation.py (the copy LLaVA's
// scripts/v1_5/eval/mme.sh runs), from either
//  --results: calculation.py's --results_dir, one <subtask>.txt per subtask
//    with lines image\tquestion\tGT\tprediction, two consecutive lines per
//    image; or
//  --benchmark + --predictions: the MME_Benchmark_release_version folder and
//    LLaVA answers (question_id "<subtask>/<image>"), matched to the ground
//    truth as playground/data/eval/MME/convert_answer_to_mme.py does.
// calculation.py pairs consecutive lines blindly; a file whose pairs are not
// the two questions of one image is refused rather than mis-scored.
//
// Restrict: calculation.py scores an image by its two questions, so the
// given questions are extended to both questions of their images (samples()
// lists the extension; Score says so in a note). The subset is scored as
// calculation.py scores results files holding only those images' lines; a
// subtask with no image left is left out (not scored 0), and so is an
// evaluation type (Perception, Cognition) with no subtask left.
#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/mme.h"
#include "metrics/python_format.h"
#include "metrics/python_text.h"
#include "tasks/all_tasks.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kShortAnswerSuffix = "Answer the question using a single word or phrase.";
constexpr std::string_view kYesNoSuffix = " Please answer yes or no.";

struct MmeQuestion {
  std::string category;
  std::string image;
  std::string question;
  mme::Answer truth = mme::Answer::kNo;
};

// One subtask: its images, each the indices of its two questions.
struct MmeSubtask {
  std::string name;
  std::vector<std::array<size_t, 2>> images;
};

// Python's text-mode readlines(): '\n', '\r\n' and '\r' end a line; the
// last line may lack an ending. Returns the lines without their endings.
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') ++start;
  }
  return lines;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t end = line.find('\t', start);
    if (end == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
}

bool ParseTruth(std::string_view text, mme::Answer* out) {
  std::string lower = py::Lower(text);
  if (lower != "yes" && lower != "no") return false;
  *out = lower == "yes" ? mme::Answer::kYes : mme::Answer::kNo;
  return true;
}

std::vector<std::string> AllSubtasks() {
  std::vector<std::string> all = mme::PerceptionTasks();
  for (const auto& name : mme::CognitionTasks()) all.push_back(name);
  return all;
}

std::vector<std::string> SortedEntries(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class MmeTask : public Task {
 public:
  MmeTask() {
    info_.name = "mme";
    info_.family = TaskFamily::kReasoning;
    info_.description = "MME perception and cognition (yes/no); official eval_tool/calculation.py";
    info_.options = {
        {"results",
         "calculation.py's --results_dir: <subtask>.txt for all 14 subtasks, lines "
         "image<TAB>question<TAB>GT<TAB>prediction, two consecutive lines per image",
         true, false, ""},
        {"benchmark",
         "MME_Benchmark_release_version folder (<subtask>/[images/, questions_answers_YN/] "
         "with <image>.txt question files); needs --predictions",
         true, false, ""},
    };
    info_.metrics = {"Perception_total", "Cognition_total", "tasks/<subtask>", "acc/<subtask>",
                     "acc_plus/<subtask>"};
    info_.predictions_format =
        "with --benchmark: LLaVA answer JSON-lines {question_id: \"<subtask>/<image>\", prompt, text}, "
        "matched as convert_answer_to_mme.py does; not used with --results";
    info_.predictions_optional = true;
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    questions_.clear();
    question_slot_.clear();
    image_paths_.clear();
    subtasks_.clear();
    samples_.clear();
    result_predictions_.clear();
    key_index_.clear();
    restrict_note_.clear();
    results_dir_ = config.Get("results");
    benchmark_dir_ = config.Get("benchmark");
    if (results_dir_.empty() == benchmark_dir_.empty()) {
      return Status::InvalidInput(
          "mme needs exactly one of --results (eval_tool results folder) or --benchmark "
          "(MME_Benchmark_release_version folder, with --predictions)");
    }
    for (const auto& name : AllSubtasks()) {
      subtasks_.push_back(MmeSubtask{name, {}});
      SVIT_RETURN_IF_ERROR(results_dir_.empty() ? LoadBenchmarkSubtask(&subtasks_.back())
                                                : LoadResultsSubtask(&subtasks_.back()));
    }
    for (size_t i = 0; i < questions_.size(); ++i) {
      const MmeQuestion& q = questions_[i];
      Sample s;
      s.id = SampleId(i);
      s.question = q.question;
      s.prompt = q.question + "\n" + std::string(kShortAnswerSuffix);
      s.images.push_back(ImageRef{image_paths_[i], ""});
      samples_.push_back(std::move(s));
    }
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    std::vector<size_t> selected;
    SVIT_RETURN_IF_ERROR(SelectSamples(samples_, ids, &selected));
    std::vector<bool> keep(questions_.size(), false);
    for (size_t i : selected) keep[i] = true;
    for (const MmeSubtask& subtask : subtasks_) {
      for (const auto& pair : subtask.images) keep[pair[0]] = keep[pair[1]] = keep[pair[0]] || keep[pair[1]];
    }
    std::vector<size_t> kept, new_index(questions_.size(), SIZE_MAX);
    for (size_t i = 0; i < questions_.size(); ++i) {
      if (!keep[i]) continue;
      new_index[i] = kept.size();
      kept.push_back(i);
    }
    for (MmeSubtask& subtask : subtasks_) {
      std::erase_if(subtask.images, [&](const auto& pair) { return !keep[pair[0]]; });
      for (auto& pair : subtask.images) pair = {new_index[pair[0]], new_index[pair[1]]};
    }
    std::erase_if(subtasks_, [](const MmeSubtask& subtask) { return subtask.images.empty(); });
    std::erase_if(key_index_, [&](const auto& entry) { return !keep[entry.second]; });
    for (auto& entry : key_index_) entry.second = new_index[entry.second];
    std::unordered_set<std::string> kept_ids;
    for (size_t i : kept) kept_ids.insert(samples_[i].id);
    std::erase_if(result_predictions_, [&](const Prediction& p) { return !kept_ids.count(p.id); });
    KeepPositions(kept, &questions_);
    KeepPositions(kept, &question_slot_);
    KeepPositions(kept, &image_paths_);
    KeepPositions(kept, &samples_);
    restrict_note_ = "restricted to " + std::to_string(kept.size() / 2) + " images in " +
                     std::to_string(subtasks_.size()) + " subtasks: the " + std::to_string(ids.size()) +
                     " questions asked for, extended to both questions of their images (" +
                     std::to_string(kept.size()) + " questions), as calculation.py scores image pairs";
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    if (!results_dir_.empty()) {
      if (!path.empty()) {
        return Status::InvalidInput(
            "--predictions is not used with --results (the results files hold "
            "the predictions); drop one of them");
      }
      *out = result_predictions_;
      return Status::OK();
    }
    if (path.empty()) {
      return Status::InvalidInput("mme with --benchmark needs --predictions (LLaVA answer JSON-lines)");
    }
    return ReadLlavaAnswers(path, out);
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    std::vector<const Prediction*> by_question(questions_.size(), nullptr);
    std::unordered_map<std::string, size_t> id_index;
    for (size_t i = 0; i < questions_.size(); ++i) id_index.emplace(samples_[i].id, i);
    for (const auto& p : predictions) {
      auto it = id_index.find(p.id);
      if (it == id_index.end()) return Status::InvalidInput("prediction for unknown MME question " + p.id);
      if (by_question[it->second]) return Status::InvalidInput("two predictions for MME question " + p.id);
      by_question[it->second] = &p;
    }
    std::vector<std::string> missing;
    for (size_t i = 0; i < questions_.size(); ++i) {
      if (!by_question[i]) missing.push_back(samples_[i].id);
    }
    if (!missing.empty()) {
      return Status::InvalidInput(std::to_string(missing.size()) + " of " +
                                  std::to_string(questions_.size()) +
                                  " MME questions have no prediction; calculation.py pairs the two "
                                  "answers of every image, so each question must be answered: " +
                                  FormatIdList(missing));
    }

    result->task = info_.name;
    result->per_sample.resize(questions_.size());
    std::map<std::string, mme::TaskScore> scores;
    for (const MmeSubtask& subtask : subtasks_) {
      std::vector<std::array<mme::Question, 2>> images;
      for (const auto& pair : subtask.images) {
        std::array<mme::Question, 2> image;
        for (size_t k = 0; k < 2; ++k) {
          size_t i = pair[k];
          const Prediction& p = *by_question[i];
          image[k] = ScoreQuestion(i, p, &result->per_sample[i], &result->counts);
        }
        images.push_back(image);
      }
      scores[subtask.name] = mme::ScoreTask(images);
    }
    result->counts.total = questions_.size();
    result->counts.answered = questions_.size() - result->counts.failed - result->counts.unparseable;

    nlohmann::json tasks = nlohmann::json::object(), acc = nlohmann::json::object(),
                   acc_plus = nlohmann::json::object();
    std::string output;
    for (const auto& [eval_type, names] :
         {std::pair{"Perception", &mme::PerceptionTasks()}, std::pair{"Cognition", &mme::CognitionTasks()}}) {
      // calculation.py: scores = 0; scores += task_score, in print order.
      double total = 0;
      std::string lines;
      for (const auto& name : *names) {
        auto scored = scores.find(name);
        if (scored == scores.end()) continue;  // no image left after Restrict
        const mme::TaskScore& s = scored->second;
        total += s.score;
        tasks[name] = s.score;
        acc[name] = s.acc;
        acc_plus[name] = s.acc_plus;
        lines += "\t " + name + "  score: " + py::FloatRepr(s.score) + "\n";
      }
      if (lines.empty()) continue;
      result->metrics[std::string(eval_type) + "_total"] = total;
      output += std::string("=========== ") + eval_type + " ===========\n";
      output += "total score: " + py::FloatRepr(total) + " \n\n";
      output += lines + "\n\n";
    }
    result->metrics["tasks"] = tasks;
    result->metrics["acc"] = acc;
    result->metrics["acc_plus"] = acc_plus;
    // calculation.py prints unrounded floats: both views are the same numbers.
    result->metrics_unrounded = result->metrics;
    result->official_output = output;
    if (result->counts.unparseable > 0) {
      result->notes.push_back(std::to_string(result->counts.unparseable) +
                              " answers are neither yes nor no by calculation.py's rule and count as wrong");
    }
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are left out of acc, and their images out of acc_plus");
    }
    if (!restrict_note_.empty()) result->notes.push_back(restrict_note_);
    return Status::OK();
  }

 private:
  // "<subtask>/<image name up to its first '.'>#<1|2>": the same in both
  // modes, whether a results file names the image or (as LLaVA's converter
  // writes) its question file.
  std::string SampleId(size_t i) const {
    const MmeQuestion& q = questions_[i];
    return q.category + "/" + q.image.substr(0, q.image.find('.')) + "#" +
           std::to_string(question_slot_[i] + 1);
  }

  mme::Question ScoreQuestion(size_t i, const Prediction& p, SampleScore* s, ScoreCounts* counts) const {
    const MmeQuestion& q = questions_[i];
    mme::Question scored;
    scored.truth = q.truth;
    s->id = samples_[i].id;
    s->prediction = p.text;
    s->detail = {{"category", q.category}, {"image", q.image}, {"truth", mme::AnswerName(q.truth)}};
    if (p.failed) {
      scored.failed = true;
      s->status = SampleStatus::kFailed;
      ++counts->failed;
      return scored;
    }
    scored.predicted = mme::ParsePrediction(p.text);
    s->extracted = mme::AnswerName(scored.predicted);
    s->score = scored.predicted == q.truth ? 1.0 : 0.0;
    if (scored.predicted == mme::Answer::kOther) {
      s->status = SampleStatus::kUnparseable;
      ++counts->unparseable;
    }
    return scored;
  }

  size_t AddQuestion(MmeQuestion q, size_t slot, std::string image_path) {
    questions_.push_back(std::move(q));
    question_slot_.push_back(slot);
    image_paths_.push_back(std::move(image_path));
    return questions_.size() - 1;
  }

  // --results: <subtask>.txt as convert_answer_to_mme.py writes it.
  Status LoadResultsSubtask(MmeSubtask* subtask) {
    std::string path = (fs::path(results_dir_) / (subtask->name + ".txt")).string();
    std::string text;
    Status read = ReadFileToString(path, &text);
    if (!read.ok())
      return Status::InvalidInput(read.message() + "; calculation.py reads all 14 subtask files");
    std::vector<std::string_view> lines = SplitLines(text);
    if (lines.empty())
      return Status::InvalidInput(path + ": empty (calculation.py divides by its image count)");
    if (lines.size() % 2 != 0) {
      return Status::InvalidInput(path + ": " + std::to_string(lines.size()) +
                                  " lines, an odd count; calculation.py reads two consecutive lines per "
                                  "image (a blank or missing line shifts every pair after it)");
    }
    std::unordered_map<std::string, size_t> image_line;  // by name up to the first '.', as sample ids
    for (size_t k = 0; k < lines.size(); k += 2) {
      std::array<size_t, 2> pair;
      for (size_t j = 0; j < 2; ++j) {
        size_t line = k + j + 1;
        std::string where = path + ":" + std::to_string(line);
        std::vector<std::string_view> fields = SplitTabs(lines[k + j]);
        if (fields.size() != 4) {
          return Status::InvalidInput(where +
                                      ": expected 4 tab-separated fields (image, question, GT, "
                                      "prediction), found " +
                                      std::to_string(fields.size()));
        }
        MmeQuestion q{subtask->name, std::string(fields[0]), std::string(fields[1]), mme::Answer::kNo};
        if (!ParseTruth(fields[2], &q.truth)) {
          return Status::InvalidInput(where + ": field 3 (GT) must be Yes or No, got '" +
                                      std::string(fields[2]) + "'");
        }
        if (j == 1 && q.image != questions_[pair[0]].image) {
          return Status::InvalidInput(where + ": lines " + std::to_string(line - 1) + " and " +
                                      std::to_string(line) +
                                      " form one image pair for calculation.py "
                                      "but are for different images ('" +
                                      questions_[pair[0]].image + "', '" + q.image + "')");
        }
        if (j == 0) {
          auto [it, inserted] = image_line.emplace(q.image.substr(0, q.image.find('.')), line);
          if (!inserted) {
            return Status::InvalidInput(where + ": image '" + q.image + "' already has its pair on line " +
                                        std::to_string(it->second) +
                                        " (or shares its name up to the first '.' with that image); each "
                                        "image needs exactly two consecutive lines");
          }
        }
        std::string image_path = subtask->name + "/" + q.image;
        pair[j] = AddQuestion(std::move(q), j, std::move(image_path));
        Prediction p;
        p.id = SampleId(pair[j]);
        p.text.assign(fields[3]);
        p.line = line;
        result_predictions_.push_back(std::move(p));
      }
      subtask->images.push_back(pair);
    }
    return Status::OK();
  }

  // --benchmark: MME_Benchmark_release_version/<subtask>/, read as
  // convert_answer_to_mme.py's get_gt does.
  Status LoadBenchmarkSubtask(MmeSubtask* subtask) {
    fs::path dir = fs::path(benchmark_dir_) / subtask->name;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      return Status::InvalidInput(dir.string() + ": missing subtask folder (calculation.py scores all 14)");
    }
    fs::path image_dir = dir, qa_dir = dir;
    if (fs::exists(dir / "images", ec)) {
      image_dir = dir / "images";
      qa_dir = dir / "questions_answers_YN";
      if (!fs::is_directory(qa_dir, ec)) return Status::InvalidInput(qa_dir.string() + ": missing folder");
    }
    std::vector<std::string> image_files = SortedEntries(image_dir);
    for (const auto& file : SortedEntries(qa_dir)) {
      if (!file.ends_with(".txt")) continue;
      std::string stem = file.substr(0, file.size() - 4);
      // convert_answer_to_mme.py maps an image to <name up to its first '.'>.txt.
      auto image = std::find_if(image_files.begin(), image_files.end(), [&](const std::string& name) {
        return !name.ends_with(".txt") && name.substr(0, name.find('.')) == stem;
      });
      if (image == image_files.end()) {
        return Status::InvalidInput((qa_dir / file).string() + ": no image named " + stem + ".* in " +
                                    image_dir.string());
      }
      std::string path = (qa_dir / file).string();
      std::string text;
      SVIT_RETURN_IF_ERROR(ReadFileToString(path, &text));
      std::vector<std::string_view> lines = SplitLines(text);
      if (lines.size() != 2) {
        return Status::InvalidInput(path + ": " + std::to_string(lines.size()) +
                                    " lines; MME has two questions per image (calculation.py pairs them)");
      }
      std::array<size_t, 2> pair;
      std::string relative_image = fs::relative(image_dir / *image, benchmark_dir_, ec).string();
      for (size_t j = 0; j < 2; ++j) {
        std::string where = path + ":" + std::to_string(j + 1);
        std::vector<std::string_view> fields = SplitTabs(py::Strip(lines[j]));
        if (fields.size() != 2) {
          return Status::InvalidInput(where + ": expected question<TAB>answer, found " +
                                      std::to_string(fields.size()) + " tab-separated fields");
        }
        MmeQuestion q{subtask->name, *image, std::string(fields[0]), mme::Answer::kNo};
        if (!ParseTruth(fields[1], &q.truth)) {
          return Status::InvalidInput(where + ": answer must be Yes or No, got '" + std::string(fields[1]) +
                                      "'");
        }
        std::string key = subtask->name + "\t" + file + "\t" + q.question;
        pair[j] = AddQuestion(std::move(q), j, relative_image);
        if (!key_index_.emplace(key, pair[j]).second) {
          return Status::InvalidInput(where + ": the same question appears twice for this image");
        }
      }
      subtask->images.push_back(pair);
    }
    if (subtask->images.empty())
      return Status::InvalidInput(qa_dir.string() + ": no <image>.txt question files");
    return Status::OK();
  }

  // LLaVA answers, matched to questions as convert_answer_to_mme.py does;
  // each subtask's answers must come in image pairs, since the converter
  // keeps answer-file order and calculation.py pairs consecutive lines.
  Status ReadLlavaAnswers(const std::string& path, std::vector<Prediction>* out) const {
    out->clear();
    std::vector<size_t> answer_line(questions_.size(), 0);
    std::map<std::string, std::vector<size_t>> order;  // subtask -> questions in answer order
    SVIT_RETURN_IF_ERROR(ForEachJsonLine(path, [&](size_t line, JsonValue value) {
      Where where{path, line};
      JsonObject object;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
      std::string id;
      SVIT_RETURN_IF_ERROR(GetId(object, "question_id", where, &id));
      std::string_view prompt_view, text;
      SVIT_RETURN_IF_ERROR(GetString(object, "prompt", where, &prompt_view));
      SVIT_RETURN_IF_ERROR(GetString(object, "text", where, &text));
      size_t slash = id.find('/');
      if (slash == std::string::npos) {
        return Status::InvalidInput(where.ToString() + ": question_id '" + id +
                                    "' is not '<subtask>/<image file>'");
      }
      std::string category = id.substr(0, slash);
      std::string image = id.substr(id.rfind('/') + 1);
      std::string file = image.substr(0, image.find('.')) + ".txt";
      std::string prompt(prompt_view);
      size_t suffix = prompt.find(kShortAnswerSuffix);
      if (suffix != std::string::npos) {
        std::string removed;
        size_t start = 0;
        while (suffix != std::string::npos) {  // str.replace removes every occurrence
          removed += prompt.substr(start, suffix - start);
          start = suffix + kShortAnswerSuffix.size();
          suffix = prompt.find(kShortAnswerSuffix, start);
        }
        removed += prompt.substr(start);
        prompt = std::string(py::Strip(removed));
      }
      std::string key_prefix = category + "\t" + file + "\t";
      auto it = key_index_.end();
      if (prompt.find(kYesNoSuffix.substr(1)) == std::string::npos) {
        it = key_index_.find(key_prefix + prompt + std::string(kYesNoSuffix));
        if (it == key_index_.end())
          it = key_index_.find(key_prefix + prompt + " " + std::string(kYesNoSuffix));
      } else {
        it = key_index_.find(key_prefix + prompt);
      }
      if (it == key_index_.end()) {
        return Status::InvalidInput(where.ToString() + ": no question of " + benchmark_dir_ + "/" + category +
                                    " file " + file + " matches question_id '" + id + "' with prompt '" +
                                    prompt + "' (convert_answer_to_mme.py would fail on it)");
      }
      size_t index = it->second;
      if (answer_line[index]) {
        return Status::InvalidInput(where.ToString() + ": second answer for question " + SampleId(index) +
                                    " (first on line " + std::to_string(answer_line[index]) + ")");
      }
      answer_line[index] = line;
      order[category].push_back(index);
      Prediction p;
      p.id = SampleId(index);
      p.text.assign(text);
      p.prompt.assign(prompt_view);
      p.line = line;
      out->push_back(std::move(p));
      return Status::OK();
    }));
    std::vector<std::string> missing;
    for (size_t i = 0; i < questions_.size(); ++i) {
      if (!answer_line[i]) missing.push_back(SampleId(i));
    }
    if (!missing.empty()) {
      return Status::InvalidInput(path + ": " + std::to_string(missing.size()) + " of " +
                                  std::to_string(questions_.size()) +
                                  " MME questions have no answer; calculation.py pairs the two answers "
                                  "of every image, so each question must be answered: " +
                                  FormatIdList(missing));
    }
    for (const auto& [category, indices] : order) {
      for (size_t k = 0; k + 1 < indices.size(); k += 2) {
        const MmeQuestion& a = questions_[indices[k]];
        const MmeQuestion& b = questions_[indices[k + 1]];
        if (a.image != b.image) {
          return Status::InvalidInput(
              path + ": lines " + std::to_string(answer_line[indices[k]]) + " and " +
              std::to_string(answer_line[indices[k + 1]]) + " are consecutive '" + category +
              "' answers for different images ('" + a.image + "', '" + b.image +
              "'); calculation.py would pair them as one image. Keep the two answers of each image together");
        }
      }
    }
    return Status::OK();
  }

  TaskInfo info_;
  std::string results_dir_, benchmark_dir_;
  std::vector<MmeQuestion> questions_;
  std::vector<size_t> question_slot_;     // 0 or 1: the question's place in its image pair
  std::vector<std::string> image_paths_;  // relative to --benchmark (or --results) folder
  std::vector<MmeSubtask> subtasks_;
  std::vector<Sample> samples_;
  std::vector<Prediction> result_predictions_;         // --results: the prediction column
  std::unordered_map<std::string, size_t> key_index_;  // "subtask\tfile\tquestion" -> question
  std::string restrict_note_;                          // set by Restrict
};

}  // namespace

std::unique_ptr<Task> MakeMmeTask() { return std::make_unique<MmeTask>(); }

}  // namespace svit

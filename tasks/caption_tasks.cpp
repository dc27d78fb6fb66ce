// Captioning benchmarks scored as the official COCO caption evaluation
// (pycocoevalcap COCOEvalCap.evaluate: PTB tokenizer, then BLEU-1..4,
// ROUGE-L, CIDEr-D; METEOR and SPICE are not provided, see docs/captions.md).
// coco-caption, nocaps and flickr30k share one implementation: references
// come from a COCO-format caption file ({images, annotations}) or from a
// Karpathy split file (dataset_*.json) and one split of it; predictions are a
// COCO results list [{image_id, caption}].
#include <cstdio>
#include <charconv>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/json_file.h"
#include "metrics/caption_metrics.h"
#include "metrics/ptb_tokenizer.h"
#include "metrics/python_text.h"
#include "tasks/all_tasks.h"
#include "tasks/prediction_files.h"

namespace svit {
namespace {

constexpr char kDefaultPrompt[] = "Provide a one-sentence caption for the provided image.";
const char* const kMetricNames[] = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"};

struct CaptionImage {
  std::string id;
  std::vector<std::string> references;  // raw, in file order
};

int Threads() { return std::max(1u, std::thread::hardware_concurrency()); }

// Python repr of a float (shortest round trip, ".0" on integral values).
std::string PyRepr(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, end);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

std::string Format3(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%0.3f", value);
  return buffer;
}

// A caption must be non-empty valid UTF-8; `what` names the record.
Status CheckCaption(std::string_view caption, const std::string& what) {
  if (!py::IsValidUtf8(caption)) return Status::InvalidInput(what + ": caption is not valid UTF-8");
  if (py::Strip(caption).empty()) {
    return Status::InvalidInput(what + ": caption is empty (the official evaluation would score "
                                       "it as a caption with no words; fix the file)");
  }
  return Status::OK();
}

class CaptionTask : public Task {
 public:
  CaptionTask(std::string name, std::string description, std::string annotations_file,
              std::string karpathy_file) {
    info_.name = std::move(name);
    info_.family = TaskFamily::kCaption;
    info_.description = std::move(description);
    info_.options = {
        {"annotations", "COCO-format captions " + annotations_file + " ({images, annotations})",
         true, false, ""},
        {"karpathy", "Karpathy-format split file " + karpathy_file + " (instead of --annotations)", true,
         false, ""},
        {"split", "Karpathy split to evaluate (images whose 'split' is this)", false, false, "test"},
        {"prompt", "instruction sent with each image when running a model", false, false,
         kDefaultPrompt},
    };
    info_.metrics.assign(std::begin(kMetricNames), std::end(kMetricNames));
    info_.predictions_format = "COCO results list [{image_id, caption}], one caption per image";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    images_.clear();
    index_.clear();
    samples_.clear();
    prompt_ = config.Has("prompt") ? config.Get("prompt") : kDefaultPrompt;
    bool coco = config.Has("annotations"), karpathy = config.Has("karpathy");
    if (coco == karpathy) {
      return Status::InvalidInput("task " + info_.name +
                                  " needs exactly one of --annotations (COCO captions file) or "
                                  "--karpathy (Karpathy dataset_*.json)");
    }
    if (coco) {
      SVIT_RETURN_IF_ERROR(LoadCoco(config.Get("annotations")));
    } else {
      SVIT_RETURN_IF_ERROR(LoadKarpathy(config.Get("karpathy"), config.Has("split") ? config.Get("split") : "test"));
    }
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    AnswerFileFormat format;
    format.id_key = "image_id";
    format.text_key = "caption";
    format.list_id_key = "image_id";
    format.list_text_key = "caption";
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, format, out));
    for (const Prediction& p : *out) {
      SVIT_RETURN_IF_ERROR(CheckCaption(p.text, path + ": results[" + std::to_string(p.line) +
                                                    "] (image_id " + p.id + ")"));
    }
    return CheckSameImages(*out, path);
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    SVIT_RETURN_IF_ERROR(CheckSameImages(predictions, "predictions"));
    std::vector<const Prediction*> by_image(images_.size(), nullptr);
    std::vector<std::string> failed;
    for (const Prediction& p : predictions) {
      by_image[index_.at(p.id)] = &p;
      if (p.failed) failed.push_back(p.id);
    }
    if (!failed.empty()) {
      return Status::InvalidInput(std::to_string(failed.size()) +
                                  " image(s) have no caption (failed requests); the official "
                                  "evaluation scores every image of the set together: " +
                                  FormatIdList(failed));
    }

    // Two tokenizer batches, as pycocoevalcap runs them: references, then candidates.
    std::vector<std::string_view> raw_refs, raw_candidates;
    for (size_t i = 0; i < images_.size(); ++i) {
      for (const std::string& r : images_[i].references) raw_refs.push_back(r);
      raw_candidates.push_back(by_image[i]->text);
    }
    const int threads = Threads();
    std::vector<std::string> tok_refs = ptb::TokenizeCaptions(raw_refs, threads);
    std::vector<std::string> tok_candidates = ptb::TokenizeCaptions(raw_candidates, threads);
    std::vector<caption::CaptionPair> pairs(images_.size());
    size_t next_ref = 0;
    for (size_t i = 0; i < images_.size(); ++i) {
      pairs[i].candidate = std::move(tok_candidates[i]);
      for (size_t k = 0; k < images_[i].references.size(); ++k) {
        pairs[i].references.push_back(std::move(tok_refs[next_ref++]));
      }
    }
    caption::CaptionScores scores = caption::ScoreCaptions(pairs, threads);

    result->task = info_.name;
    const double corpus[6] = {scores.bleu[0], scores.bleu[1], scores.bleu[2],
                              scores.bleu[3], scores.rouge_l, scores.cider};
    for (int m = 0; m < 6; ++m) {
      result->metrics[kMetricNames[m]] = corpus[m];  // pycocoevalcap does not round
      result->metrics_unrounded[kMetricNames[m]] = corpus[m];
    }
    result->per_sample.resize(images_.size());
    for (size_t i = 0; i < images_.size(); ++i) {
      SampleScore& s = result->per_sample[i];
      s.id = images_[i].id;
      s.prediction = by_image[i]->text;
      s.extracted = pairs[i].candidate;
      s.score = scores.cider_per_image[i];
      const double values[6] = {scores.bleu_per_image[i][0], scores.bleu_per_image[i][1],
                                scores.bleu_per_image[i][2], scores.bleu_per_image[i][3],
                                scores.rouge_l_per_image[i], scores.cider_per_image[i]};
      s.detail = nlohmann::json::object();
      for (int m = 0; m < 6; ++m) s.detail[kMetricNames[m]] = values[m];
      s.detail["tokenized_candidate"] = pairs[i].candidate;
    }
    result->counts.total = images_.size();
    result->counts.answered = images_.size();
    result->official_output = OfficialOutput(scores);
    result->notes.push_back(
        "METEOR and SPICE are not computed: their official jars and data are not available, "
        "and no approximation is reported under their names (docs/captions.md)");
    result->notes.push_back(
        "per-sample score is CIDEr-D; CIDEr-D depends on the whole evaluated image set");
    return Status::OK();
  }

 private:
  static std::string OfficialOutput(const caption::CaptionScores& s) {
    const caption::BleuStats& b = s.bleu_stats;
    auto list = [](const std::array<long long, 4>& v) {
      return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " +
             std::to_string(v[2]) + ", " + std::to_string(v[3]) + "]";
    };
    std::string text = "computing Bleu score...\n";
    text += "{'testlen': " + std::to_string(b.testlen) + ", 'reflen': " + std::to_string(b.reflen) +
            ", 'guess': " + list(b.guess) + ", 'correct': " + list(b.correct) + "}\n";
    text += "ratio: " + PyRepr(b.ratio) + "\n";
    for (int k = 0; k < 4; ++k) text += std::string(kMetricNames[k]) + ": " + Format3(s.bleu[k]) + "\n";
    text += "computing Rouge score...\nROUGE_L: " + Format3(s.rouge_l) + "\n";
    text += "computing CIDEr score...\nCIDEr: " + Format3(s.cider) + "\n";
    return text;
  }

  // The official scorers assert that results and references cover the same
  // images; say which differ.
  Status CheckSameImages(const std::vector<Prediction>& predictions, const std::string& path) const {
    std::vector<std::string> unknown, missing;
    std::unordered_set<std::string_view> predicted;
    for (const Prediction& p : predictions) {
      if (!predicted.insert(p.id).second) {
        return Status::InvalidInput(path + ": several captions for image " + p.id +
                                    " (the official scorers take exactly one per image)");
      }
      if (!index_.count(p.id)) unknown.push_back(p.id);
    }
    for (const CaptionImage& image : images_) {
      if (!predicted.count(image.id)) missing.push_back(image.id);
    }
    if (unknown.empty() && missing.empty()) return Status::OK();
    std::string message = path + ": predictions and references must cover the same images "
                                 "(pycocoevalcap asserts equal image sets): " +
                          std::to_string(predicted.size()) + " predicted, " +
                          std::to_string(images_.size()) + " in the references";
    if (!unknown.empty()) {
      message += "; " + std::to_string(unknown.size()) + " predicted image(s) not in the references: " +
                 FormatIdList(unknown);
    }
    if (!missing.empty()) {
      message += "; " + std::to_string(missing.size()) + " reference image(s) without a prediction: " +
                 FormatIdList(missing);
    }
    return Status::InvalidInput(message);
  }

  Status AddImage(std::string id, std::string file, const Where& where) {
    if (!index_.emplace(id, images_.size()).second) {
      return Status::InvalidInput(where.ToString() + ": duplicate image id " + id);
    }
    Sample s;
    s.id = id;
    s.prompt = prompt_;
    s.images.push_back(ImageRef{std::move(file), ""});
    samples_.push_back(std::move(s));
    images_.push_back(CaptionImage{std::move(id), {}});
    return Status::OK();
  }

  Status CheckEveryImageHasReferences(const std::string& path) const {
    std::vector<std::string> bare;
    for (const CaptionImage& image : images_) {
      if (image.references.empty()) bare.push_back(image.id);
    }
    if (bare.empty()) return Status::OK();
    return Status::InvalidInput(path + ": " + std::to_string(bare.size()) +
                                " image(s) have no reference caption (the official scorers need "
                                "at least one): " + FormatIdList(bare));
  }

  Status LoadCoco(const std::string& path) {
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    JsonArray images, annotations;
    SVIT_RETURN_IF_ERROR(GetArray(root, "images", Where{path}, &images));
    SVIT_RETURN_IF_ERROR(GetArray(root, "annotations", Where{path}, &annotations));
    size_t index = 0;
    for (JsonValue value : images) {
      Where where{path, 0, "images", index++};
      JsonObject image;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &image));
      std::string id;
      SVIT_RETURN_IF_ERROR(GetId(image, "id", where, &id));
      std::string_view file;
      SVIT_RETURN_IF_ERROR(GetString(image, "file_name", where, &file));
      SVIT_RETURN_IF_ERROR(AddImage(std::move(id), std::string(file), where));
    }
    index = 0;
    for (JsonValue value : annotations) {
      Where where{path, 0, "annotations", index++};
      JsonObject annotation;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &annotation));
      std::string id;
      SVIT_RETURN_IF_ERROR(GetId(annotation, "image_id", where, &id));
      std::string_view caption;
      SVIT_RETURN_IF_ERROR(GetString(annotation, "caption", where, &caption));
      SVIT_RETURN_IF_ERROR(CheckCaption(caption, where.ToString()));
      auto it = index_.find(id);
      if (it == index_.end()) {
        return Status::InvalidInput(where.ToString() + ": caption for image id " + id +
                                    ", which is not in 'images'");
      }
      images_[it->second].references.emplace_back(caption);
    }
    if (images_.empty()) return Status::InvalidInput(path + ": no images");
    return CheckEveryImageHasReferences(path);
  }

  // Karpathy's dataset_{coco,flickr8k,flickr30k}.json: images[] with split,
  // filepath/filename, sentences[].raw and, for COCO, cocoid.
  Status LoadKarpathy(const std::string& path, const std::string& split) {
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    JsonArray images;
    SVIT_RETURN_IF_ERROR(GetArray(root, "images", Where{path}, &images));
    size_t index = 0;
    for (JsonValue value : images) {
      Where where{path, 0, "images", index++};
      JsonObject image;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &image));
      std::string_view image_split, filename, filepath;
      SVIT_RETURN_IF_ERROR(GetString(image, "split", where, &image_split));
      if (image_split != split) continue;
      SVIT_RETURN_IF_ERROR(GetString(image, "filename", where, &filename));
      std::string file(filename);
      if (HasField(image, "filepath")) {
        SVIT_RETURN_IF_ERROR(GetString(image, "filepath", where, &filepath));
        if (!filepath.empty()) file = std::string(filepath) + "/" + file;
      }
      std::string id;
      SVIT_RETURN_IF_ERROR(KarpathyImageId(image, filename, where, &id));
      SVIT_RETURN_IF_ERROR(AddImage(id, std::move(file), where));
      JsonArray sentences;
      SVIT_RETURN_IF_ERROR(GetArray(image, "sentences", where, &sentences));
      size_t k = 0;
      const std::string sentences_name = "images[" + std::to_string(where.index) + "].sentences";
      for (JsonValue sentence_value : sentences) {
        Where sentence_where{path, 0, sentences_name, k++};
        JsonObject sentence;
        SVIT_RETURN_IF_ERROR(GetObject(sentence_value, sentence_where, &sentence));
        std::string_view raw;
        SVIT_RETURN_IF_ERROR(GetString(sentence, "raw", sentence_where, &raw));
        SVIT_RETURN_IF_ERROR(CheckCaption(raw, sentence_where.ToString()));
        images_.back().references.emplace_back(raw);
      }
    }
    if (images_.empty()) {
      return Status::InvalidInput(path + ": no image has split '" + split + "'");
    }
    return CheckEveryImageHasReferences(path);
  }

  // COCO images keep their COCO id (cocoid); Flickr images are known by the
  // number in their file name (1000092795.jpg -> 1000092795); otherwise imgid.
  static Status KarpathyImageId(JsonObject image, std::string_view filename, const Where& where,
                                std::string* id) {
    if (HasField(image, "cocoid")) return GetId(image, "cocoid", where, id);
    std::string_view stem = filename.substr(0, filename.find('.'));
    if (!stem.empty() && stem.find_first_not_of("0123456789") == std::string_view::npos) {
      id->assign(stem);
      return Status::OK();
    }
    return GetId(image, "imgid", where, id);
  }

  TaskInfo info_;
  std::string prompt_ = kDefaultPrompt;
  std::vector<CaptionImage> images_;  // evaluation order (file order)
  std::unordered_map<std::string, size_t> index_;
  std::vector<Sample> samples_;
};

}  // namespace

std::unique_ptr<Task> MakeCocoCaptionTask() {
  return std::make_unique<CaptionTask>(
      "coco-caption", "COCO Captions (e.g. Karpathy test); pycocoevalcap BLEU/ROUGE-L/CIDEr-D",
      "captions_<split>.json", "dataset_coco.json");
}

std::unique_ptr<Task> MakeNocapsTask() {
  return std::make_unique<CaptionTask>(
      "nocaps", "NoCaps captioning; pycocoevalcap BLEU/ROUGE-L/CIDEr-D",
      "nocaps_<split>_4500_captions.json", "dataset_nocaps.json");
}

std::unique_ptr<Task> MakeFlickr30kTask() {
  return std::make_unique<CaptionTask>(
      "flickr30k", "Flickr30k captioning (Karpathy test); pycocoevalcap BLEU/ROUGE-L/CIDEr-D",
      "flickr30k captions in COCO format", "dataset_flickr30k.json");
}

}  // namespace svit

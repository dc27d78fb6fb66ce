// Captioning benchmarks scored as the official COCO caption evaluation
// (pycocoevalcap COCOEvalCap.evaluate: PTB tokenizer, then BLEU-1..4,
// ROUGE-L, CIDEr-D; METEOR and SPICE are not provided, see docs/captions.md).
// coco-caption, nocaps and flickr30k share one implementation: references
// come from a COCO-format caption file ({images, annotations}) or from a
// Karpathy split file (dataset_*.json) and one split of it; predictions are a
// COCO results list [{image_id, caption}].
//
// Restrict: COCOEvalCap evaluates the images of the results it is given
// (params['image_id'] = cocoRes.getImgIds()) against only their references,
// so a subset is scored with the kept images' references alone: CIDEr-D's
// document frequencies and BLEU's corpus counts come from those images.
#include <cstdio>
#include <filesystem>
#include <charconv>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/json_stream.h"
#include "core/string_table.h"
#include "tasks/json_records.h"
#include "metrics/caption_metrics.h"
#include "metrics/ptb_tokenizer.h"
#include "metrics/python_text.h"
#include "tasks/all_tasks.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

using Token = JsonStream::Token;

constexpr char kDefaultPrompt[] = "Provide a one-sentence caption for the provided image.";
const char* const kMetricNames[] = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"};
constexpr char kEmptyCaption[] =
    "caption is empty (the official evaluation would score it as a caption with no words; fix the file)";

struct CaptionImage {
  std::string id;
  size_t first_reference = 0;  // its references are by_image_[first_reference, +references)
  size_t references = 0;
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

// A caption must have a character that is not white space (Python's
// str.strip() would leave something). Invalid UTF-8 never gets this far:
// the JSON readers reject it.
bool HasWords(std::string_view caption) {
  size_t pos = 0;
  while (pos < caption.size()) {
    if (!py::IsSpace(py::NextCodePoint(caption, &pos))) return true;
  }
  return false;
}

Status Missing(JsonStream& s, const char* field) { return s.Error(std::string("missing field '") + field + "'"); }

// An optional id (integer or string; null counts as absent).
Status ReadOptionalId(JsonStream& s, const char* field, std::string* out, bool* present) {
  Token token;
  SVIT_RETURN_IF_ERROR(s.Next(&token));
  *present = token != Token::kNull;
  if (!*present) return Status::OK();
  int64_t number;
  std::string_view text = s.text();
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  bool integer = token == Token::kNumber && ec == std::errc() && end == text.data() + text.size();
  if (token != Token::kString && !integer) {
    return s.Error(std::string("field '") + field + "' must be an integer or a string");
  }
  out->assign(text);
  return Status::OK();
}

// An optional string (null counts as absent, i.e. empty).
Status ReadOptionalString(JsonStream& s, const char* field, std::string* out) {
  Token token;
  SVIT_RETURN_IF_ERROR(s.Next(&token));
  if (token == Token::kNull) return Status::OK();
  if (token != Token::kString) return s.Error(std::string("field '") + field + "' must be a string");
  out->assign(s.text());
  return Status::OK();
}

// Id lookup by string_view without building a std::string per lookup.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

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
    image_files_.Clear();
    {
      std::lock_guard<std::mutex> lock(samples_mutex_);
      samples_.clear();
      samples_built_ = false;
    }
    captions_.Clear();
    by_image_.clear();
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

  // Built on first use: scoring never needs them.
  const std::vector<Sample>& samples() const override {
    std::lock_guard<std::mutex> lock(samples_mutex_);
    if (!samples_built_) {
      samples_.reserve(images_.size());
      for (size_t i = 0; i < images_.size(); ++i) {
        Sample sample;
        sample.id = images_[i].id;
        sample.prompt = prompt_;
        sample.images.push_back(ImageRef{std::string(image_files_[i]), ""});
        samples_.push_back(std::move(sample));
      }
      samples_built_ = true;
    }
    return samples_;
  }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    std::vector<size_t> kept;
    SVIT_RETURN_IF_ERROR(SelectSamples(samples(), ids, &kept));
    StringTable kept_files;
    for (size_t i : kept) kept_files.Add(image_files_[i]);
    image_files_ = std::move(kept_files);
    KeepPositions(kept, &images_);  // each keeps its references in by_image_
    index_.clear();
    for (size_t i = 0; i < images_.size(); ++i) index_.emplace(images_[i].id, i);
    std::lock_guard<std::mutex> lock(samples_mutex_);
    KeepPositions(kept, &samples_);
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    AnswerFileFormat format;
    format.id_key = "image_id";
    format.text_key = "caption";
    format.list_id_key = "image_id";
    format.list_text_key = "caption";
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, format, out));
    for (const Prediction& p : *out) {
      if (!HasWords(p.text)) {
        return Status::InvalidInput(path + ": results[" + std::to_string(p.line) + "] (image_id " + p.id +
                                    "): " + kEmptyCaption);
      }
    }
    std::vector<const Prediction*> by_image;
    return AlignToImages(*out, path, &by_image);
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    std::vector<const Prediction*> by_image;
    SVIT_RETURN_IF_ERROR(AlignToImages(predictions, "predictions", &by_image));
    std::vector<std::string> failed;
    for (const Prediction& p : predictions) {
      if (p.failed) failed.push_back(p.id);
    }
    if (!failed.empty()) {
      return Status::InvalidInput(std::to_string(failed.size()) +
                                  " image(s) have no caption (failed requests); the official "
                                  "evaluation scores every image of the set together: " +
                                  FormatIdList(failed));
    }

    const int threads = Threads();
    std::vector<caption::CaptionPair> pairs = Tokenize(by_image, threads);
    caption::CaptionScores scores = caption::ScoreCaptions(pairs, threads);
    for (caption::CaptionPair& pair : pairs) {  // not reported: free them before the records are built
      std::vector<std::string>().swap(pair.references);
    }

    result->task = info_.name;
    const double corpus[6] = {scores.bleu[0], scores.bleu[1], scores.bleu[2],
                              scores.bleu[3], scores.rouge_l, scores.cider};
    for (int m = 0; m < 6; ++m) {
      result->metrics[kMetricNames[m]] = corpus[m];  // pycocoevalcap does not round
      result->metrics_unrounded[kMetricNames[m]] = corpus[m];
    }
    result->per_sample.resize(images_.size());
    auto fill_records = [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
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
        s.detail["tokenized_candidate"] = std::move(pairs[i].candidate);
      }
    };
    // Records of a large set take a while to build (a JSON object each): two halves at once.
    const size_t half = images_.size() / 2;
    std::thread second_half(fill_records, half, images_.size());
    fill_records(0, half);
    second_half.join();
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
  // The tokenized caption pairs of every image: two tokenizer batches, as
  // pycocoevalcap runs them (references, then candidates).
  std::vector<caption::CaptionPair> Tokenize(const std::vector<const Prediction*>& by_image, int threads) const {
    std::vector<std::string> refs, candidates;
    {
      std::vector<std::string_view> raw_refs, raw_candidates;
      raw_refs.reserve(by_image_.size());
      raw_candidates.reserve(images_.size());
      for (size_t i = 0; i < images_.size(); ++i) {
        for (size_t k = 0; k < images_[i].references; ++k) {
          raw_refs.push_back(captions_[by_image_[images_[i].first_reference + k]]);
        }
        raw_candidates.push_back(by_image[i]->text);
      }
      refs = ptb::TokenizeCaptions(raw_refs, threads);
      candidates = ptb::TokenizeCaptions(raw_candidates, threads);
    }
    std::vector<caption::CaptionPair> pairs(images_.size());
    size_t next_ref = 0;
    for (size_t i = 0; i < images_.size(); ++i) {
      pairs[i].candidate = std::move(candidates[i]);
      pairs[i].references.reserve(images_[i].references);
      for (size_t k = 0; k < images_[i].references; ++k) {
        pairs[i].references.push_back(std::move(refs[next_ref++]));
      }
    }
    return pairs;
  }

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
  // images, one caption each: places each prediction at its image or says
  // which images differ.
  Status AlignToImages(const std::vector<Prediction>& predictions, const std::string& path,
                       std::vector<const Prediction*>* by_image) const {
    by_image->assign(images_.size(), nullptr);
    std::vector<std::string> unknown, missing;
    std::unordered_set<std::string_view> unknown_seen;
    for (const Prediction& p : predictions) {
      auto it = index_.find(p.id);
      bool repeated;
      if (it == index_.end()) {
        repeated = !unknown_seen.insert(p.id).second;
        if (!repeated) unknown.push_back(p.id);
      } else {
        const Prediction*& slot = (*by_image)[it->second];
        repeated = slot != nullptr;
        slot = &p;
      }
      if (repeated) {
        return Status::InvalidInput(path + ": several captions for image " + p.id +
                                    " (the official scorers take exactly one per image)");
      }
    }
    const size_t predicted = predictions.size();
    for (size_t i = 0; i < images_.size(); ++i) {
      if (!(*by_image)[i]) missing.push_back(images_[i].id);
    }
    if (unknown.empty() && missing.empty()) return Status::OK();
    std::string message = path + ": predictions and references must cover the same images "
                                 "(pycocoevalcap asserts equal image sets): " +
                          std::to_string(predicted) + " predicted, " +
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

  // Adds an image unless its id is taken; returns whether it did.
  bool AddImage(std::string id, std::string_view file) {
    if (!index_.emplace(id, images_.size()).second) return false;
    image_files_.Add(file);
    images_.push_back(CaptionImage{std::move(id)});
    return true;
  }

  Status CheckEveryImageHasReferences(const std::string& path) const {
    std::vector<std::string> bare;
    for (const CaptionImage& image : images_) {
      if (image.references == 0) bare.push_back(image.id);
    }
    if (bare.empty()) return Status::OK();
    return Status::InvalidInput(path + ": " + std::to_string(bare.size()) +
                                " image(s) have no reference caption (the official scorers need "
                                "at least one): " + FormatIdList(bare));
  }

  // Reads the fields of the object the stream is in, calling field(key) on
  // each; `field` reads or skips the value.
  template <typename Field>
  static Status ForEachField(JsonStream& s, Field field) {
    for (;;) {
      std::string_view key;
      bool done;
      SVIT_RETURN_IF_ERROR(s.NextKey(&key, &done));
      if (done) return Status::OK();
      SVIT_RETURN_IF_ERROR(field(key));
    }
  }

  // A COCO captions file ({"images": [{id, file_name}], "annotations":
  // [{image_id, caption}], ...}; captions_val2014.json is 20 MB, the train
  // file 65 MB) is streamed, the annotations on two cores (json_records.h).
  // The captions are grouped by image (in file order) once both arrays are
  // read, whichever comes first.
  struct CocoFile {  // in file order; one half of it while parsed on two cores
    bool has_images = false;
    StringTable image_ids, image_files;
    StringTable caption_image_ids, captions;
  };

  Status LoadCoco(const std::string& path) {
    auto each_image = [](JsonStream& s, CocoFile* part, size_t) -> Status {
      std::string id;
      std::string_view file;
      bool has_id = false, has_file = false;
      SVIT_RETURN_IF_ERROR(ForEachField(s, [&](std::string_view field) -> Status {
        if (field == "id") {
          has_id = true;
          return s.ReadId("id", &id);
        }
        if (field != "file_name") return s.SkipNextValue();
        has_file = true;
        SVIT_RETURN_IF_ERROR(s.ReadString("file_name", &file));
        part->image_files.Add(file);  // the stream's text is only valid until its next token
        return Status::OK();
      }));
      if (!has_id) return Missing(s, "id");
      if (!has_file) return Missing(s, "file_name");
      part->image_ids.Add(id);
      return Status::OK();
    };
    auto each_annotation = [](JsonStream& s, CocoFile* part, size_t) -> Status {
      std::string id;
      std::string_view caption;
      bool has_id = false, has_caption = false;
      SVIT_RETURN_IF_ERROR(ForEachField(s, [&](std::string_view field) -> Status {
        if (field == "image_id") {
          has_id = true;
          return s.ReadId("image_id", &id);
        }
        if (field != "caption") return s.SkipNextValue();
        if (has_caption) return s.Error("repeated field 'caption'");
        has_caption = true;
        SVIT_RETURN_IF_ERROR(s.ReadString("caption", &caption));
        if (!HasWords(caption)) return s.Error(kEmptyCaption);
        part->captions.Add(caption);
        return Status::OK();
      }));
      if (!has_id) return Missing(s, "image_id");
      if (!has_caption) return Missing(s, "caption");
      part->caption_image_ids.Add(id);
      return Status::OK();
    };
    auto other = [&](JsonStream& s, CocoFile* part, const std::string& key) -> Status {
      if (key != "images") return s.SkipNextValue();
      part->has_images = true;
      SVIT_RETURN_IF_ERROR(s.ExpectBeginArray("images"));
      bool stopped;
      size_t index = 0;
      return ParseRecords(s, "images", part, each_image, 0, &stopped, &index);
    };
    auto merge = [](CocoFile* whole, CocoFile&& second) {
      whole->has_images |= second.has_images;
      whole->image_ids.Append(second.image_ids);
      whole->image_files.Append(second.image_files);
      whole->caption_image_ids.Append(second.caption_image_ids);
      whole->captions.Append(second.captions);
    };
    CocoFile file;
    // The captions take less than the file: reserving that much (address
    // space, not memory) spares copying them as the table grows.
    std::error_code ec;
    file.captions.Reserve(0, std::filesystem::file_size(path, ec));
    SVIT_RETURN_IF_ERROR(ParseTopObject(path, "annotations", "caption", &file, each_annotation, other, merge));
    if (!file.has_images) return Status::InvalidInput(path + ": missing top-level field 'images'");
    for (size_t i = 0; i < file.image_ids.size(); ++i) {
      if (!AddImage(std::string(file.image_ids[i]), file.image_files[i])) {
        return Status::InvalidInput(path + ": images[" + std::to_string(i) + "]: duplicate image id " +
                                    std::string(file.image_ids[i]));
      }
    }
    if (images_.empty()) return Status::InvalidInput(path + ": no images");

    std::vector<uint32_t> image_of(file.captions.size());
    for (size_t k = 0; k < file.captions.size(); ++k) {
      auto it = index_.find(file.caption_image_ids[k]);
      if (it == index_.end()) {
        return Status::InvalidInput(path + ": annotations[" + std::to_string(k) + "]: caption for image id " +
                                    std::string(file.caption_image_ids[k]) + ", which is not in 'images'");
      }
      image_of[k] = static_cast<uint32_t>(it->second);
      ++images_[it->second].references;
    }
    size_t next = 0;
    for (CaptionImage& image : images_) {
      image.first_reference = next;
      next += image.references;
    }
    by_image_.resize(file.captions.size());
    std::vector<size_t> filled(images_.size(), 0);
    for (size_t k = 0; k < file.captions.size(); ++k) {
      const CaptionImage& image = images_[image_of[k]];
      by_image_[image.first_reference + filled[image_of[k]]++] = static_cast<uint32_t>(k);
    }
    captions_ = std::move(file.captions);
    return CheckEveryImageHasReferences(path);
  }

  // Karpathy's dataset_{coco,flickr8k,flickr30k}.json (dataset_coco.json is
  // 140 MB, all splits): {"images": [{split, filepath, filename, cocoid,
  // imgid, sentences: [{raw, ...}]}]}, streamed on two cores. Only the
  // images of `split` are kept.
  struct KarpathyFile {  // the kept images in file order; one half of them while parsed on two cores
    StringTable ids, files;
    std::vector<uint32_t> sentence_counts;
    StringTable sentences;
  };

  Status LoadKarpathy(const std::string& path, const std::string& split) {
    // An image's fields come in any order, so its sentences wait in
    // `pending` until its split is known.
    auto each = [&split](JsonStream& s, KarpathyFile* part, size_t) -> Status {
      std::string image_split, filename, filepath, cocoid, imgid;
      bool has_split = false, has_filename = false, has_cocoid = false, has_imgid = false,
           has_sentences = false;
      StringTable pending;
      SVIT_RETURN_IF_ERROR(ForEachField(s, [&](std::string_view field) -> Status {
        std::string_view text;
        if (field == "split") {
          has_split = true;
          SVIT_RETURN_IF_ERROR(s.ReadString("split", &text));
          image_split.assign(text);
          return Status::OK();
        }
        if (field == "filename") {
          has_filename = true;
          SVIT_RETURN_IF_ERROR(s.ReadString("filename", &text));
          filename.assign(text);
          return Status::OK();
        }
        if (field == "filepath") return ReadOptionalString(s, "filepath", &filepath);
        if (field == "cocoid") return ReadOptionalId(s, "cocoid", &cocoid, &has_cocoid);
        if (field == "imgid") return ReadOptionalId(s, "imgid", &imgid, &has_imgid);
        if (field != "sentences") return s.SkipNextValue();
        has_sentences = true;
        SVIT_RETURN_IF_ERROR(s.ExpectBeginArray("field 'sentences'"));
        for (size_t k = 0;; ++k) {
          Token token;
          bool done;
          SVIT_RETURN_IF_ERROR(s.NextElement(&token, &done));
          if (done) return Status::OK();
          s.SetSubRecord("sentences", k);
          if (token != Token::kBeginObject) return s.Error("expected an object");
          bool has_raw = false;
          SVIT_RETURN_IF_ERROR(ForEachField(s, [&](std::string_view sentence_field) -> Status {
            if (sentence_field != "raw") return s.SkipNextValue();
            has_raw = true;
            SVIT_RETURN_IF_ERROR(s.ReadString("raw", &text));
            pending.Add(text);
            return Status::OK();
          }));
          if (!has_raw) return Missing(s, "raw");
        }
      }));
      if (!has_split) return Missing(s, "split");
      if (image_split != split) return Status::OK();
      if (!has_filename) return Missing(s, "filename");
      if (!has_sentences) return Missing(s, "sentences");
      for (size_t k = 0; k < pending.size(); ++k) {
        if (HasWords(pending[k])) continue;
        s.SetSubRecord("sentences", k);
        return s.Error(kEmptyCaption);
      }
      // COCO images keep their COCO id (cocoid); Flickr images are known by
      // the number in their file name (1000092795.jpg -> 1000092795);
      // otherwise imgid.
      std::string_view stem = std::string_view(filename).substr(0, filename.find('.'));
      if (has_cocoid) {
        part->ids.Add(cocoid);
      } else if (!stem.empty() && stem.find_first_not_of("0123456789") == std::string_view::npos) {
        part->ids.Add(stem);
      } else if (has_imgid) {
        part->ids.Add(imgid);
      } else {
        return Missing(s, "imgid");
      }
      part->files.Add(filepath.empty() ? filename : filepath + "/" + filename);
      part->sentence_counts.push_back(static_cast<uint32_t>(pending.size()));
      for (size_t k = 0; k < pending.size(); ++k) part->sentences.Add(pending[k]);
      return Status::OK();
    };
    auto other = [](JsonStream& s, KarpathyFile*, const std::string&) { return s.SkipNextValue(); };
    auto merge = [](KarpathyFile* whole, KarpathyFile&& second) {
      whole->ids.Append(second.ids);
      whole->files.Append(second.files);
      whole->sentence_counts.insert(whole->sentence_counts.end(), second.sentence_counts.begin(),
                                    second.sentence_counts.end());
      whole->sentences.Append(second.sentences);
    };
    KarpathyFile file;
    SVIT_RETURN_IF_ERROR(ParseTopObject(path, "images", "sentences", &file, each, other, merge));
    size_t next = 0;
    for (size_t i = 0; i < file.ids.size(); ++i) {
      if (!AddImage(std::string(file.ids[i]), file.files[i])) {
        return Status::InvalidInput(path + ": duplicate image id " + std::string(file.ids[i]) +
                                    " in split '" + split + "'");
      }
      images_.back().first_reference = next;
      images_.back().references = file.sentence_counts[i];
      next += file.sentence_counts[i];
    }
    if (images_.empty()) {
      return Status::InvalidInput(path + ": no image has split '" + split + "'");
    }
    by_image_.resize(file.sentences.size());
    for (size_t k = 0; k < by_image_.size(); ++k) by_image_[k] = static_cast<uint32_t>(k);
    captions_ = std::move(file.sentences);
    return CheckEveryImageHasReferences(path);
  }

  TaskInfo info_;
  std::string prompt_ = kDefaultPrompt;
  std::vector<CaptionImage> images_;  // evaluation order (file order)
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> index_;
  StringTable image_files_;          // of each image
  mutable std::mutex samples_mutex_;
  mutable bool samples_built_ = false;
  mutable std::vector<Sample> samples_;
  StringTable captions_;             // reference captions, in file order
  std::vector<uint32_t> by_image_;   // indices into captions_, grouped by image in evaluation order
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

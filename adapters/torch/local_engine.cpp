#include "adapters/torch/local_engine.h"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>

#include "adapters/torch/image.h"
#include "adapters/torch/tokenizer.h"

namespace svit::local {
namespace {

using Clock = std::chrono::steady_clock;

// A request turned into model inputs: pixels and the prompt's token ids.
struct Prepared {
  std::vector<float> pixels;  // 3 * size * size, CHW
  std::vector<int64_t> prompt_ids;
};

struct PendingGenerate {
  Prepared input;
  int max_new_tokens = 0;  // already bounded by max_total_tokens
  std::promise<GenerateResult> promise;
};

struct PendingRank {
  Prepared input;
  std::vector<std::vector<int64_t>> continuations;
  std::promise<RankResult> promise;
};

using Pending = std::variant<PendingGenerate, PendingRank>;

std::string Shape(const at::Tensor& t) {
  std::string out = "[";
  for (int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
  return out + "]";
}

template <typename T>
std::future<T> Ready(T value) {
  std::promise<T> promise;
  promise.set_value(std::move(value));
  return promise.get_future();
}

// Left-pads rows of token ids into [rows, width] ids and mask tensors.
void LeftPad(const std::vector<const std::vector<int64_t>*>& rows, int64_t pad, at::Tensor* ids, at::Tensor* mask) {
  size_t width = 0;
  for (const auto* row : rows) width = std::max(width, row->size());
  const int64_t n = static_cast<int64_t>(rows.size()), w = static_cast<int64_t>(width);
  *ids = torch::full({n, w}, pad, torch::kLong);
  *mask = torch::zeros({n, w}, torch::kLong);
  int64_t* id_data = ids->data_ptr<int64_t>();
  int64_t* mask_data = mask->data_ptr<int64_t>();
  for (int64_t r = 0; r < n; ++r) {
    const std::vector<int64_t>& row = *rows[r];
    const int64_t start = r * w + (w - static_cast<int64_t>(row.size()));
    std::copy(row.begin(), row.end(), id_data + start);
    std::fill_n(mask_data + start, row.size(), 1);
  }
}

}  // namespace

class LocalEngine::Impl {
 public:
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  Status Init(const std::string& model_dir, const EngineOptions& options) {
    options_ = options;
    options_.max_batch_size = std::max(1, options_.max_batch_size);
    SVIT_RETURN_IF_ERROR(LoadManifest(model_dir, &manifest_));
    if (manifest_.tokenizer_kind == TokenizerKind::kWordLevel) {
      SVIT_RETURN_IF_ERROR(LoadWordLevelTokenizer(manifest_.tokenizer_file, manifest_.unk_token, &tokenizer_));
    } else {
      SVIT_RETURN_IF_ERROR(LoadSentencePieceTokenizer(manifest_.tokenizer_file, &tokenizer_));
    }
    if (tokenizer_->vocab_size() > manifest_.vocab_size) {
      return Status::InvalidInput(manifest_.tokenizer_file + ": the tokenizer has " +
                                  std::to_string(tokenizer_->vocab_size()) + " tokens but the manifest's vocab_size is " +
                                  std::to_string(manifest_.vocab_size));
    }
    try {
      module_ = torch::jit::load(manifest_.model_file);
      module_.eval();
    } catch (const std::exception& e) {
      return Status::InvalidInput(manifest_.model_file + ": cannot load TorchScript module: " + FirstLine(e.what()));
    }
    if (!module_.find_method("encode_images")) {
      return Status::InvalidInput(manifest_.model_file +
                                  ": the module has no method encode_images (see docs/local-engine.md)");
    }
    if (options_.threads > 0) at::set_num_threads(options_.threads);
    SVIT_RETURN_IF_ERROR(Probe());
    worker_ = std::thread([this] { Work(); });
    return Status::OK();
  }

  const ModelManifest& manifest() const { return manifest_; }

  EngineStats stats() const {
    std::lock_guard<std::mutex> lock(stats_mu_);
    return stats_;
  }

  std::future<GenerateResult> SubmitGenerate(GenerateRequest request) {
    PendingGenerate pending;
    Status status = Prepare(request.image, request.prompt, &pending.input);
    if (!status.ok()) return Ready(GenerateResult{status});
    const int wanted = request.max_new_tokens > 0 ? request.max_new_tokens : manifest_.max_new_tokens;
    pending.max_new_tokens =
        std::min(wanted, manifest_.max_total_tokens - static_cast<int>(pending.input.prompt_ids.size()));
    auto future = pending.promise.get_future();
    Enqueue(std::move(pending));
    return future;
  }

  std::future<RankResult> SubmitRank(RankRequest request) {
    PendingRank pending;
    Status status = Prepare(request.image, request.prompt, &pending.input);
    if (status.ok() && request.continuations.empty()) status = Status::InvalidInput("rank request without continuations");
    // As lm-evaluation-harness: encode context + continuation together and
    // keep the tokens after the context's own encoding.
    const std::string context = RenderPrompt(manifest_, request.prompt);
    const size_t context_tokens = tokenizer_->Encode(context).size();
    for (size_t i = 0; status.ok() && i < request.continuations.size(); ++i) {
      std::vector<int64_t> whole = tokenizer_->Encode(context + request.continuations[i]);
      if (whole.size() <= context_tokens) {
        status = Status::InvalidInput("continuation " + std::to_string(i) + " ('" + request.continuations[i] +
                                      "') has no tokens of its own");
        break;
      }
      whole.erase(whole.begin(), whole.begin() + context_tokens);
      if (pending.input.prompt_ids.size() + whole.size() > static_cast<size_t>(manifest_.max_total_tokens)) {
        status = Status::InvalidInput("prompt and continuation " + std::to_string(i) + " exceed max_total_tokens (" +
                                      std::to_string(manifest_.max_total_tokens) + ")");
        break;
      }
      pending.continuations.push_back(std::move(whole));
    }
    if (!status.ok()) return Ready(RankResult{status});
    auto future = pending.promise.get_future();
    Enqueue(std::move(pending));
    return future;
  }

 private:
  static std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

  Status Prepare(const std::string& image_bytes, const std::string& prompt, Prepared* out) const {
    const ImageSpec& spec = manifest_.image;
    out->pixels.resize(3 * static_cast<size_t>(spec.size) * spec.size);
    if (image_bytes.empty()) {
      BlankImage(spec, out->pixels.data());
    } else {
      Image image;
      SVIT_RETURN_IF_ERROR(DecodeImage(image_bytes, &image));
      PreprocessImage(image, spec, out->pixels.data());
    }
    out->prompt_ids.clear();
    if (manifest_.bos_id >= 0) out->prompt_ids.push_back(manifest_.bos_id);
    const std::vector<int64_t> ids = tokenizer_->Encode(RenderPrompt(manifest_, prompt));
    out->prompt_ids.insert(out->prompt_ids.end(), ids.begin(), ids.end());
    if (out->prompt_ids.size() > static_cast<size_t>(manifest_.max_prompt_tokens)) {
      return Status::InvalidInput("prompt has " + std::to_string(out->prompt_ids.size()) +
                                  " tokens, the model takes at most " + std::to_string(manifest_.max_prompt_tokens));
    }
    return Status::OK();
  }

  template <typename T>
  void Enqueue(T pending) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back(std::move(pending));
    }
    cv_.notify_one();
  }

  // The worker: waits for requests, gathers a batch of one kind, runs it.
  void Work() {
    if (options_.threads > 0) {
      at::set_num_threads(options_.threads);
    } else {
      at::init_num_threads();
    }
    c10::InferenceMode inference;
    for (;;) {
      std::vector<Pending> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_ && queue_.empty()) return;
        // Gather until the batch is full or no request has arrived for
        // batch_wait_ms: a caller still submitting keeps the batch open.
        for (size_t seen = queue_.size(); !stopping_ && seen < static_cast<size_t>(options_.max_batch_size);) {
          cv_.wait_for(lock, std::chrono::milliseconds(options_.batch_wait_ms),
                       [&] { return stopping_ || queue_.size() != seen; });
          if (queue_.size() == seen) break;
          seen = queue_.size();
        }
        const size_t kind = queue_.front().index();
        for (auto it = queue_.begin(); it != queue_.end() && batch.size() < static_cast<size_t>(options_.max_batch_size);) {
          if (it->index() == kind) {
            batch.push_back(std::move(*it));
            it = queue_.erase(it);
          } else {
            ++it;
          }
        }
      }
      {
        std::lock_guard<std::mutex> lock(stats_mu_);
        stats_.batches += 1;
        stats_.requests += static_cast<int64_t>(batch.size());
      }
      if (std::holds_alternative<PendingGenerate>(batch.front())) {
        Answer<PendingGenerate, GenerateResult>(&batch, [this](std::vector<PendingGenerate>* items) {
          return RunGenerate(*items);
        });
      } else {
        Answer<PendingRank, RankResult>(&batch, [this](std::vector<PendingRank>* items) { return RunRank(*items); });
      }
    }
  }

  // Runs one batch and fulfils its promises. An exception from LibTorch
  // outside the module calls (which Call already turns into a Status) fails
  // the batch's requests instead of the worker.
  template <typename P, typename R, typename Run>
  void Answer(std::vector<Pending>* batch, Run run) {
    std::vector<P> items;
    for (Pending& p : *batch) items.push_back(std::move(std::get<P>(p)));
    std::vector<R> results;
    try {
      results = run(&items);
    } catch (const std::exception& e) {
      results.assign(items.size(), R{Status::RunFailed(std::string("local engine: ") + FirstLine(e.what()))});
    }
    for (size_t i = 0; i < items.size(); ++i) items[i].promise.set_value(std::move(results[i]));
  }

  // Calls the module, timing the call and checking the output's shape.
  Status Call(const char* method, std::vector<torch::jit::IValue> inputs, at::Tensor* out) {
    const auto start = Clock::now();
    torch::jit::IValue result;
    try {
      result = module_.get_method(method)(std::move(inputs));
    } catch (const std::exception& e) {
      return Status::InvalidInput(manifest_.model_file + ": " + method + " failed: " + FirstLine(e.what()));
    }
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.forward_calls += 1;
      stats_.forward_seconds += std::chrono::duration<double>(Clock::now() - start).count();
    }
    if (!result.isTensor()) {
      return Status::InvalidInput(manifest_.model_file + ": " + method + " must return a tensor, got " +
                                  result.tagKind());
    }
    *out = result.toTensor();
    return Status::OK();
  }

  Status EncodeImages(const at::Tensor& pixels, at::Tensor* features) {
    SVIT_RETURN_IF_ERROR(Call("encode_images", {pixels}, features));
    if (features->dim() != 3 || features->size(0) != pixels.size(0)) {
      return Status::InvalidInput(manifest_.model_file + ": encode_images returned shape " + Shape(*features) +
                                  ", expected [" + std::to_string(pixels.size(0)) + ", tokens, dim]");
    }
    return Status::OK();
  }

  Status Logits(const at::Tensor& features, const at::Tensor& ids, const at::Tensor& mask, at::Tensor* logits) {
    SVIT_RETURN_IF_ERROR(Call("forward", {features, ids, mask}, logits));
    if (logits->dim() != 3 || logits->size(0) != ids.size(0) || logits->size(1) != ids.size(1) ||
        logits->size(2) != manifest_.vocab_size) {
      return Status::InvalidInput(manifest_.model_file + ": forward returned logits of shape " + Shape(*logits) +
                                  ", expected [" + std::to_string(ids.size(0)) + ", " + std::to_string(ids.size(1)) +
                                  ", " + std::to_string(manifest_.vocab_size) + "] (batch, tokens, vocab_size)");
    }
    *logits = logits->to(torch::kFloat);
    return Status::OK();
  }

  at::Tensor Pixels(const std::vector<const Prepared*>& inputs) const {
    const int64_t size = manifest_.image.size;
    at::Tensor pixels = torch::empty({static_cast<int64_t>(inputs.size()), 3, size, size}, torch::kFloat);
    float* data = pixels.data_ptr<float>();
    for (const Prepared* input : inputs) data = std::copy(input->pixels.begin(), input->pixels.end(), data);
    return pixels;
  }

  // Runs the contract's two methods once on a blank image so that a module
  // with the wrong signature or output shapes is rejected at load time.
  Status Probe() {
    c10::InferenceMode inference;
    Prepared blank;
    blank.pixels.assign(3 * static_cast<size_t>(manifest_.image.size) * manifest_.image.size, 0.0f);
    at::Tensor features, logits;
    SVIT_RETURN_IF_ERROR(EncodeImages(Pixels({&blank}), &features).WithContext("model check"));
    const std::vector<int64_t> ids = {manifest_.pad_id, manifest_.pad_id};
    at::Tensor id_tensor, mask;
    LeftPad({&ids}, manifest_.pad_id, &id_tensor, &mask);
    SVIT_RETURN_IF_ERROR(Logits(features, id_tensor, mask, &logits).WithContext("model check"));
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_ = EngineStats();
    return Status::OK();
  }

  bool IsStop(int64_t id) const {
    return std::find(manifest_.stop_ids.begin(), manifest_.stop_ids.end(), id) != manifest_.stop_ids.end();
  }

  std::vector<GenerateResult> RunGenerate(const std::vector<PendingGenerate>& batch) {
    const size_t n = batch.size();
    std::vector<const Prepared*> inputs;
    for (const PendingGenerate& p : batch) inputs.push_back(&p.input);
    std::vector<GenerateResult> results(n);
    std::vector<std::vector<int64_t>> sequences(n), generated(n);
    std::vector<size_t> active;
    for (size_t i = 0; i < n; ++i) {
      sequences[i] = batch[i].input.prompt_ids;
      results[i].prompt_tokens = static_cast<int>(sequences[i].size());
      if (batch[i].max_new_tokens > 0) active.push_back(i);
    }
    at::Tensor features;
    Status status = EncodeImages(Pixels(inputs), &features);
    while (status.ok() && !active.empty()) {
      std::vector<const std::vector<int64_t>*> rows;
      std::vector<int64_t> feature_rows;
      for (size_t i : active) {
        rows.push_back(&sequences[i]);
        feature_rows.push_back(static_cast<int64_t>(i));
      }
      at::Tensor ids, mask, logits;
      LeftPad(rows, manifest_.pad_id, &ids, &mask);
      const at::Tensor row_features =
          active.size() == n ? features : features.index_select(0, torch::tensor(feature_rows, torch::kLong));
      status = Logits(row_features, ids, mask, &logits);
      if (!status.ok()) break;
      const at::Tensor next = logits.select(1, logits.size(1) - 1).argmax(-1).contiguous();
      const int64_t* next_ids = next.data_ptr<int64_t>();
      std::vector<size_t> still;
      for (size_t a = 0; a < active.size(); ++a) {
        const size_t i = active[a];
        const int64_t token = next_ids[a];
        if (IsStop(token)) {
          results[i].stopped = true;
          continue;
        }
        sequences[i].push_back(token);
        generated[i].push_back(token);
        if (static_cast<int>(generated[i].size()) < batch[i].max_new_tokens) still.push_back(i);
      }
      active = std::move(still);
    }
    for (size_t i = 0; i < n; ++i) {
      if (!status.ok()) {
        results[i] = GenerateResult{status};
      } else {
        results[i].text = tokenizer_->Decode(generated[i]);
        results[i].completion_tokens = static_cast<int>(generated[i].size());
      }
    }
    return results;
  }

  std::vector<RankResult> RunRank(const std::vector<PendingRank>& batch) {
    // One row per (request, continuation); image features are shared.
    std::vector<const Prepared*> inputs;
    std::vector<std::vector<int64_t>> sequences;
    std::vector<int64_t> feature_rows;
    for (size_t i = 0; i < batch.size(); ++i) {
      const PendingRank& p = batch[i];
      inputs.push_back(&p.input);
      for (const std::vector<int64_t>& continuation : p.continuations) {
        sequences.push_back(p.input.prompt_ids);
        sequences.back().insert(sequences.back().end(), continuation.begin(), continuation.end());
        feature_rows.push_back(static_cast<int64_t>(i));
      }
    }
    std::vector<const std::vector<int64_t>*> rows;
    for (const auto& s : sequences) rows.push_back(&s);
    at::Tensor features, ids, mask, logits;
    Status status = EncodeImages(Pixels(inputs), &features);
    if (status.ok()) {
      LeftPad(rows, manifest_.pad_id, &ids, &mask);
      status = Logits(features.index_select(0, torch::tensor(feature_rows, torch::kLong)), ids, mask, &logits);
    }
    size_t row = 0;
    const int64_t width = status.ok() ? ids.size(1) : 0;
    std::vector<RankResult> results;
    for (const PendingRank& p : batch) {
      RankResult result{status};
      for (size_t c = 0; status.ok() && c < p.continuations.size(); ++c, ++row) {
        const std::vector<int64_t>& continuation = p.continuations[c];
        // Logits at position j predict token j + 1.
        const int64_t first = width - static_cast<int64_t>(continuation.size()) - 1;
        const at::Tensor log_probs =
            torch::log_softmax(logits[static_cast<int64_t>(row)].narrow(0, first, continuation.size()), -1);
        const at::Tensor targets = torch::tensor(continuation, torch::kLong);
        const at::Tensor picked = log_probs.gather(1, targets.unsqueeze(1)).squeeze(1).to(torch::kDouble);
        result.log_likelihoods.push_back(picked.sum().item<double>());
        result.greedy.push_back(log_probs.argmax(-1).equal(targets));
      }
      results.push_back(std::move(result));
    }
    return results;
  }

  ModelManifest manifest_;
  std::unique_ptr<Tokenizer> tokenizer_;
  torch::jit::script::Module module_;
  EngineOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread worker_;

  mutable std::mutex stats_mu_;
  EngineStats stats_;
};

LocalEngine::LocalEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalEngine::~LocalEngine() = default;

Status LocalEngine::Load(const std::string& model_dir, const EngineOptions& options,
                         std::unique_ptr<LocalEngine>* out) {
  auto impl = std::make_unique<Impl>();
  SVIT_RETURN_IF_ERROR(impl->Init(model_dir, options).WithContext("local model " + model_dir));
  out->reset(new LocalEngine(std::move(impl)));
  return Status::OK();
}

std::future<GenerateResult> LocalEngine::SubmitGenerate(GenerateRequest request) {
  return impl_->SubmitGenerate(std::move(request));
}

std::future<RankResult> LocalEngine::SubmitRank(RankRequest request) { return impl_->SubmitRank(std::move(request)); }

std::vector<GenerateResult> LocalEngine::Generate(std::vector<GenerateRequest> requests) {
  std::vector<std::future<GenerateResult>> futures;
  for (GenerateRequest& r : requests) futures.push_back(SubmitGenerate(std::move(r)));
  std::vector<GenerateResult> results;
  for (auto& f : futures) results.push_back(f.get());
  return results;
}

std::vector<RankResult> LocalEngine::Rank(std::vector<RankRequest> requests) {
  std::vector<std::future<RankResult>> futures;
  for (RankRequest& r : requests) futures.push_back(SubmitRank(std::move(r)));
  std::vector<RankResult> results;
  for (auto& f : futures) results.push_back(f.get());
  return results;
}

const ModelManifest& LocalEngine::manifest() const { return impl_->manifest(); }
EngineStats LocalEngine::stats() const { return impl_->stats(); }

}  // namespace svit::local

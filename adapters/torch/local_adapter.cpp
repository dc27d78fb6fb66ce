#include "adapters/torch/local_adapter.h"

#include <filesystem>
#include <future>
#include <thread>

#include "core/sha256.h"

namespace svit {
namespace {

// The image a request shows: the first image part of its messages.
std::string FirstImage(const Request& request) {
  for (const auto& message : request.messages) {
    for (const auto& part : message.parts) {
      if (part.kind == ContentPart::Kind::kImage && part.image) return part.image->bytes();
    }
  }
  return "";
}

Response FailedResponse(const Status& status) {
  Response response;
  response.error.kind = ResponseError::Kind::kInvalidInput;
  response.error.retryable = false;
  response.error.message = status.message();
  return response;
}

class LocalAdapter : public Adapter {
 public:
  LocalAdapter(std::unique_ptr<local::LocalEngine> engine, ModelIdentity identity)
      : engine_(std::move(engine)), identity_(std::move(identity)) {}

  const ModelIdentity& identity() const override { return identity_; }

  void Submit(uint64_t tag, std::shared_ptr<const Request> request) override {
    Pending pending;
    pending.tag = tag;
    pending.kind = request->kind;
    if (request->kind == RequestKind::kRank) {
      local::RankRequest rank;
      rank.image = FirstImage(*request);
      rank.prompt = request->UserText();
      rank.continuations = request->options;
      pending.rank = engine_->SubmitRank(std::move(rank));
    } else {
      local::GenerateRequest generate;
      generate.image = FirstImage(*request);
      generate.prompt = request->UserText();
      generate.max_new_tokens = request->params.max_new_tokens;
      pending.generate = engine_->SubmitGenerate(std::move(generate));
    }
    pending_.push_back(std::move(pending));
  }

  void Poll(std::chrono::milliseconds timeout, std::vector<Completion>* out) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      size_t before = out->size();
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (!it->Ready()) {
          ++it;
          continue;
        }
        out->push_back(Completion{it->tag, it->Take()});
        it = pending_.erase(it);
      }
      if (out->size() > before || pending_.empty() || std::chrono::steady_clock::now() >= deadline) return;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  void CancelAll() override { pending_.clear(); }  // the engine finishes them; nobody waits

 private:
  struct Pending {
    uint64_t tag = 0;
    RequestKind kind = RequestKind::kGenerate;
    std::future<local::GenerateResult> generate;
    std::future<local::RankResult> rank;

    bool Ready() const {
      const auto zero = std::chrono::seconds(0);
      return kind == RequestKind::kRank ? rank.wait_for(zero) == std::future_status::ready
                                        : generate.wait_for(zero) == std::future_status::ready;
    }

    Response Take() {
      Response response;
      if (kind == RequestKind::kRank) {
        local::RankResult result = rank.get();
        if (!result.status.ok()) return FailedResponse(result.status);
        response.option_logprobs = std::move(result.log_likelihoods);
        response.finish_reason = "stop";
        return response;
      }
      local::GenerateResult result = generate.get();
      if (!result.status.ok()) return FailedResponse(result.status);
      response.text = std::move(result.text);
      response.finish_reason = result.stopped ? "stop" : "length";
      response.usage.prompt_tokens = result.prompt_tokens;
      response.usage.completion_tokens = result.completion_tokens;
      return response;
    }
  };

  std::unique_ptr<local::LocalEngine> engine_;
  ModelIdentity identity_;
  std::vector<Pending> pending_;
};

}  // namespace

Status CreateLocalAdapter(const LocalAdapterOptions& options, std::unique_ptr<Adapter>* out) {
  namespace fs = std::filesystem;
  ModelIdentity identity;
  identity.adapter = "local";
  identity.model_id = options.model_id;
  for (const char* file : {"model.pt", "manifest.json"}) {
    std::string digest;
    SVIT_RETURN_IF_ERROR(Sha256File((fs::path(options.model_dir) / file).string(), &digest));
    identity.settings[std::string(file) + "_sha256"] = digest;
  }
  identity.settings["generation"] = {{"max_new_tokens", options.generation.max_new_tokens}};
  std::unique_ptr<local::LocalEngine> engine;
  SVIT_RETURN_IF_ERROR(local::LocalEngine::Load(options.model_dir, options.engine, &engine));
  *out = std::make_unique<LocalAdapter>(std::move(engine), std::move(identity));
  return Status::OK();
}

extern "C" __attribute__((visibility("default"))) void SvitCreateLocalAdapter(
    const LocalAdapterOptions* options, std::unique_ptr<Adapter>* out, Status* status) {
  *status = CreateLocalAdapter(*options, out);
}

}  // namespace svit

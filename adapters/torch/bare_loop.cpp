#include "adapters/torch/bare_loop.h"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <chrono>

namespace svit::local {

struct BareLoop::Impl {
  ModelManifest manifest;
  int threads = 0;
  torch::jit::script::Module module;
};

BareLoop::BareLoop(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BareLoop::~BareLoop() = default;

Status BareLoop::Load(const ModelManifest& manifest, int threads, std::unique_ptr<BareLoop>* out) {
  auto impl = std::make_unique<Impl>();
  impl->manifest = manifest;
  impl->threads = threads;
  try {
    impl->module = torch::jit::load(manifest.model_file);
    impl->module.eval();
  } catch (const std::exception& e) {
    return Status::InvalidInput(manifest.model_file + ": cannot load TorchScript module");
  }
  out->reset(new BareLoop(std::move(impl)));
  return Status::OK();
}

Status BareLoop::Run(const std::vector<std::vector<BareInput>>& batches, double* seconds,
                     std::vector<int>* generated) {
  const ModelManifest& manifest = impl_->manifest;
  torch::jit::script::Module& module = impl_->module;
  if (impl_->threads > 0) at::set_num_threads(impl_->threads);
  c10::InferenceMode inference;
  const int64_t size = manifest.image.size;
  generated->clear();
  const auto start = std::chrono::steady_clock::now();
  for (const std::vector<BareInput>& batch : batches) {
    const int64_t n = static_cast<int64_t>(batch.size());
    at::Tensor pixels = torch::empty({n, 3, size, size});
    float* data = pixels.data_ptr<float>();
    for (const BareInput& input : batch) data = std::copy(input.pixels.begin(), input.pixels.end(), data);
    const at::Tensor features = module.get_method("encode_images")({pixels}).toTensor();
    std::vector<std::vector<int64_t>> rows(n);
    std::vector<int64_t> active;
    std::vector<int> counts(n, 0);
    for (int64_t i = 0; i < n; ++i) {
      rows[i] = batch[i].prompt_ids;
      active.push_back(i);
    }
    while (!active.empty()) {
      size_t width = 0;
      for (int64_t i : active) width = std::max(width, rows[i].size());
      const int64_t a = static_cast<int64_t>(active.size()), w = static_cast<int64_t>(width);
      at::Tensor ids = torch::full({a, w}, manifest.pad_id, torch::kLong);
      at::Tensor mask = torch::zeros({a, w}, torch::kLong);
      for (int64_t r = 0; r < a; ++r) {
        const std::vector<int64_t>& row = rows[active[r]];
        std::copy(row.begin(), row.end(), ids.data_ptr<int64_t>() + r * w + (w - static_cast<int64_t>(row.size())));
        std::fill_n(mask.data_ptr<int64_t>() + r * w + (w - static_cast<int64_t>(row.size())), row.size(), 1);
      }
      const at::Tensor rows_features = a == n ? features : features.index_select(0, torch::tensor(active));
      const at::Tensor logits = module.forward({rows_features, ids, mask}).toTensor();
      const at::Tensor next = logits.select(1, w - 1).argmax(-1).contiguous();
      const int64_t* next_ids = next.data_ptr<int64_t>();
      std::vector<int64_t> still;
      for (int64_t r = 0; r < a; ++r) {
        const int64_t i = active[r], token = next_ids[r];
        if (std::find(manifest.stop_ids.begin(), manifest.stop_ids.end(), token) != manifest.stop_ids.end()) continue;
        rows[i].push_back(token);
        if (++counts[i] < batch[i].max_new_tokens) still.push_back(i);
      }
      active = std::move(still);
    }
    generated->insert(generated->end(), counts.begin(), counts.end());
  }
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::OK();
}

}  // namespace svit::local

// LocalAdapter: the runner's Adapter over a LocalEngine (a TorchScript model
// folder run in-process). Generate requests become engine generate calls on
// the first image and the user text; rank requests score their options. The
// engine batches whatever the runner keeps in flight, so the runner's
// concurrency is the batch size ceiling in practice.
//
// The model identity carries the SHA-256 of model.pt and manifest.json, so a
// retrained model never reuses cached answers of the previous one.
#pragma once

#include <memory>
#include <string>

#include "adapters/adapter.h"
#include "adapters/torch/local_engine.h"
#include "core/status.h"

namespace svit {

struct LocalAdapterOptions {
  std::string model_dir;
  std::string model_id;           // the name the run record shows
  local::EngineOptions engine;
  GenerationParams generation;    // defaults recorded in the identity
};

Status CreateLocalAdapter(const LocalAdapterOptions& options, std::unique_ptr<Adapter>* out);

// The entry point of the svit_local_adapter module, which svit-eval loads
// with dlopen only when a suite names a local model (LibTorch is large).
extern "C" void SvitCreateLocalAdapter(const LocalAdapterOptions* options, std::unique_ptr<Adapter>* out,
                                       Status* status);
using CreateLocalAdapterFunction = void (*)(const LocalAdapterOptions*, std::unique_ptr<Adapter>*, Status*);

}  // namespace svit

// Creates the Adapter a suite's model names ("adapter": "openai", ...).
// API keys are read here, from the environment variable the model names,
// and handed to the adapter only; they are never logged or stored.
// Adding an adapter kind means one more branch in CreateAdapter.
#pragma once

#include <memory>

#include "adapters/adapter.h"
#include "harness/suite.h"

namespace svit {

// Checks the model's adapter settings (known adapter, profile, URL layout)
// without reading keys or connecting.
Status CheckModelSpec(const ModelSpec& model);

Status CreateAdapter(const ModelSpec& model, std::unique_ptr<Adapter>* out);

}  // namespace svit

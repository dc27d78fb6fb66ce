#include "adapters/adapter.h"

namespace svit {

std::string ModelIdentity::CanonicalText() const {
  // nlohmann::json keeps object keys sorted, which makes the dump canonical.
  nlohmann::json all = {{"adapter", adapter}, {"profile", profile}, {"model_id", model_id},
                        {"settings", settings}};
  return all.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace svit

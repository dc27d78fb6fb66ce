#include "metrics/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace svit::stats {
namespace {

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Sample indices of each cluster, in sample order.
std::vector<std::vector<uint32_t>> Members(size_t samples, const std::vector<uint32_t>& clusters,
                                           size_t cluster_count) {
  std::vector<std::vector<uint32_t>> members(cluster_count);
  for (size_t i = 0; i < samples; ++i) {
    members[clusters.empty() ? i : clusters[i]].push_back(static_cast<uint32_t>(i));
  }
  return members;
}

std::vector<uint32_t> AllIndices(size_t samples) {
  std::vector<uint32_t> all(samples);
  std::iota(all.begin(), all.end(), 0u);
  return all;
}

// |a| >= |b| with a relative tolerance, so that replicates equal to the
// observed value up to rounding count as "at least as extreme".
bool AtLeastAsExtreme(double a, double b) {
  return std::fabs(a) >= std::fabs(b) - 1e-12 * std::max(1.0, std::fabs(b));
}

}  // namespace

Random::Random(uint64_t seed) {
  for (auto& s : state_) s = SplitMix64(&seed);
}

uint64_t Random::Next() {
  const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = Rotl(state_[3], 45);
  return result;
}

uint64_t Random::Below(uint64_t bound) {
  unsigned __int128 m = static_cast<unsigned __int128>(Next()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(Next()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

Interval PercentileInterval(std::vector<double>* values, double confidence) {
  if (values->empty()) return {};
  std::sort(values->begin(), values->end());
  auto quantile = [&](double q) {
    const double position = q * static_cast<double>(values->size() - 1);
    const size_t below = static_cast<size_t>(std::floor(position));
    const size_t above = std::min(below + 1, values->size() - 1);
    const double fraction = position - static_cast<double>(below);
    return (*values)[below] + fraction * ((*values)[above] - (*values)[below]);
  };
  const double tail = (1.0 - confidence) / 2.0;
  return {quantile(tail), quantile(1.0 - tail)};
}

bool CheckClusters(size_t samples, const std::vector<uint32_t>& clusters, size_t* cluster_count) {
  if (clusters.empty()) {
    *cluster_count = samples;
    return true;
  }
  if (clusters.size() != samples) return false;
  uint32_t max = 0;
  for (uint32_t c : clusters) max = std::max(max, c);
  std::vector<bool> seen(samples == 0 ? 0 : max + 1, false);
  for (uint32_t c : clusters) seen[c] = true;
  if (std::find(seen.begin(), seen.end(), false) != seen.end()) return false;
  *cluster_count = samples == 0 ? 0 : max + 1;
  return true;
}

Estimate BootstrapInterval(size_t samples, const SubsetStatistic& statistic,
                           const std::vector<uint32_t>& clusters, const ResampleOptions& options) {
  Estimate estimate;
  estimate.value = statistic(AllIndices(samples));
  size_t k = 0;
  if (!CheckClusters(samples, clusters, &k) || k == 0) return estimate;
  const auto members = Members(samples, clusters, k);
  Random random(options.seed);
  std::vector<double> replicates;
  replicates.reserve(options.resamples);
  std::vector<uint32_t> indices;
  indices.reserve(samples);
  for (size_t r = 0; r < options.resamples; ++r) {
    indices.clear();
    for (size_t draw = 0; draw < k; ++draw) {
      const auto& cluster = members[random.Below(k)];
      indices.insert(indices.end(), cluster.begin(), cluster.end());
    }
    const double value = statistic(indices);
    if (std::isfinite(value)) replicates.push_back(value);
  }
  estimate.resamples = replicates.size();
  estimate.ci = PercentileInterval(&replicates, options.confidence);
  return estimate;
}

Estimate BootstrapMean(const std::vector<double>& values, const std::vector<uint32_t>& clusters,
                       double scale, const ResampleOptions& options) {
  Estimate estimate;
  size_t k = 0;
  if (values.empty() || !CheckClusters(values.size(), clusters, &k)) return estimate;
  std::vector<double> sums(k, 0.0);
  std::vector<double> counts(k, 0.0);
  double total = 0.0;
  for (size_t i = 0; i < values.size(); ++i) {
    const size_t c = clusters.empty() ? i : clusters[i];
    sums[c] += values[i];
    counts[c] += 1.0;
    total += values[i];
  }
  estimate.value = scale * total / static_cast<double>(values.size());
  Random random(options.seed);
  std::vector<double> replicates;
  replicates.reserve(options.resamples);
  for (size_t r = 0; r < options.resamples; ++r) {
    double sum = 0.0, count = 0.0;
    for (size_t draw = 0; draw < k; ++draw) {
      const size_t c = random.Below(k);
      sum += sums[c];
      count += counts[c];
    }
    replicates.push_back(scale * sum / count);
  }
  estimate.resamples = replicates.size();
  estimate.ci = PercentileInterval(&replicates, options.confidence);
  return estimate;
}

double ExactMcNemar(uint64_t base_only, uint64_t candidate_only) {
  const uint64_t n = base_only + candidate_only;
  if (n == 0) return 1.0;
  const uint64_t k = std::min(base_only, candidate_only);
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so n may be large.
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  double tail = 0.0;
  for (uint64_t i = 0; i <= k; ++i) {
    const double log_choose = std::lgamma(static_cast<double>(n) + 1) -
                              std::lgamma(static_cast<double>(i) + 1) -
                              std::lgamma(static_cast<double>(n - i) + 1);
    tail += std::exp(log_choose + log_half_n);
  }
  return std::min(1.0, 2.0 * tail);
}

PairedResult PairedBootstrap(size_t samples, const SubsetStatistic& delta,
                             const std::vector<uint32_t>& clusters, const ResampleOptions& options) {
  PairedResult result;
  Estimate estimate = BootstrapInterval(samples, delta, clusters, options);
  result.delta = estimate.value;
  result.ci = estimate.ci;
  result.resamples = estimate.resamples;
  if (estimate.resamples == 0) return result;
  // Re-draw the same replicates (same seed) to count the extreme ones; the
  // interval above sorted its copy.
  size_t k = 0;
  CheckClusters(samples, clusters, &k);
  const auto members = Members(samples, clusters, k);
  Random random(options.seed);
  std::vector<uint32_t> indices;
  size_t extreme = 0, counted = 0;
  for (size_t r = 0; r < options.resamples; ++r) {
    indices.clear();
    for (size_t draw = 0; draw < k; ++draw) {
      const auto& cluster = members[random.Below(k)];
      indices.insert(indices.end(), cluster.begin(), cluster.end());
    }
    const double value = delta(indices);
    if (!std::isfinite(value)) continue;
    ++counted;
    if (AtLeastAsExtreme(value - result.delta, result.delta)) ++extreme;
  }
  result.p_value = static_cast<double>(1 + extreme) / static_cast<double>(1 + counted);
  return result;
}

PairedResult PairedPermutation(size_t samples, const SwapStatistic& delta,
                               const std::vector<uint32_t>& clusters,
                               const ResampleOptions& options) {
  PairedResult result;
  std::vector<uint8_t> swapped(samples, 0);
  result.delta = delta(swapped);
  size_t k = 0;
  if (!CheckClusters(samples, clusters, &k) || k == 0) return result;
  const auto members = Members(samples, clusters, k);
  auto apply = [&](const std::vector<uint8_t>& cluster_swapped) {
    for (size_t c = 0; c < k; ++c) {
      for (uint32_t i : members[c]) swapped[i] = cluster_swapped[c];
    }
  };
  std::vector<uint8_t> pattern(k, 0);
  size_t extreme = 0, counted = 0;
  const bool exact = k < 63 && (uint64_t{1} << k) <= options.resamples;
  if (exact) {
    for (uint64_t bits = 0; bits < (uint64_t{1} << k); ++bits) {
      for (size_t c = 0; c < k; ++c) pattern[c] = (bits >> c) & 1;
      apply(pattern);
      const double value = delta(swapped);
      if (!std::isfinite(value)) continue;
      ++counted;
      if (AtLeastAsExtreme(value, result.delta)) ++extreme;
    }
    result.p_value = counted ? static_cast<double>(extreme) / static_cast<double>(counted) : 1.0;
  } else {
    Random random(options.seed);
    for (size_t r = 0; r < options.resamples; ++r) {
      for (size_t c = 0; c < k; ++c) pattern[c] = random.Next() >> 63;
      apply(pattern);
      const double value = delta(swapped);
      if (!std::isfinite(value)) continue;
      ++counted;
      if (AtLeastAsExtreme(value, result.delta)) ++extreme;
    }
    result.p_value = static_cast<double>(1 + extreme) / static_cast<double>(1 + counted);
  }
  result.resamples = counted;
  result.exact = exact;
  return result;
}

PairedResult PairedPermutationMean(const std::vector<double>& differences,
                                   const std::vector<uint32_t>& clusters, double scale,
                                   const ResampleOptions& options) {
  PairedResult result;
  size_t k = 0;
  if (differences.empty() || !CheckClusters(differences.size(), clusters, &k)) return result;
  std::vector<double> sums(k, 0.0);
  for (size_t i = 0; i < differences.size(); ++i) {
    sums[clusters.empty() ? i : clusters[i]] += differences[i];
  }
  const double n = static_cast<double>(differences.size());
  // A swap on a cluster negates its sum of differences, and nothing else.
  std::vector<uint32_t> cluster_of(k);
  std::iota(cluster_of.begin(), cluster_of.end(), 0u);
  SwapStatistic delta = [&](const std::vector<uint8_t>& swapped) {
    double total = 0.0;
    for (size_t c = 0; c < k; ++c) total += swapped[c] ? -sums[c] : sums[c];
    return scale * total / n;
  };
  return PairedPermutation(k, delta, {}, options);
}

std::vector<double> HolmAdjust(const std::vector<double>& p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> adjusted(m);
  double running = 0.0;
  for (size_t rank = 0; rank < m; ++rank) {
    const double value = std::min(1.0, static_cast<double>(m - rank) * p_values[order[rank]]);
    running = std::max(running, value);
    adjusted[order[rank]] = running;
  }
  return adjusted;
}

}  // namespace svit::stats

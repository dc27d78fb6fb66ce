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

ClusterSums SumByCluster(const std::vector<double>& numerator, const std::vector<double>& denominator,
                         const std::vector<uint32_t>& clusters) {
  ClusterSums sums;
  size_t k = 0;
  if (!CheckClusters(numerator.size(), clusters, &k) || denominator.size() != numerator.size()) return sums;
  sums.numerator.assign(k, 0.0);
  sums.denominator.assign(k, 0.0);
  for (size_t i = 0; i < numerator.size(); ++i) {
    const size_t c = clusters.empty() ? i : clusters[i];
    sums.numerator[c] += numerator[i];
    sums.denominator[c] += denominator[i];
  }
  return sums;
}

namespace {

double Ratio(double numerator, double denominator, double scale) {
  return denominator > 0 ? scale * numerator / denominator : std::nan("");
}

double Total(const std::vector<double>& values) {
  double total = 0.0;
  for (double v : values) total += v;
  return total;
}

}  // namespace

Estimate BootstrapRatio(const ClusterSums& sums, double scale, const ResampleOptions& options) {
  return PairedRatio(sums, sums, scale, options, /*permutation=*/false).base;
}

Estimate BootstrapMean(const std::vector<double>& values, const std::vector<uint32_t>& clusters,
                       double scale, const ResampleOptions& options) {
  return BootstrapRatio(SumByCluster(values, std::vector<double>(values.size(), 1.0), clusters), scale,
                        options);
}

PairedRatioResult PairedRatio(const ClusterSums& base, const ClusterSums& candidate, double scale,
                              const ResampleOptions& options, bool permutation) {
  PairedRatioResult result;
  const size_t k = base.numerator.size();
  result.base.value = Ratio(Total(base.numerator), Total(base.denominator), scale);
  result.candidate.value = Ratio(Total(candidate.numerator), Total(candidate.denominator), scale);
  const double delta = result.candidate.value - result.base.value;
  result.bootstrap.delta = result.permutation.delta = delta;
  if (k == 0 || candidate.numerator.size() != k) return result;

  std::vector<double> base_values, candidate_values, deltas;
  Random random(options.seed);
  size_t extreme = 0;
  for (size_t r = 0; r < options.resamples; ++r) {
    double bn = 0, bd = 0, cn = 0, cd = 0;
    for (size_t draw = 0; draw < k; ++draw) {
      const size_t c = random.Below(k);
      bn += base.numerator[c];
      bd += base.denominator[c];
      cn += candidate.numerator[c];
      cd += candidate.denominator[c];
    }
    const double b = Ratio(bn, bd, scale), c = Ratio(cn, cd, scale);
    if (std::isfinite(b)) base_values.push_back(b);
    if (std::isfinite(c)) candidate_values.push_back(c);
    if (std::isfinite(b) && std::isfinite(c)) {
      deltas.push_back(c - b);
      if (AtLeastAsExtreme(c - b - delta, delta)) ++extreme;
    }
  }
  result.base.resamples = base_values.size();
  result.base.ci = PercentileInterval(&base_values, options.confidence);
  result.candidate.resamples = candidate_values.size();
  result.candidate.ci = PercentileInterval(&candidate_values, options.confidence);
  result.bootstrap.resamples = deltas.size();
  result.bootstrap.ci = PercentileInterval(&deltas, options.confidence);
  result.bootstrap.p_value = static_cast<double>(1 + extreme) / static_cast<double>(1 + deltas.size());

  if (!permutation) return result;
  // Permutation: swapping cluster c moves its sums to the other system.
  const double bn = Total(base.numerator), bd = Total(base.denominator);
  const double cn = Total(candidate.numerator), cd = Total(candidate.denominator);
  auto swapped_delta = [&](const auto& is_swapped) {
    double b_n = bn, b_d = bd, c_n = cn, c_d = cd;
    for (size_t c = 0; c < k; ++c) {
      if (!is_swapped(c)) continue;
      const double dn = candidate.numerator[c] - base.numerator[c];
      const double dd = candidate.denominator[c] - base.denominator[c];
      b_n += dn, b_d += dd, c_n -= dn, c_d -= dd;
    }
    return Ratio(c_n, c_d, scale) - Ratio(b_n, b_d, scale);
  };
  size_t counted = 0;
  extreme = 0;
  const bool exact = k < 63 && (uint64_t{1} << k) <= options.resamples;
  if (exact) {
    for (uint64_t bits = 0; bits < (uint64_t{1} << k); ++bits) {
      const double d = swapped_delta([&](size_t c) { return (bits >> c) & 1; });
      if (!std::isfinite(d)) continue;
      ++counted;
      if (AtLeastAsExtreme(d, delta)) ++extreme;
    }
    result.permutation.p_value = counted ? static_cast<double>(extreme) / static_cast<double>(counted) : 1.0;
  } else {
    Random flips(options.seed);
    std::vector<uint8_t> pattern(k);
    for (size_t r = 0; r < options.resamples; ++r) {
      for (size_t c = 0; c < k; ++c) pattern[c] = flips.Next() >> 63;
      const double d = swapped_delta([&](size_t c) { return pattern[c] != 0; });
      if (!std::isfinite(d)) continue;
      ++counted;
      if (AtLeastAsExtreme(d, delta)) ++extreme;
    }
    result.permutation.p_value = static_cast<double>(1 + extreme) / static_cast<double>(1 + counted);
  }
  result.permutation.resamples = counted;
  result.permutation.exact = exact;
  return result;
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
  // candidate - base as a ratio: the base contributes 0, the candidate the
  // difference, both over the sample count; a swap negates a cluster's sum.
  const std::vector<double> ones(differences.size(), 1.0);
  ClusterSums candidate = SumByCluster(differences, ones, clusters);
  ClusterSums base = candidate;
  std::fill(base.numerator.begin(), base.numerator.end(), 0.0);
  return PairedRatio(base, candidate, scale, options, /*permutation=*/true).permutation;
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

// Statistics for comparing evaluation runs: bootstrap confidence intervals
// and paired significance tests over per-sample outcomes. Pure functions, no
// I/O. Every random procedure is driven by a fixed seed (kDefaultSeed) and a
// documented number of resamples, so the same inputs always give the same
// intervals and p-values (docs/statistics.md has the methods).
//
// Resampling units: a sample by default, or a cluster (e.g. all questions
// about one image) when `clusters` gives each sample a cluster number in
// 0..k-1; whole clusters are then drawn or swapped together, because
// questions about the same image are not independent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace svit::stats {

inline constexpr uint64_t kDefaultSeed = 20230707;  // SVIT's arXiv date (2307.04087)
inline constexpr size_t kDefaultResamples = 2000;

struct ResampleOptions {
  size_t resamples = kDefaultResamples;
  uint64_t seed = kDefaultSeed;
  double confidence = 0.95;
};

// A deterministic generator (xoshiro256**, seeded with splitmix64), identical
// on every platform; std::uniform_int_distribution is not.
class Random {
 public:
  explicit Random(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, bound) without modulo bias (Lemire's method); bound > 0.
  uint64_t Below(uint64_t bound);

 private:
  uint64_t state_[4];
};

struct Interval {
  double low = 0.0;
  double high = 0.0;
};

// The percentile interval of bootstrap replicates: the (1-confidence)/2 and
// (1+confidence)/2 quantiles, linearly interpolated between order statistics
// (numpy's default "linear" quantile). `values` is sorted in place.
Interval PercentileInterval(std::vector<double>* values, double confidence);

// Computes a statistic over a resample, given as sample indices (with
// repetitions) into the caller's arrays.
using SubsetStatistic = std::function<double(const std::vector<uint32_t>& indices)>;

struct Estimate {
  double value = 0.0;  // the statistic on the original samples
  Interval ci;
  size_t resamples = 0;
};

// Cluster numbers: empty means every sample is its own cluster. Each number
// must be < the number of clusters; returns false when they are not dense.
bool CheckClusters(size_t samples, const std::vector<uint32_t>& clusters, size_t* cluster_count);

// Bootstrap percentile interval of any statistic: each replicate draws as
// many clusters as there are, with replacement, and recomputes `statistic`
// over the samples of the drawn clusters (so corpus metrics such as CIDEr or
// an F1 are recomputed, not averaged).
Estimate BootstrapInterval(size_t samples, const SubsetStatistic& statistic,
                           const std::vector<uint32_t>& clusters, const ResampleOptions& options);

// Ratio-of-sums statistics, scale * sum(numerator) / sum(denominator), from
// per-cluster sums: a replicate costs one draw per cluster, so 200,000-sample
// means take milliseconds. A mean over the samples a task counts is one (the
// denominator counts them); so is a plain mean (denominator 1 per sample).
struct ClusterSums {
  std::vector<double> numerator, denominator;  // one entry per cluster
};
// Sums `numerator[i]` and `denominator[i]` by cluster (empty: one per sample).
ClusterSums SumByCluster(const std::vector<double>& numerator, const std::vector<double>& denominator,
                         const std::vector<uint32_t>& clusters);

// The same bootstrap as BootstrapInterval (same draws for the same seed).
Estimate BootstrapRatio(const ClusterSums& sums, double scale, const ResampleOptions& options);

// The mean of `values` times `scale`.
Estimate BootstrapMean(const std::vector<double>& values, const std::vector<uint32_t>& clusters,
                       double scale, const ResampleOptions& options);

// Exact McNemar test for paired binary outcomes: `base_only` samples the
// base got right and the candidate wrong, `candidate_only` the reverse. Under
// H0 the discordant pairs split as Binomial(n, 1/2); the two-sided p-value is
// min(1, 2 * P(X <= min(b, c))). 1 when there are no discordant pairs.
double ExactMcNemar(uint64_t base_only, uint64_t candidate_only);

struct PairedResult {
  double delta = 0.0;  // statistic(candidate) - statistic(base) on the original samples
  Interval ci;         // paired bootstrap percentile interval of the delta
  double p_value = 1.0;
  size_t resamples = 0;
  bool exact = false;  // p-value from complete enumeration rather than sampling
};

// Paired bootstrap: both systems are recomputed on the same resample;
// `delta` returns statistic(candidate) - statistic(base) on `indices`. The
// two-sided p-value is (1 + #{|d* - d| >= |d|}) / (B + 1): the replicates,
// centred to the null, that are at least as extreme as the observed delta.
PairedResult PairedBootstrap(size_t samples, const SubsetStatistic& delta,
                             const std::vector<uint32_t>& clusters, const ResampleOptions& options);

// Computes statistic(candidate) - statistic(base) after exchanging the two
// systems' outputs on every sample whose `swapped` entry is 1.
using SwapStatistic = std::function<double(const std::vector<uint8_t>& swapped)>;

// Paired permutation (sign-flip) test: under H0 the two systems' outputs on a
// sample (or cluster) are exchangeable. p = (1 + #{|d*| >= |d|}) / (R + 1)
// over R random swap patterns; when 2^clusters <= resamples every pattern is
// enumerated instead and p = #{|d*| >= |d|} / 2^clusters exactly. `ci` is
// left empty (use PairedBootstrap for the interval).
PairedResult PairedPermutation(size_t samples, const SwapStatistic& delta,
                               const std::vector<uint32_t>& clusters,
                               const ResampleOptions& options);

// The paired permutation test for a difference of means, from per-sample
// differences (candidate - base) times `scale`: sign flips of cluster sums.
PairedResult PairedPermutationMean(const std::vector<double>& differences,
                                   const std::vector<uint32_t>& clusters, double scale,
                                   const ResampleOptions& options);

// Both ratio statistics of two systems on the same clusters: each one's
// interval, the paired bootstrap interval and p-value of the delta
// (candidate - base), and the paired permutation p-value (swapping a cluster
// exchanges its numerator and denominator sums), with the same rules as
// PairedBootstrap and PairedPermutation. `permutation` false skips the test.
struct PairedRatioResult {
  Estimate base, candidate;
  PairedResult bootstrap;    // delta, ci, bootstrap p-value
  PairedResult permutation;  // delta, permutation p-value (exact when enumerated)
};
PairedRatioResult PairedRatio(const ClusterSums& base, const ClusterSums& candidate, double scale,
                              const ResampleOptions& options, bool permutation = true);

// Holm-Bonferroni step-down adjusted p-values, in the input order: sort
// ascending, p'_(i) = max_{j<=i} min(1, (m - j + 1) p_(j)) for 1-based j.
std::vector<double> HolmAdjust(const std::vector<double>& p_values);

}  // namespace svit::stats

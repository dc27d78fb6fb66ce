// Bootstrap intervals, paired tests and Holm's correction, against values
// worked out by hand from their definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "metrics/statistics.h"

namespace svit::stats {
namespace {

double Mean(const std::vector<double>& values, const std::vector<uint32_t>& indices) {
  double sum = 0.0;
  for (uint32_t i : indices) sum += values[i];
  return sum / static_cast<double>(indices.size());
}

TEST(ExactMcNemar, BinomialTailsComputedByHand) {
  // n = 6 discordant pairs, 1 vs 5: 2 * (C(6,0) + C(6,1)) / 2^6 = 14/64.
  EXPECT_NEAR(ExactMcNemar(1, 5), 14.0 / 64.0, 1e-12);
  EXPECT_NEAR(ExactMcNemar(5, 1), 14.0 / 64.0, 1e-12);
  // 0 vs 5: 2 / 2^5.
  EXPECT_NEAR(ExactMcNemar(0, 5), 2.0 / 32.0, 1e-12);
  // 2 vs 10: 2 * (1 + 12 + 66) / 4096.
  EXPECT_NEAR(ExactMcNemar(2, 10), 158.0 / 4096.0, 1e-12);
  // A balanced split is capped at 1, and no discordant pairs means no evidence.
  EXPECT_EQ(ExactMcNemar(3, 3), 1.0);
  EXPECT_EQ(ExactMcNemar(0, 0), 1.0);
}

TEST(ExactMcNemar, LargeCountsStayFinite) {
  const double p = ExactMcNemar(4000, 4200);
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 0.05);  // 200 more of 8200 is about 2.2 standard deviations
  EXPECT_GT(p, 0.01);
}

TEST(HolmAdjust, KnownVector) {
  // Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04).
  std::vector<double> adjusted = HolmAdjust({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_NEAR(adjusted[0], 0.03, 1e-12);
  EXPECT_NEAR(adjusted[1], 0.06, 1e-12);
  EXPECT_NEAR(adjusted[2], 0.06, 1e-12);
  EXPECT_NEAR(adjusted[3], 0.02, 1e-12);
  EXPECT_EQ(HolmAdjust({0.5, 0.9}), (std::vector<double>{1.0, 1.0}));
  EXPECT_TRUE(HolmAdjust({}).empty());
}

TEST(PercentileInterval, InterpolatesBetweenOrderStatistics) {
  std::vector<double> values = {5, 1, 4, 2, 3};
  Interval half = PercentileInterval(&values, 0.5);  // quantiles 0.25 and 0.75
  EXPECT_DOUBLE_EQ(half.low, 2.0);
  EXPECT_DOUBLE_EQ(half.high, 4.0);
  std::vector<double> eleven(11);
  std::iota(eleven.begin(), eleven.end(), 0.0);
  Interval ninety = PercentileInterval(&eleven, 0.9);  // positions 0.5 and 9.5
  EXPECT_DOUBLE_EQ(ninety.low, 0.5);
  EXPECT_DOUBLE_EQ(ninety.high, 9.5);
}

TEST(Random, DeterministicAndBounded) {
  Random a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) ++counts[a.Below(3)];
  for (int n : counts) EXPECT_NEAR(n, 10000, 400);
}

TEST(BootstrapMean, ConstantValuesGiveAPointInterval) {
  Estimate e = BootstrapMean({0.7, 0.7, 0.7}, {}, 100.0, {});
  EXPECT_DOUBLE_EQ(e.value, 70.0);
  EXPECT_NEAR(e.ci.low, 70.0, 1e-9);
  EXPECT_NEAR(e.ci.high, 70.0, 1e-9);
  EXPECT_EQ(e.resamples, kDefaultResamples);
}

TEST(BootstrapMean, EqualsTheGeneralBootstrapWithAMeanStatistic) {
  std::vector<double> values;
  for (int i = 0; i < 50; ++i) values.push_back((i * 37 % 11) / 10.0);
  ResampleOptions options;
  options.resamples = 500;
  Estimate fast = BootstrapMean(values, {}, 1.0, options);
  Estimate general = BootstrapInterval(
      values.size(), [&](const std::vector<uint32_t>& idx) { return Mean(values, idx); }, {},
      options);
  EXPECT_NEAR(fast.value, general.value, 1e-12);
  EXPECT_NEAR(fast.ci.low, general.ci.low, 1e-12);
  EXPECT_NEAR(fast.ci.high, general.ci.high, 1e-12);
  EXPECT_LT(fast.ci.low, fast.value);
  EXPECT_GT(fast.ci.high, fast.value);
  // Same seed, same interval; another seed, another one.
  Estimate again = BootstrapMean(values, {}, 1.0, options);
  EXPECT_EQ(again.ci.low, fast.ci.low);
  options.seed = 1;
  Estimate other = BootstrapMean(values, {}, 1.0, options);
  EXPECT_TRUE(other.ci.low != fast.ci.low || other.ci.high != fast.ci.high);
}

TEST(BootstrapMean, ClustersMoveTogether) {
  // Two images with two questions each, answered alike per image: a cluster
  // replicate can only be 0, 0.5 or 1; with P(0) = P(1) = 1/4 the 95%
  // interval is [0, 1]. Resampling questions independently narrows it.
  std::vector<double> values = {1, 1, 0, 0};
  Estimate clustered = BootstrapMean(values, {0, 0, 1, 1}, 1.0, {});
  EXPECT_DOUBLE_EQ(clustered.ci.low, 0.0);
  EXPECT_DOUBLE_EQ(clustered.ci.high, 1.0);
  Estimate independent = BootstrapMean(values, {}, 1.0, {});
  EXPECT_GT(independent.ci.high - independent.ci.low, 0.0);
  EXPECT_LE(independent.ci.high - independent.ci.low, 1.0);
}

TEST(CheckClusters, RejectsGapsAndWrongLengths) {
  size_t k = 0;
  EXPECT_TRUE(CheckClusters(3, {0, 1, 1}, &k));
  EXPECT_EQ(k, 2u);
  EXPECT_FALSE(CheckClusters(3, {0, 2, 2}, &k));  // cluster 1 has no sample
  EXPECT_FALSE(CheckClusters(3, {0, 1}, &k));
  EXPECT_TRUE(CheckClusters(4, {}, &k));
  EXPECT_EQ(k, 4u);
}

TEST(PairedPermutation, ExactEnumerationByHand) {
  // Three samples, each improved by 1: of the 8 sign patterns only the two
  // with equal signs reach |mean| >= 1, so p = 2/8.
  PairedResult r = PairedPermutationMean({1, 1, 1}, {}, 1.0, {});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.delta, 1.0);
  EXPECT_DOUBLE_EQ(r.p_value, 0.25);
  // Clusters {0,1},{2}: cluster sums 2 and 1; patterns give 3,1,-1,-3 over 3;
  // |.| >= 1 for two of four, p = 1/2.
  PairedResult clustered = PairedPermutationMean({1, 1, 1}, {0, 0, 1}, 1.0, {});
  EXPECT_TRUE(clustered.exact);
  EXPECT_DOUBLE_EQ(clustered.p_value, 0.5);
  // No difference at all: every pattern is as extreme, p = 1.
  EXPECT_DOUBLE_EQ(PairedPermutationMean({0, 0, 0, 0}, {}, 1.0, {}).p_value, 1.0);
}

TEST(PairedPermutation, GeneralFormMatchesTheMeanForm) {
  std::vector<double> base = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1};
  std::vector<double> cand = {1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1};
  std::vector<double> diff(base.size());
  for (size_t i = 0; i < base.size(); ++i) diff[i] = cand[i] - base[i];
  ResampleOptions options;
  options.resamples = 1000;  // 2^15 patterns > 1000: sampled, same seed in both forms
  SwapStatistic delta = [&](const std::vector<uint8_t>& swapped) {
    double a = 0, b = 0;
    for (size_t i = 0; i < base.size(); ++i) {
      a += swapped[i] ? cand[i] : base[i];
      b += swapped[i] ? base[i] : cand[i];
    }
    return (b - a) / static_cast<double>(base.size());
  };
  PairedResult general = PairedPermutation(base.size(), delta, {}, options);
  PairedResult mean = PairedPermutationMean(diff, {}, 1.0, options);
  EXPECT_FALSE(general.exact);
  EXPECT_NEAR(general.delta, (12.0 - 8.0) / 15.0, 1e-12);  // sums 12 and 8
  EXPECT_NEAR(general.p_value, mean.p_value, 1e-12);
  EXPECT_GT(general.p_value, 0.0);
  EXPECT_LE(general.p_value, 1.0);
}

TEST(PairedBootstrap, ExtremesByHand) {
  // The candidate is better by exactly 1 on every sample: every replicate's
  // delta is 1, none is as far from 1 as 1 is from 0, so p = 1/(B+1) and the
  // interval is [1, 1].
  std::vector<double> diff(20, 1.0);
  ResampleOptions options;
  options.resamples = 999;
  auto delta = [&](const std::vector<uint32_t>& idx) { return Mean(diff, idx); };
  PairedResult better = PairedBootstrap(diff.size(), delta, {}, options);
  EXPECT_DOUBLE_EQ(better.delta, 1.0);
  EXPECT_DOUBLE_EQ(better.p_value, 1.0 / 1000.0);
  EXPECT_DOUBLE_EQ(better.ci.low, 1.0);
  EXPECT_DOUBLE_EQ(better.ci.high, 1.0);
  // Identical systems: delta 0, every replicate counts, p = 1.
  std::vector<double> zero(20, 0.0);
  PairedResult same = PairedBootstrap(
      zero.size(), [&](const std::vector<uint32_t>& idx) { return Mean(zero, idx); }, {}, options);
  EXPECT_DOUBLE_EQ(same.p_value, 1.0);
}

TEST(PairedBootstrap, NoisyDifferenceIsNotSignificant) {
  std::vector<double> diff;
  for (int i = 0; i < 40; ++i) diff.push_back(i % 2 ? 1.0 : -1.0);
  diff.push_back(1.0);
  PairedResult r = PairedBootstrap(
      diff.size(), [&](const std::vector<uint32_t>& idx) { return Mean(diff, idx); }, {}, {});
  EXPECT_GT(r.p_value, 0.5);
  EXPECT_LT(r.ci.low, 0.0);
  EXPECT_GT(r.ci.high, 0.0);
}

TEST(PairedRatio, EqualsTheGeneralProceduresOnClusteredRatios) {
  // Ratio of sums with unequal denominators (failed samples count 0 in one
  // system), clustered by image: the fast cluster-sum path must give the
  // general resampling results for the same seed.
  std::vector<double> base_num, base_den, cand_num, cand_den;
  std::vector<uint32_t> clusters;
  for (uint32_t i = 0; i < 90; ++i) {
    clusters.push_back(i / 3);
    base_num.push_back((i * 13 % 7) / 6.0);
    base_den.push_back(1.0);
    cand_num.push_back(i % 5 == 0 ? 0.0 : (i * 11 % 7) / 6.0);
    cand_den.push_back(i % 5 == 0 ? 0.0 : 1.0);
  }
  auto ratio = [](const std::vector<double>& num, const std::vector<double>& den, const std::vector<uint32_t>& idx) {
    double n = 0, d = 0;
    for (uint32_t i : idx) n += num[i], d += den[i];
    return n / d;
  };
  ResampleOptions options;
  options.resamples = 500;
  PairedRatioResult fast = PairedRatio(SumByCluster(base_num, base_den, clusters),
                                       SumByCluster(cand_num, cand_den, clusters), 1.0, options);
  Estimate base = BootstrapInterval(
      90, [&](const std::vector<uint32_t>& idx) { return ratio(base_num, base_den, idx); }, clusters, options);
  PairedResult boot = PairedBootstrap(
      90,
      [&](const std::vector<uint32_t>& idx) {
        return ratio(cand_num, cand_den, idx) - ratio(base_num, base_den, idx);
      },
      clusters, options);
  PairedResult perm = PairedPermutation(
      90,
      [&](const std::vector<uint8_t>& swapped) {
        double bn = 0, bd = 0, cn = 0, cd = 0;
        for (size_t i = 0; i < 90; ++i) {
          bn += swapped[i] ? cand_num[i] : base_num[i];
          bd += swapped[i] ? cand_den[i] : base_den[i];
          cn += swapped[i] ? base_num[i] : cand_num[i];
          cd += swapped[i] ? base_den[i] : cand_den[i];
        }
        return cn / cd - bn / bd;
      },
      clusters, options);
  EXPECT_NEAR(fast.base.value, base.value, 1e-12);
  EXPECT_NEAR(fast.base.ci.low, base.ci.low, 1e-12);
  EXPECT_NEAR(fast.base.ci.high, base.ci.high, 1e-12);
  EXPECT_NEAR(fast.bootstrap.delta, boot.delta, 1e-12);
  EXPECT_NEAR(fast.bootstrap.ci.low, boot.ci.low, 1e-12);
  EXPECT_NEAR(fast.bootstrap.ci.high, boot.ci.high, 1e-12);
  EXPECT_NEAR(fast.bootstrap.p_value, boot.p_value, 1e-12);
  EXPECT_NEAR(fast.permutation.p_value, perm.p_value, 1e-12);
  EXPECT_FALSE(fast.permutation.exact);
}

}  // namespace
}  // namespace svit::stats

// Numbers with the exact semantics of the Python and NumPy calls the official
// judge scripts make: float(str), repr(float), numpy's round/sum/mean/std.
// Judge verdicts are parsed and aggregated with these so that svit-eval's
// numbers equal the official scripts' to the last bit. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/python_format.h"  // FloatRepr

namespace svit::py {

// float(text) for a Python str: surrounding whitespace, a sign, decimal
// digits (any Unicode Nd digit counts), underscores between digits,
// exponents, "inf"/"infinity"/"nan" in any case. Overflow gives +-inf, as
// Python does. Returns false where Python raises ValueError.
bool ParseFloat(std::string_view text, double* out);

}  // namespace svit::py

namespace svit::numpy {

// np.round(x, decimals) for float64 and decimals >= 0: x * 10**decimals,
// rounded half-even, divided back (not Python's exact-decimal round).
double Round(double x, int decimals);

// np.sum over a contiguous float64 array: pairwise summation in blocks of
// eight, as numpy's add.reduce does (plain left-to-right below 8 values).
double Sum(const std::vector<double>& values);
// np.mean: Sum / n. NaN for an empty array.
double Mean(const std::vector<double>& values);
// np.std with ddof=0 (population standard deviation), numpy's operation order.
double Std(const std::vector<double>& values);

}  // namespace svit::numpy

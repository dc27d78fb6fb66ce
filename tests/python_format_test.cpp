// Python float formatting; expected strings are what CPython 3.11 prints.
#include <gtest/gtest.h>

#include <limits>

#include "metrics/python_format.h"

namespace svit {
namespace {

TEST(PythonFormat, FloatReprMatchesPython) {
  const std::pair<double, const char*> cases[] = {
      {0.1, "0.1"},
      {1e16, "1e+16"},
      {1e-5, "1e-05"},
      {0.0001, "0.0001"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {100.0, "100.0"},
      {2.0 / 3.0, "0.6666666666666666"},
      {1e15, "1000000000000000.0"},
      {-0.0, "-0.0"},
      {0.0, "0.0"},
      {1237.5, "1237.5"},
      {0.39999999999999997, "0.39999999999999997"},
      {1.5e-7, "1.5e-07"},
      {9999999999999998.0, "9999999999999998.0"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.00012345, "0.00012345"},
      {137.49999999999997, "137.49999999999997"},
      {-2.5, "-2.5"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(py::FloatRepr(value), text) << text;
  EXPECT_EQ(py::FloatRepr(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(py::FloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(PythonFormat, FixedMatchesPercentFormatting) {
  EXPECT_EQ(py::FormatFixed(0.0005, 3), "0.001");
  EXPECT_EQ(py::FormatFixed(0.0015, 3), "0.002");
  EXPECT_EQ(py::FormatFixed(2.675, 3), "2.675");
  EXPECT_EQ(py::FormatFixed(100.0 / 3.0, 3), "33.333");
  EXPECT_EQ(py::FormatFixed(0.39999999999999997, 3), "0.400");
  EXPECT_EQ(py::FormatFixed(std::numeric_limits<double>::quiet_NaN(), 3), "nan");
}

}  // namespace
}  // namespace svit

// Number formatting with the exact output of Python 3, for reproducing the
// text official scripts print: repr()/str() of a float (shortest digits that
// round-trip; fixed notation when the decimal exponent is in [-4, 16),
// otherwise 'd.ddde+XX') and printf-style '%.Nf'. Pure functions.
#pragma once

#include <string>

namespace svit::py {

// repr(x) == str(x) for a Python float (also str() of numpy.float64).
std::string FloatRepr(double x);

// '%.<digits>f' % x ("nan", "inf", "-inf" for non-finite values).
std::string FormatFixed(double x, int digits);

}  // namespace svit::py

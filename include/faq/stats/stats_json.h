// The pieces of stats.json (docs/stats.md), each from one result type.
#pragma once

#include <nlohmann/json.hpp>

#include "faq/stats/activation_landscape.h"
#include "faq/stats/activation_moments.h"
#include "faq/stats/set_coverage.h"

namespace faq {

inline constexpr const char* kStatsSchema = "faq.stats/1";

nlohmann::json SummaryJson(const ActivationSummary& s, bool per_channel);
nlohmann::json LandscapeJson(const ActivationLandscape& l);
// NaN entries (a set the input never saw) become null.
nlohmann::json MatrixJson(const SetMatrix& m);
nlohmann::json VectorJson(const std::vector<double>& v);

}  // namespace faq

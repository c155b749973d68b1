// The demo's picture: a bar chart of METEOR and held-out loss per method with each method's
// bootstrap 95% interval, as a self-contained SVG (no plotting library at run time).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace dep {

// SVG of summary.json's methods: two panels (METEOR, higher is better; held-out loss, lower is
// better), one bar per method with its `ci` interval as a whisker. Methods without a value are
// left out of that panel.
std::string demo_chart_svg(const nlohmann::ordered_json& summary);

}  // namespace dep

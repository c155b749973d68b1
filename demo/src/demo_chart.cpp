// SVG bar chart of the demo summary (see demo_chart.h), drawn with dep's SVG writer
// (dep/report/svg.h), which dep-report's figures use too.
#include "dep/demo/demo_chart.h"

#include <string>
#include <vector>

#include "dep/report/svg.h"

namespace dep {
namespace {

// One single-bar group per method, with its bootstrap interval as the whisker.
std::vector<BarGroup> bars_of(const nlohmann::ordered_json& summary, const char* metric) {
  std::vector<BarGroup> out;
  for (const auto& [name, r] : summary.at("methods").items()) {
    if (!r.contains(metric) || r.at(metric).is_null()) continue;
    Bar bar;
    bar.value = r.at(metric).get<double>();
    double low = bar.value, high = bar.value;
    if (r.contains("ci") && r.at("ci").contains(metric)) low = r.at("ci").at(metric)[0], high = r.at("ci").at(metric)[1];
    bar.interval = std::make_pair(low, high);
    bar.tooltip = name + ": " + svg_number(bar.value, "%.3f") + " [" + svg_number(low, "%.3f") + ", " +
                  svg_number(high, "%.3f") + "]";
    out.push_back({name, {bar}});
  }
  return out;
}

BarPanelStyle panel_style(const std::string& title, const std::string& colour) {
  BarPanelStyle style;
  style.title = title;
  style.colours = {colour};
  style.rotate_labels = true;
  return style;
}

}  // namespace

std::string demo_chart_svg(const nlohmann::ordered_json& summary) {
  const double w = 900, h = 360;
  Svg svg(w, h + 20);
  bar_panel(svg, bars_of(summary, "meteor"), panel_style("METEOR (higher is better)", "#4c78a8"), 0, 0, w / 2, h);
  bar_panel(svg, bars_of(summary, "heldout_loss"), panel_style("held-out loss (lower is better)", "#e45756"), w / 2, 0,
            w / 2, h);
  svg.text(w / 2, h + 12,
           "whiskers: bootstrap 95% intervals over the test samples; axes do not start at 0", 10, "middle", false, 0,
           "#555");
  return svg.str();
}

}  // namespace dep

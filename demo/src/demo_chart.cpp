// SVG bar chart of the demo summary (see demo_chart.h).
#include "dep/demo/demo_chart.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace dep {
namespace {

struct Bar {
  std::string name;
  double value, low, high;
};

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

// One panel at (x0, y0) of size w×h: bars from a baseline at the axis minimum.
std::string panel(const std::vector<Bar>& bars, const std::string& title, const char* value_format, double x0, double y0,
                  double w, double h, const char* colour) {
  if (bars.empty()) return "";
  double lo = bars.front().low, hi = bars.front().high;
  for (const auto& b : bars) lo = std::min({lo, b.low, b.value}), hi = std::max({hi, b.high, b.value});
  // The axis starts below the smallest value so differences stay visible; it is labelled.
  const double span = std::max(hi - lo, 1e-9);
  const double axis_min = std::max(0.0, lo - 0.5 * span), axis_max = hi + 0.15 * span;
  const double plot_top = y0 + 30, plot_bottom = y0 + h - 60, plot_h = plot_bottom - plot_top;
  auto y_of = [&](double v) { return plot_bottom - (v - axis_min) / (axis_max - axis_min) * plot_h; };
  std::string out;
  out += "<text x=\"" + fmt("%.1f", x0 + w / 2) + "\" y=\"" + fmt("%.1f", y0 + 18) +
         "\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" + escape(title) + "</text>\n";
  out += "<line x1=\"" + fmt("%.1f", x0 + 50) + "\" y1=\"" + fmt("%.1f", plot_bottom) + "\" x2=\"" + fmt("%.1f", x0 + w - 10) +
         "\" y2=\"" + fmt("%.1f", plot_bottom) + "\" stroke=\"black\"/>\n";
  out += "<line x1=\"" + fmt("%.1f", x0 + 50) + "\" y1=\"" + fmt("%.1f", plot_top) + "\" x2=\"" + fmt("%.1f", x0 + 50) +
         "\" y2=\"" + fmt("%.1f", plot_bottom) + "\" stroke=\"black\"/>\n";
  for (int t = 0; t <= 4; ++t) {
    const double v = axis_min + (axis_max - axis_min) * t / 4.0;
    out += "<text x=\"" + fmt("%.1f", x0 + 46) + "\" y=\"" + fmt("%.1f", y_of(v) + 4) +
           "\" text-anchor=\"end\" font-size=\"10\">" + fmt(value_format, v) + "</text>\n";
    out += "<line x1=\"" + fmt("%.1f", x0 + 50) + "\" y1=\"" + fmt("%.1f", y_of(v)) + "\" x2=\"" + fmt("%.1f", x0 + w - 10) +
           "\" y2=\"" + fmt("%.1f", y_of(v)) + "\" stroke=\"#ddd\"/>\n";
  }
  const double slot = (w - 70) / static_cast<double>(bars.size());
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double cx = x0 + 60 + slot * (static_cast<double>(i) + 0.5), bw = slot * 0.6;
    out += "<rect x=\"" + fmt("%.1f", cx - bw / 2) + "\" y=\"" + fmt("%.1f", y_of(b.value)) + "\" width=\"" + fmt("%.1f", bw) +
           "\" height=\"" + fmt("%.1f", plot_bottom - y_of(b.value)) + "\" fill=\"" + colour + "\"><title>" + escape(b.name) +
           ": " + fmt(value_format, b.value) + " [" + fmt(value_format, b.low) + ", " + fmt(value_format, b.high) +
           "]</title></rect>\n";
    out += "<line x1=\"" + fmt("%.1f", cx) + "\" y1=\"" + fmt("%.1f", y_of(b.low)) + "\" x2=\"" + fmt("%.1f", cx) + "\" y2=\"" +
           fmt("%.1f", y_of(b.high)) + "\" stroke=\"black\" stroke-width=\"1.5\"/>\n";
    for (double v : {b.low, b.high})
      out += "<line x1=\"" + fmt("%.1f", cx - 5) + "\" y1=\"" + fmt("%.1f", y_of(v)) + "\" x2=\"" + fmt("%.1f", cx + 5) +
             "\" y2=\"" + fmt("%.1f", y_of(v)) + "\" stroke=\"black\" stroke-width=\"1.5\"/>\n";
    out += "<text x=\"" + fmt("%.1f", cx) + "\" y=\"" + fmt("%.1f", plot_bottom + 12) + "\" font-size=\"10\" text-anchor=\"end\" "
           "transform=\"rotate(-30 " + fmt("%.1f", cx) + " " + fmt("%.1f", plot_bottom + 12) + ")\">" + escape(b.name) + "</text>\n";
  }
  return out;
}

std::vector<Bar> bars_of(const nlohmann::ordered_json& summary, const char* metric) {
  std::vector<Bar> out;
  for (const auto& [name, r] : summary.at("methods").items()) {
    if (!r.contains(metric) || r.at(metric).is_null()) continue;
    const double v = r.at(metric).get<double>();
    double low = v, high = v;
    if (r.contains("ci") && r.at("ci").contains(metric)) low = r.at("ci").at(metric)[0], high = r.at("ci").at(metric)[1];
    out.push_back({name, v, low, high});
  }
  return out;
}

}  // namespace

std::string demo_chart_svg(const nlohmann::ordered_json& summary) {
  const double w = 900, h = 360;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    fmt("%.0f", w) + "\" height=\"" + fmt("%.0f", h + 20) + "\" viewBox=\"0 0 " + fmt("%.0f", w) + " " +
                    fmt("%.0f", h + 20) + "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += panel(bars_of(summary, "meteor"), "METEOR (higher is better)", "%.3f", 0, 0, w / 2, h, "#4c78a8");
  out += panel(bars_of(summary, "heldout_loss"), "held-out loss (lower is better)", "%.3f", w / 2, 0, w / 2, h, "#e45756");
  out += "<text x=\"" + fmt("%.0f", w / 2) + "\" y=\"" + fmt("%.0f", h + 12) +
         "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">whiskers: bootstrap 95% intervals over the test samples; "
         "axes do not start at 0</text>\n</svg>\n";
  return out;
}

}  // namespace dep

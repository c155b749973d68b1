// The SVG writer and its chart panels (see svg.h). The bar panel is the demo summary's chart
// generalised to groups of bars; the line panel draws figures over K.
#include "dep/report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace dep {
namespace {

// The value axis: starts below the smallest value (never below 0) so that differences stay
// visible, ends a little above the largest.
std::pair<double, double> value_axis(double lo, double hi, double below, double above) {
  const double span = std::max(hi - lo, std::max(std::abs(hi), 1.0) * 1e-3);
  return {std::max(0.0, lo - below * span), hi + above * span};
}

void value_ticks(Svg& svg, double left, double right, double axis_min, double axis_max, double plot_top,
                 double plot_bottom, const char* format) {
  auto y_of = [&](double v) { return plot_bottom - (v - axis_min) / (axis_max - axis_min) * (plot_bottom - plot_top); };
  for (int t = 0; t <= 4; ++t) {
    const double v = axis_min + (axis_max - axis_min) * t / 4.0;
    svg.text(left - 4, y_of(v) + 4, svg_number(v, format), 10, "end");
    svg.line(left, y_of(v), right, y_of(v), "#ddd");
  }
  svg.line(left, plot_bottom, right, plot_bottom, "black");
  svg.line(left, plot_top, left, plot_bottom, "black");
}

void legend(Svg& svg, const std::vector<std::string>& names, const std::vector<std::string>& colours, double right,
            double top) {
  double y = top;
  for (size_t i = 0; i < names.size(); ++i) {
    svg.rect(right - 110, y - 8, 10, 10, colours[i]);
    svg.text(right - 96, y + 1, names[i], 10);
    y += 14;
  }
}

}  // namespace

std::string svg_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string svg_number(double value, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::text(double x, double y, const std::string& text, double size, const std::string& anchor, bool bold,
               double rotate, const std::string& fill) {
  body_ += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" font-size=\"" + svg_number(size, "%g") + "\"";
  if (anchor != "start") body_ += " text-anchor=\"" + anchor + "\"";
  if (bold) body_ += " font-weight=\"bold\"";
  if (!fill.empty()) body_ += " fill=\"" + fill + "\"";
  if (rotate != 0) body_ += " transform=\"rotate(" + svg_number(rotate, "%g") + " " + svg_number(x) + " " + svg_number(y) + ")\"";
  body_ += ">" + svg_escape(text) + "</text>\n";
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width,
               const std::string& dash) {
  body_ += "<line x1=\"" + svg_number(x1) + "\" y1=\"" + svg_number(y1) + "\" x2=\"" + svg_number(x2) + "\" y2=\"" +
           svg_number(y2) + "\" stroke=\"" + stroke + "\"";
  if (width != 1) body_ += " stroke-width=\"" + svg_number(width, "%g") + "\"";
  if (!dash.empty()) body_ += " stroke-dasharray=\"" + dash + "\"";
  body_ += "/>\n";
}

void Svg::rect(double x, double y, double w, double h, const std::string& fill, const std::string& tooltip) {
  body_ += "<rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(std::max(w, 0.0)) +
           "\" height=\"" + svg_number(std::max(h, 0.0)) + "\" fill=\"" + fill + "\"";
  body_ += tooltip.empty() ? "/>\n" : "><title>" + svg_escape(tooltip) + "</title></rect>\n";
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, double width) {
  std::string pts;
  for (const auto& [x, y] : points) pts += (pts.empty() ? "" : " ") + svg_number(x) + "," + svg_number(y);
  body_ += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" +
           svg_number(width, "%g") + "\"/>\n";
}

void Svg::circle(double cx, double cy, double r, const std::string& fill, const std::string& tooltip) {
  body_ += "<circle cx=\"" + svg_number(cx) + "\" cy=\"" + svg_number(cy) + "\" r=\"" + svg_number(r, "%g") +
           "\" fill=\"" + fill + "\"";
  body_ += tooltip.empty() ? "/>\n" : "><title>" + svg_escape(tooltip) + "</title></circle>\n";
}

std::string Svg::str() const {
  const std::string w = svg_number(width_, "%.0f"), h = svg_number(height_, "%.0f");
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w +
         "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h + "\" font-family=\"sans-serif\">\n" +
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body_ + "</svg>\n";
}

const std::string& series_colour(size_t index) {
  static const std::vector<std::string> palette = {"#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"};
  return palette[index % palette.size()];
}

void bar_panel(Svg& svg, const std::vector<BarGroup>& groups, const BarPanelStyle& style, double x0, double y0, double w,
               double h) {
  size_t bars_per_group = 0;
  bool any = false;
  double lo = 0, hi = 0;
  for (const auto& g : groups) {
    bars_per_group = std::max(bars_per_group, g.bars.size());
    for (const auto& b : g.bars) {
      const double l = b.interval ? std::min(b.value, b.interval->first) : b.value;
      const double u = b.interval ? std::max(b.value, b.interval->second) : b.value;
      lo = any ? std::min(lo, l) : l;
      hi = any ? std::max(hi, u) : u;
      any = true;
    }
  }
  if (!any) return;
  std::vector<std::string> colours = style.colours;
  for (size_t i = colours.size(); i < std::max(bars_per_group, style.series.size()); ++i)
    colours.push_back(series_colour(i));
  const auto [axis_min, axis_max] = value_axis(lo, hi, 0.5, 0.15);
  const double left = x0 + 50, right = x0 + w - 10;
  // A legend goes in a strip under the title, where no bar can reach it.
  const double plot_top = y0 + (style.series.empty() ? 30 : 52), plot_bottom = y0 + h - 60;
  auto y_of = [&, axis_min = axis_min, axis_max = axis_max](double v) {
    return plot_bottom - (v - axis_min) / (axis_max - axis_min) * (plot_bottom - plot_top);
  };
  svg.text(x0 + w / 2, y0 + 18, style.title, 14, "middle", true);
  value_ticks(svg, left, right, axis_min, axis_max, plot_top, plot_bottom, style.value_format);
  const double slot = (right - left - 10) / static_cast<double>(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& group = groups[g];
    const double centre = left + 10 + slot * (static_cast<double>(g) + 0.5);
    const double group_width = slot * 0.6, bw = group_width / static_cast<double>(std::max<size_t>(group.bars.size(), 1));
    for (size_t i = 0; i < group.bars.size(); ++i) {
      const auto& b = group.bars[i];
      const double cx = centre - group_width / 2 + bw * (static_cast<double>(i) + 0.5);
      std::string tip = b.tooltip.empty() ? svg_number(b.value, style.value_format) : b.tooltip;
      svg.rect(cx - bw * 0.45, y_of(b.value), bw * 0.9, plot_bottom - y_of(b.value), colours[i], tip);
      if (b.interval) {
        svg.line(cx, y_of(b.interval->first), cx, y_of(b.interval->second), "black", 1.5);
        for (double v : {b.interval->first, b.interval->second}) svg.line(cx - 5, y_of(v), cx + 5, y_of(v), "black", 1.5);
      }
      if (style.value_labels) svg.text(cx, y_of(b.value) - 3, svg_number(b.value, style.value_format), 9, "middle");
    }
    if (style.rotate_labels)
      svg.text(centre, plot_bottom + 12, group.label, 10, "end", false, -30);
    else
      svg.text(centre, plot_bottom + 16, group.label, 11, "middle");
  }
  if (!style.series.empty()) {
    double total = 0;
    for (const auto& name : style.series) total += 30 + 6.0 * static_cast<double>(name.size());
    double x = x0 + w / 2 - total / 2;
    for (size_t i = 0; i < style.series.size(); ++i) {
      svg.rect(x, y0 + 30, 10, 10, colours[i]);
      svg.text(x + 14, y0 + 39, style.series[i], 10);
      x += 30 + 6.0 * static_cast<double>(style.series[i].size());
    }
  }
}

void line_panel(Svg& svg, const std::vector<LineSeries>& series, const LinePanelStyle& style, double x0, double y0,
                double w, double h) {
  std::set<double> xs;
  bool any = false;
  double lo = 0, hi = 0;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) {
      xs.insert(x);
      lo = any ? std::min(lo, y) : y;
      hi = any ? std::max(hi, y) : y;
      any = true;
    }
  if (!any) return;
  const auto [axis_min, axis_max] = value_axis(lo, hi, 0.15, 0.15);
  const double left = x0 + 55, right = x0 + w - 12, plot_top = y0 + 30, plot_bottom = y0 + h - 45;
  const double x_min = *xs.begin(), x_max = *xs.rbegin(), x_span = x_max > x_min ? x_max - x_min : 1.0;
  auto x_of = [&](double x) {
    return xs.size() == 1 ? (left + right) / 2 : left + 15 + (x - x_min) / x_span * (right - left - 30);
  };
  auto y_of = [&, axis_min = axis_min, axis_max = axis_max](double v) {
    return plot_bottom - (v - axis_min) / (axis_max - axis_min) * (plot_bottom - plot_top);
  };
  svg.text(x0 + w / 2, y0 + 18, style.title, 13, "middle", true);
  value_ticks(svg, left, right, axis_min, axis_max, plot_top, plot_bottom, style.value_format);
  for (double x : xs) {
    svg.line(x_of(x), plot_bottom, x_of(x), plot_bottom + 4, "black");
    svg.text(x_of(x), plot_bottom + 15, svg_number(x, "%g"), 10, "middle");
  }
  if (!style.x_label.empty()) svg.text((left + right) / 2, plot_bottom + 32, style.x_label, 11, "middle");
  if (!style.y_label.empty()) svg.text(x0 + 12, (plot_top + plot_bottom) / 2, style.y_label, 11, "middle", false, -90);
  std::vector<std::string> names, colours;
  for (size_t i = 0; i < series.size(); ++i) {
    auto points = series[i].points;
    std::sort(points.begin(), points.end());
    std::vector<std::pair<double, double>> at;
    for (const auto& [x, y] : points) at.emplace_back(x_of(x), y_of(y));
    const std::string& colour = series_colour(i);
    svg.polyline(at, colour);
    for (size_t p = 0; p < points.size(); ++p)
      svg.circle(at[p].first, at[p].second, 3, colour,
                 series[i].name + " at " + svg_number(points[p].first, "%g") + ": " +
                     svg_number(points[p].second, style.value_format));
    names.push_back(series[i].name);
    colours.push_back(colour);
  }
  // Bottom right: lines that rise with x leave that corner free.
  if (series.size() > 1) legend(svg, names, colours, right, plot_bottom - 14.0 * static_cast<double>(names.size()) + 4);
}

}  // namespace dep

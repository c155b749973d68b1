// dep's one SVG writer: a document of text, lines, rectangles, polylines and markers, and the
// chart panels built from it — bars with optional whiskers (grouped or single, the demo's summary
// chart and dep-report's Figure 3) and lines over x (dep-report's figures over K). Output is plain
// SVG 1.1 that any browser or rsvg-convert renders; no fonts or scripts are embedded.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dep {

// Text for an SVG/XML text node or attribute: & < > " escaped.
std::string svg_escape(const std::string& text);
// A number with a printf format ("%.1f"), for coordinates and tick labels.
std::string svg_number(double value, const char* format = "%.1f");

class Svg {
 public:
  Svg(double width, double height);
  double width() const { return width_; }
  double height() const { return height_; }

  // anchor: "start" | "middle" | "end"; rotate: degrees about (x, y).
  void text(double x, double y, const std::string& text, double size = 10, const std::string& anchor = "start",
            bool bold = false, double rotate = 0, const std::string& fill = "");
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
            const std::string& dash = "");
  // `tooltip` becomes a <title> child (shown on hover).
  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& tooltip = "");
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, double width = 2);
  void circle(double cx, double cy, double r, const std::string& fill, const std::string& tooltip = "");
  // The complete document (XML declaration, white background, the elements in order).
  std::string str() const;

 private:
  double width_, height_;
  std::string body_;
};

// A colour per series, repeating after six.
const std::string& series_colour(size_t index);

struct Bar {
  double value = 0.0;
  std::optional<std::pair<double, double>> interval;  // whisker [low, high]
  std::string tooltip;                               // default: the value
};

struct BarGroup {
  std::string label;      // under the group
  std::vector<Bar> bars;  // one per series, in series order
};

struct BarPanelStyle {
  std::string title;
  const char* value_format = "%.3f";
  std::vector<std::string> series;  // legend names; empty: no legend
  std::vector<std::string> colours;  // per series; empty: series_colour(i)
  bool rotate_labels = false;        // group labels at −30° (long names)
  bool value_labels = false;         // print each bar's value above it
};

// Bars of each group side by side, one slot per group, in the box (x0, y0, w, h). The value axis
// starts below the smallest value (never below 0) so differences stay visible; it is labelled.
void bar_panel(Svg& svg, const std::vector<BarGroup>& groups, const BarPanelStyle& style, double x0, double y0, double w,
               double h);

struct LineSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in x order
};

struct LinePanelStyle {
  std::string title;
  std::string x_label;
  std::string y_label;
  const char* value_format = "%.3f";
};

// One line with markers per series over x, ticks at every x value present, a legend when there is
// more than one series. The value axis is fitted to the data (labelled ticks).
void line_panel(Svg& svg, const std::vector<LineSeries>& series, const LinePanelStyle& style, double x0, double y0,
                double w, double h);

}  // namespace dep

// dep-report's figures: the figures over K (paper Figures 2 and 5: a line per metric over K, per
// category) and Figure 3 (METEOR per uniqueness group for each method), as SVG, with their plotted
// values as cells for the Markdown and CSV beside them.
#pragma once

#include <string>

#include "dep/report/report_table.h"
#include "dep/report/uniqueness.h"

namespace dep {

// A figure over K: its cells are a table's (fill_table), one row per K. Per category, the metrics on
// 0–1 share a panel and BLEU (0–100) has its own; one category per row of panels (a row of
// categories when each has one panel).
std::string k_figure_svg(const ReportTable& table);

// Figure 3: for each row's run, the mean per-sample metric of its samples in the target's category,
// per uniqueness group (cells carry the sample counts). The mean over both groups must equal the
// run's eval.json value (a stale eval_per_sample.jsonl is an error naming it).
ReportTable fill_uniqueness_figure(const PaperResults& paper, const PaperTarget& target, const RunResults& runs,
                                   const UniquenessSplit& split);
std::string uniqueness_figure_svg(const ReportTable& table, const UniquenessSplit& split);
// The table's Markdown plus how the users were split (counts, median distance).
std::string uniqueness_markdown(const ReportTable& table, const UniquenessSplit& split);

}  // namespace dep

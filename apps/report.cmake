# dep-report: the paper's tables and figures from finished runs (dep_report, torch-free), with
# dep_embed for the embedding store Figure 3's uniqueness split reads.
if(TARGET dep_report)
  dep_add_app(dep-report dep_report.cpp dep_report dep_embed)
endif()

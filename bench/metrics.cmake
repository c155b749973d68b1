# Metrics scoring throughput (compared with rouge-score + nltk + sacrebleu by scripts/bench_metrics.sh).
if(TARGET dep_metrics)
  add_executable(metrics_bench metrics_bench.cpp)
  target_link_libraries(metrics_bench PRIVATE dep_warnings dep_metrics)
endif()

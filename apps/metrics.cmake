# dep-eval: ROUGE/METEOR/BLEU (dep_metrics, torch-free) and BERTScore (dep_bertscore, LibTorch
# through dep_torch; linking ${TORCH_LIBRARIES} directly here would put Debian's libc10 first).
dep_add_app(dep-eval dep_eval.cpp dep_metrics dep_bertscore)
target_precompile_headers(dep-eval REUSE_FROM dep_torch_pch)

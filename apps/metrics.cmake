# dep-eval: ROUGE/METEOR/BLEU per category (torch-free).
dep_add_app(dep-eval dep_eval.cpp dep_metrics)

#!/usr/bin/env python3
"""Issue 14's goals per demo run, as the Markdown table in docs/demo.md.

    scripts/demo_seed_table.py SEED=RUN_DIR [SEED=RUN_DIR ...]

RUN_DIR is a `scripts/demo_pipeline.sh --out` directory (summary.json; the wall time, CPU time and
load average are read from RUN_DIR/../<name>.log when the pipeline's output was saved there, else
left blank). Only the standard library is used.
"""
import json
import os
import re
import sys


def interval(summary, comparison, metric):
    low, high = summary["intervals"][comparison][metric]
    point = summary["improvements"][comparison][metric]
    return point, low, high


def fmt(point, low, high, digits=4):
    return f"{point:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"


def timing(run_dir):
    log = run_dir.rstrip("/") + ".log"
    if not os.path.exists(log):
        return "", ""
    text = open(log, encoding="utf-8").read()
    m = re.search(r"\((\d+)s wall; children's CPU user/system: (\S+) (\S+); load average (\S+) at the start, (\S+) at the end\)", text)
    if not m:
        return "", ""

    def seconds(t):
        minutes, rest = t.rstrip("s").split("m")
        return int(minutes) * 60 + float(rest)

    cpu = seconds(m.group(2)) + seconds(m.group(3))
    return f"{m.group(1)} s / {cpu:.0f} s", f"{m.group(4)}–{m.group(5)}"


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    print("| seed | goal 1: dep_no_text vs non_perso loss (rel.) · METEOR gained | goal 2: dep vs dep_zero_soft loss reduced "
          "| goal 3: loss his+diff / his / diff / non_perso (no text) | goal 4: dep vs rag loss · METEOR "
          "| writer id. his / diff | wall / CPU | load |")
    print("|---|---|---|---|---|---|---|---|")
    for spec in argv:
        seed, run_dir = spec.split("=", 1)
        s = json.load(open(os.path.join(run_dir, "summary.json"), encoding="utf-8"))
        loss = {m: v["heldout_loss"] for m, v in s["methods"].items()}
        meteor = {m: v["meteor"] for m, v in s["methods"].items()}
        g1 = interval(s, "dep_no_text_vs_non_perso", "heldout_loss")
        g1m = interval(s, "dep_no_text_vs_non_perso", "meteor")
        rel = 100 * (loss["non_perso"] - loss["dep_no_text"]) / loss["non_perso"]
        g1_ok = rel >= 3 and g1[1] > 0 and g1m[1] > 0
        g2 = interval(s, "dep_vs_dep_zero_soft", "heldout_loss")
        g2_ok = g2[1] > 0
        g3_ok = (loss["dep_no_text"] < loss["his_only_no_text"] and loss["dep_no_text"] < loss["diff_only_no_text"]
                 and loss["his_only_no_text"] < loss["non_perso"] and loss["diff_only_no_text"] < loss["non_perso"])
        g4_ok = loss["dep"] < loss["rag"] and meteor["dep"] > meteor["rag"]
        ident = s.get("embeddings", {})
        wall_cpu, load = timing(run_dir)
        mark = lambda ok: "**held**" if ok else "not met"
        print(f"| {seed} | {fmt(*g1)} ({rel:.2f}%) · {fmt(*g1m)} — {mark(g1_ok)} | {fmt(*g2)} — {mark(g2_ok)} "
              f"| {loss['dep_no_text']:.4f} / {loss['his_only_no_text']:.4f} / {loss['diff_only_no_text']:.4f} / "
              f"{loss['non_perso']:.4f} — {mark(g3_ok)} "
              f"| {loss['dep']:.4f} vs {loss['rag']:.4f} · {meteor['dep']:.4f} vs {meteor['rag']:.4f} — {mark(g4_ok)} "
              f"| {ident.get('his_accuracy', float('nan')):.3f} / {ident.get('diff_accuracy', float('nan')):.3f} "
              f"| {wall_cpu} | {load} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

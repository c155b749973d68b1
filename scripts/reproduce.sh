#!/usr/bin/env bash
# Reproduces a table or figure of the paper (docs/REPRODUCING.md): for every experiment the target
# needs (configs/experiments/<id>.json; which ones: `dep-report experiments TARGET`) it runs
# embed -> train (best checkpoint by val METEOR) -> generate -> evaluate, then writes the target's
# files with dep-report (our numbers beside the paper's).
#   scripts/reproduce.sh TARGET [--smoke] [--smoke-dir DIR] [--gpus N] [--work DIR] [--dry-run] [--verbose]
#   scripts/reproduce.sh --resolve ID [--smoke]   (print experiment ID as the steps see it)
# TARGET: table1 table2 table3 table6 table7 table8 table9 figure2 figure3 figure5, or all.
# --smoke: the same steps on the built-in world (tiny models and synthetic data made here with the
#   demo's tools, configs/experiments/smoke.json's smaller numbers), CPU, minutes; everything goes
#   under the smoke dir (default build/smoke), one world shared by every target run there.
# --gpus N: dep-embed, dep-train and dep-generate run as N processes under torchrun (then the
#   shards are merged); with --smoke, N CPU processes (Gloo), which exercises the same launch.
# --work DIR: where stages/, runs/ and the target files go (default results/).
# Every step is keyed by a hash of its resolved config (the tool's --dump-config with the
# experiment's overrides) and of the files that config names (size + mtime): a step whose key has a
# finished output is skipped, a changed config reruns that step and what depends on it, and an
# interrupted step resumes (the tools resume). DEP_BUILD_DIR / DEP_BIN_DIR pick the binaries,
# DEP_EXPERIMENTS_DIR another experiments folder (default configs/experiments).
set -euo pipefail
shopt -s inherit_errexit  # a failing step inside $(...) stops the script too
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DEP_BUILD_DIR:-$root/build}"
bin="${DEP_BIN_DIR:-$build/bin}"
experiments_dir="${DEP_EXPERIMENTS_DIR:-$root/configs/experiments}"
targets_all=(table1 table2 table3 table6 table7 table8 table9 figure2 figure3 figure5)

die() { echo "reproduce.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; }

target="" smoke=0 smoke_dir="" gpus=1 work="" dry=0 verbose=0 resolve_id=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --smoke-dir) [ $# -ge 2 ] || die "--smoke-dir needs a directory"; smoke_dir="$2"; smoke=1; shift ;;
    --gpus) [ $# -ge 2 ] || die "--gpus needs a count"; gpus="$2"; shift ;;
    --work) [ $# -ge 2 ] || die "--work needs a directory"; work="$2"; shift ;;
    --dry-run) dry=1 ;;
    --resolve) [ $# -ge 2 ] || die "--resolve needs an experiment id"; resolve_id="$2"; shift ;;
    --verbose) verbose=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$target" ] || die "one TARGET only, got '$target' and '$1'"; target="$1" ;;
  esac
  shift
done
[ -n "$target" ] || [ -n "$resolve_id" ] || { usage >&2; exit 2; }
[ -n "$target" ] || target=all
case " ${targets_all[*]} all " in *" $target "*) ;; *) die "unknown TARGET '$target' (one of: ${targets_all[*]} all)" ;; esac
case "$gpus" in ''|*[!0-9]*|0) die "--gpus needs a positive integer, got '$gpus'" ;; esac
command -v jq > /dev/null || die "needs jq (Debian: apt-get install jq; scripts/setup.sh installs it)"
for tool in dep-data dep-embed dep-train dep-generate dep-eval dep-report; do
  [ -n "$resolve_id" ] && break
  [ -x "$bin/$tool" ] || die "$bin/$tool is missing: build first (scripts/build.sh) or set DEP_BIN_DIR"
done
if [ "$gpus" -gt 1 ]; then
  torchrun="${DEP_TORCHRUN:-${DEP_VENV:-$root/.venv}/bin/torchrun}"
  [ -x "$torchrun" ] || torchrun="$(command -v torchrun || true)"
  [ -n "$torchrun" ] || die "--gpus $gpus needs torchrun (the venv's, or DEP_TORCHRUN)"
fi

cd "$root"
if [ "$smoke" = 1 ]; then
  smoke_dir="${smoke_dir:-$build/smoke}"
  mkdir -p "$smoke_dir"
  work="$(cd "$smoke_dir" && pwd)"
  world="$work/world"
  overlay="$(jq -e 'if type == "object" then . else error("not an object") end' "$experiments_dir/smoke.json")" \
    || die "$experiments_dir/smoke.json: not a JSON object"
  threads="$(jq -r '.world.threads' <<< "$overlay")"
  # The tiny models run many small kernels: idle OpenMP workers should sleep (docs/demo.md).
  export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
else
  work="${work:-$root/results}"
  mkdir -p "$work"
  work="$(cd "$work" && pwd)"
fi
stages="$work/stages" runs="$work/runs" results="$work/results"
[ "$smoke" = 1 ] || results="$work"
mkdir -p "$stages" "$runs" "$results"
start=$(date +%s)
say() { echo "[$(( $(date +%s) - start ))s] $*"; }

# ---------------------------------------------------------------------------------------------
# Experiments: a file may name `"extends": "other.json"` (relative to itself); the chain is
# deep-merged, the child winning (objects merge key by key, anything else is replaced; null
# removes a stage). Cycles are refused. In smoke mode smoke.json's stage sections are merged into
# the stages the experiment has, and @WORLD@ names the smoke world.
resolve_file() {  # FILE SEEN... -> the merged JSON
  local file="$1"; shift
  [ -f "$file" ] || die "experiment file $file does not exist"
  local real; real="$(realpath "$file")"
  local s; for s in "$@"; do [ "$s" = "$real" ] && die "extends cycle: $* $real"; done
  local json; json="$(jq -e 'if type == "object" then . else error("not an object") end' "$file" 2> /dev/null)" \
    || die "$file: not a JSON object"
  local parent; parent="$(jq -r 'if has("extends") then (.extends | if type == "string" then . else error("extends must be a file name") end) else "" end' <<< "$json")" \
    || die "$file: \"extends\" must be a file name"
  if [ -n "$parent" ]; then
    local base; base="$(resolve_file "$(dirname "$file")/$parent" "$@" "$real")"
    jq -n --argjson a "$base" --argjson b "$json" '$a * ($b | del(.extends))'
  else
    jq 'del(.extends)' <<< "$json"
  fi
}
resolve_experiment() {  # ID -> resolved JSON
  local json; json="$(resolve_file "$experiments_dir/$1.json")"
  if [ "$smoke" = 1 ]; then
    json="$(jq --argjson o "$overlay" \
      'reduce ("embed", "train", "generate", "eval") as $s (.; if .[$s] != null then .[$s] *= ($o[$s] // {}) else . end)' <<< "$json")"
    json="${json//@WORLD@/$world}"
  fi
  jq -e '(.generate.config | type) == "string" and (.embed.config | type) == "string"' <<< "$json" > /dev/null \
    || die "experiment $1: needs embed.config and generate.config (configs/experiments/$1.json and what it extends)"
  echo "$json"
}

# A stage's --set arguments (one per line), placeholders filled from STORE and ADAPTER.
stage_sets() {  # JSON STAGE
  local line
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    line="${line//@STORE@/${STORE:-}}"
    line="${line//@ADAPTER@/${ADAPTER:-}}"
    printf '%s\n' "--set" "$line"
  done < <(jq -r --arg s "$2" '(.[$s].set // {}) | to_entries[] | "\(.key)=\(.value | tojson)"' <<< "$1")
}

# Key of a step: the resolved config (output location left out) and a listing (size, mtime) of
# every file or directory the config names, plus EXTRA.
fingerprint() {  # RESOLVED_CONFIG_JSON EXTRA
  {
    echo "$1"
    echo "$2"
    local p
    while IFS= read -r p; do
      case "$p" in ''|/|.|..) continue ;; esac
      [ -e "$p" ] || continue
      echo "== $p"
      find -L "$p" -printf '%P %s %T@\n' | LC_ALL=C sort
    done < <(jq -r '[.. | strings | select(contains("/"))] | unique[]' <<< "$1")
  } | sha256sum | cut -c1-16
}

run_logged() {  # LOG CMD... : the tool's output to LOG (and the console with --verbose)
  local log="$1"; shift
  echo "[$(date -u +%H:%M:%S)] \$ $*" >> "$log"
  if [ "$verbose" = 1 ]; then
    "$@" 2>&1 | tee -a "$log" >&2
  else
    "$@" >> "$log" 2>&1 || { local rc=$?; tail -n 25 "$log" >&2; echo "reproduce.sh: failed (exit $rc), log: $log" >&2; exit "$rc"; }
  fi
}
launch() {  # LOG TOOL ARGS... : TOOL as --gpus processes
  local log="$1" tool="$2"; shift 2
  if [ "$gpus" -gt 1 ]; then
    run_logged "$log" "$torchrun" --no-python --nproc-per-node "$gpus" "$bin/$tool" "$@"
  else
    run_logged "$log" "$bin/$tool" "$@"
  fi
}

# Each step prints "<dir>" of its finished output on stdout; progress goes to stderr.
# plan_stage resolves a step: the tool's config and --set arguments, its dumped config (the output
# location as @OUT@, so that the key does not depend on it), its key and directory. It returns 1
# (and prints the directory) when there is nothing to run: the step is done, or this is a dry run.
plan_stage() {  # KIND TOOL OUTPUT_KEY JSON -> sets config, sets, dump, key, dir
  local kind="$1" tool="$2" out_key="$3" json="$4"
  config="$(jq -r --arg s "$kind" '.[$s].config' <<< "$json")"
  mapfile -t sets < <(stage_sets "$json" "$kind")
  dump="$("$bin/$tool" --config "$config" "${sets[@]}" --set "$out_key=@OUT@" --dump-config)" \
    || die "$kind config $config with ${sets[*]} does not parse"
  key="$(fingerprint "$dump" "$kind")"
  dir="$stages/$kind-$key"
  if [ -f "$dir/.reproduce-done" ]; then echo "$dir"; return 1; fi
  [ "$dry" = 1 ] && { echo "$dir"; say "would $kind -> $dir" >&2; return 1; }
  return 0
}
finish_stage() {  # records the step as done (its config and key) and prints its directory
  echo "$dump" > "$dir/reproduce-config.json"
  echo "$key" > "$dir/.reproduce-done"
  echo "$dir"
}

embed_stage() {  # JSON -> store dir
  local config sets dump key dir
  plan_stage embed dep-embed output_dir "$1" || return 0
  say "embed ($config) -> $dir" >&2
  mkdir -p "$dir"
  launch "$dir/reproduce.log" dep-embed --config "$config" "${sets[@]}" --set "output_dir=$dir"
  [ "$gpus" -gt 1 ] && run_logged "$dir/reproduce.log" "$bin/dep-embed" --config "$config" "${sets[@]}" --set "output_dir=$dir" --merge
  finish_stage
}

train_stage() {  # JSON -> run dir (its `best` names the checkpoint chosen by validation.select_by)
  local config sets dump key dir resume=()
  plan_stage train dep-train checkpoint.dir "$1" || return 0
  [ -f "$dir/latest" ] && resume=(--resume)
  say "train ($config${resume:+, resuming}) -> $dir" >&2
  mkdir -p "$dir"
  launch "$dir/reproduce.log" dep-train --config "$config" "${sets[@]}" --set "checkpoint.dir=$dir" "${resume[@]}"
  [ -f "$dir/best" ] || die "$dir/best is missing after training (validation.enabled must be true)"
  finish_stage
}

generate_stage() {  # JSON -> output dir with generations.jsonl
  local config sets dump key dir
  plan_stage generate dep-generate output.dir "$1" || return 0
  say "generate ($config) -> $dir" >&2
  mkdir -p "$dir"
  launch "$dir/reproduce.log" dep-generate --config "$config" "${sets[@]}" --set "output.dir=$dir"
  [ "$gpus" -gt 1 ] && run_logged "$dir/reproduce.log" "$bin/dep-generate" merge --dir "$dir"
  finish_stage
}

# Evaluation of a generation (shared by every experiment with that generation), in
# GENERATE_DIR/eval-<key>/, then the run directory of the experiment (the contract with
# dep-report): generations.jsonl, eval.json, eval_per_sample.jsonl, and experiment.json (the
# resolved experiment and the stage directories it used).
eval_stage() {  # ID JSON GENERATE_DIR
  local id="$1" json="$2" gen="$3" run="$runs/$1" metrics model key dir args=()
  metrics="$(jq -r '.eval.metrics // "rouge,meteor,bleu"' <<< "$json")"
  model="$(jq -r '.eval.bertscore_model // ""' <<< "$json")"
  args=(--metrics "$metrics")
  [ -n "$model" ] && args+=(--bertscore-model "$model")
  key="$(fingerprint "$(jq -n --arg m "$metrics" --arg b "$model" '{metrics: $m, bertscore_model: $b}')" \
    "$(cat "$gen/.reproduce-done" 2> /dev/null || echo pending)")"
  dir="$gen/eval-$key"
  if [ -f "$run/.reproduce-done" ] && [ "$(cat "$run/.reproduce-done")" = "$dir" ]; then return; fi
  [ "$dry" = 1 ] && { say "would evaluate -> $run" >&2; return; }
  if [ ! -f "$dir/.reproduce-done" ]; then
    say "evaluate $id ($metrics) -> $dir" >&2
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    run_logged "$dir.tmp/reproduce.log" "$bin/dep-eval" "$gen/generations.jsonl" "${args[@]}" \
      --summary "$dir.tmp/eval.json" --per-sample "$dir.tmp/eval_per_sample.jsonl"
    echo "$key" > "$dir.tmp/.reproduce-done"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
  fi
  rm -rf "$run.tmp"
  mkdir -p "$run.tmp"
  cp "$gen/generations.jsonl" "$dir/eval.json" "$dir/eval_per_sample.jsonl" "$run.tmp/"
  jq --arg g "$gen" --arg s "${STORE:-}" --arg t "${TRAIN_DIR:-}" --arg e "$dir" \
    '{experiment: ., stages: {embed: $s, train: (if $t == "" then null else $t end), generate: $g, eval: $e}}' \
    <<< "$json" > "$run.tmp/experiment.json"
  echo "$dir" > "$run.tmp/.reproduce-done"
  rm -rf "$run"
  mv "$run.tmp" "$run"
}

# A stage's directory, remembered for the rest of this call: experiments that share a stage (same
# section, same store and adapter) ask the tool to resolve its config once.
declare -A stage_memo=()
stage_dir() {  # KIND JSON -> REPLY
  local k="$1|${STORE:-}|${ADAPTER:-}|$(jq -S -c --arg s "$1" '.[$s]' <<< "$2")"
  [ -n "${stage_memo[$k]:-}" ] || stage_memo[$k]="$("$1_stage" "$2")"
  REPLY="${stage_memo[$k]}"
}

run_experiment() {  # ID
  local id="$1" json
  json="$(resolve_experiment "$id")"
  if jq -e '.train == null and (.generate | tostring | contains("@ADAPTER@"))' <<< "$json" > /dev/null; then
    die "experiment $id: generate uses @ADAPTER@ but there is no train stage"
  fi
  STORE="" ADAPTER="" TRAIN_DIR=""
  stage_dir embed "$json"
  STORE="$REPLY"
  if jq -e '.train != null' <<< "$json" > /dev/null; then
    stage_dir train "$json"
    TRAIN_DIR="$REPLY"
    ADAPTER="$TRAIN_DIR/$(cat "$TRAIN_DIR/best" 2> /dev/null || echo checkpoint-BEST)/adapter.safetensors"
  fi
  stage_dir generate "$json"
  eval_stage "$id" "$json" "$REPLY"
  [ "$dry" = 1 ] || say "$id: done ($runs/$id)"
}

if [ -n "$resolve_id" ]; then
  case "$resolve_id" in ''|*[!A-Za-z0-9_]*) die "--resolve: an experiment id is letters, digits and _, got '$resolve_id'" ;; esac
  resolve_experiment "$resolve_id"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# The smoke world: synthetic DPL data, a tiny decoder and embedder whose tokenizers are learned on
# the train split, the review store, and the decoder LM-pretrained on the train reviews (then
# frozen), made with the demo's tools (docs/demo.md) at smoke.json's sizes.
make_world() {
  local settings key
  settings="$(jq -c '.world' <<< "$overlay")"
  key="$(echo "$settings" | sha256sum | cut -c1-16)"
  if [ -f "$world/.reproduce-done" ] && [ "$(cat "$world/.reproduce-done")" = "$key" ]; then return; fi
  [ "$dry" = 1 ] && { say "would build the smoke world -> $world"; return; }
  say "smoke world ($settings) -> $world"
  rm -rf "$world"
  mkdir -p "$world"
  local log="$world/reproduce.log" seed users steps
  seed="$(jq -r '.seed' <<< "$settings")" users="$(jq -c '.users' <<< "$settings")" steps="$(jq -r '.pretrain_steps' <<< "$settings")"
  sed "s#build/demo#$world#g" configs/demo/data.json > "$world/data.json"
  run_logged "$log" "$bin/dep-data" synth --config configs/demo/synth.json --set "users=$users" --set "seed=$seed" --out "$world/data"
  run_logged "$log" "$bin/dep-make-tiny" models --data "$world/data" --decoder "$world/models/decoder-init" \
    --embedder "$world/models/embedder" --seed "$seed"
  # BERTScore's model: a tiny random LED with a byte-level BPE vocabulary, made by the test suite's
  # maker in the venv (transformers; the venv is dep's build requirement, scripts/setup.sh).
  local python="${DEP_VENV:-$root/.venv}/bin/python3"
  [ -x "$python" ] || die "the smoke world's tiny BERTScore model needs the venv's python ($python; scripts/setup.sh, or set DEP_VENV)"
  run_logged "$log" "$python" tests/metrics/led/make_tiny_bertscore.py "$world/models/led"
  STORE="" ADAPTER=""
  stage_dir embed "$(resolve_experiment "$(jq -r '.world.embed_experiment' <<< "$overlay")")"
  local store="$REPLY"
  run_logged "$log" "$bin/dep-make-tiny" pretrain --config "$world/data.json" --model "$world/models/decoder-init" \
    --out "$world/models/decoder" --epochs 100 --max-steps "$steps" --threads "$threads" --seed "$seed" --embeddings "$store"
  echo "$key" > "$world/.reproduce-done"
}

experiments_of() {  # TARGET -> ids, one per line
  "$bin/dep-report" experiments "$1" || die "dep-report experiments $1 failed"
}

report() {  # TARGET
  local t="$1" kind args=(--runs "$runs" --out "$results/$t")
  case "$t" in figure*) kind=figure ;; *) kind=table ;; esac
  [ "$dry" = 1 ] && { say "would write $results/$t.* (dep-report $kind $t)"; return; }
  if [ "$t" = figure3 ]; then
    # Uniqueness groups from DEP's store and the data settings of DEP's generation.
    local store; store="$(jq -r '.stages.embed' "$runs/dep/experiment.json")"
    jq '.data' "$(jq -r '.stages.generate' "$runs/dep/experiment.json")/reproduce-config.json" > "$work/figure3-data.json"
    args+=(--embeddings "$store" --config "$work/figure3-data.json")
  fi
  run_logged "$work/report.log" "$bin/dep-report" "$kind" "$t" "${args[@]}"
  say "wrote $(ls "$results/$t".* | tr '\n' ' ')"
}

targets=("$target")
[ "$target" = all ] && targets=("${targets_all[@]}")
[ "$smoke" = 1 ] && make_world
declare -A done_ids=()
for t in "${targets[@]}"; do
  mapfile -t ids < <(experiments_of "$t")
  [ ${#ids[@]} -gt 0 ] || die "dep-report experiments $t listed no experiment"
  say "$t: ${ids[*]}"
  for id in "${ids[@]}"; do
    [ -n "${done_ids[$id]:-}" ] && continue
    run_experiment "$id"
    done_ids[$id]=1
  done
  report "$t"
done
say "done"

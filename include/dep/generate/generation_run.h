// A whole dep-generate run: load the checkpoint and the split, select this shard's samples, skip
// those already in the output (resume), build the rest chunk by chunk, generate, append each
// finished sample, report samples/s, tokens/s and ETA, and finish the outputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dep/generate/generate_config.h"
#include "dep/generate/generation_output.h"
#include "dep/generate/stage_pipeline.h"

namespace dep {

struct GenerationRunSummary {
  int64_t shard_samples = 0;     // samples this shard owns
  int64_t resumed = 0;           // already finished when the run started
  int64_t generated = 0;         // finished by this run
  int64_t generated_tokens = 0;  // by this run
  double seconds = 0;            // generation time of this run
  double mean_tokens = 0;        // over every finished sample of the shard
  double mean_chars = 0;
  bool complete = false;
  std::vector<StageCounts> stages;  // multi-stage methods: per stage, prompts cached / generated
  std::vector<std::string> files;
};

// SIGINT/SIGTERM (dep::install_interrupt_handlers) stop the run after syncing what finished; it
// throws dep::Error(kInterrupted) and a rerun continues.
GenerationRunSummary run_generation(const GenerateConfig& config, const Shard& shard);

}  // namespace dep

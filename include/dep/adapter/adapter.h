// The adapter interface: a personalization method's trainable part, which maps a batch's
// conditioning inputs (named float blocks, e.g. DEP's "his_diff" [B,2K,d]) to soft vectors
// [B,n,H] and names the n placeholder tokens they replace in the prompt. DEP (dep_adapter.h) is
// one implementation; a second method is one new file plus a line in adapter_registry.cpp, without
// touching the trainer, the engine or the sample builder. Adapter files record the method, its
// config and the hidden size, so a file cannot be loaded into another method or decoder width.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/adapter/adapter_config.h"
#include "dep/adapter/adapter_file_info.h"
#include "dep/adapter/dep_loss.h"
#include "dep/torch/tensor_io.h"

namespace dep {

class SafetensorsCheckpoint;

// A batch's conditioning inputs by name ([B, ...] float tensors); each adapter reads the ones its
// input_names() lists.
using AdapterInputs = std::map<std::string, torch::Tensor>;

struct AdapterOutput {
  torch::Tensor vectors;                  // [B,n,H] fp32: row i replaces placeholders[i]
  std::vector<std::string> placeholders;  // n placeholder tokens (resolved to ids by the tokenizer)
  // Method-specific tensors its auxiliary losses read (DEP: the SAE's input, code and reconstruction).
  std::map<std::string, torch::Tensor> aux;
};

class Adapter : public torch::nn::Module {
 public:
  // The method's registry name ("dep").
  virtual std::string method() const = 0;
  // Its config as JSON (what make_adapter rebuilds it from), hidden size resolved.
  virtual nlohmann::ordered_json config_json() const = 0;
  // The decoder width its vectors have.
  virtual int64_t hidden_size() const = 0;
  // The AdapterInputs it reads.
  virtual std::vector<std::string> input_names() const = 0;

  virtual AdapterOutput forward(const AdapterInputs& inputs) = 0;

  // Adds the method's auxiliary loss terms for `out` to `terms` (before combine_losses).
  virtual void add_aux_losses(const AdapterOutput& out, const LossConfig& loss, DepLossTerms& terms) const = 0;

  // Fresh weights from torch's default generator.
  virtual void initialize() = 0;

  int64_t trainable_parameter_count() const;
};

// The methods make_adapter knows, in registry order.
std::vector<std::string> adapter_methods();

// A freshly initialised adapter of `method`; `config` is its config JSON (missing keys keep their
// defaults); `hidden_size` is the decoder's. An unknown method is a dep::Error listing the known ones.
std::shared_ptr<Adapter> make_adapter(const std::string& method, const nlohmann::json& config, int64_t hidden_size);
std::shared_ptr<Adapter> make_adapter(const std::string& method, const nlohmann::ordered_json& config,
                                      int64_t hidden_size);


// The safetensors metadata an adapter file carries: the method, its config and the hidden size
// (plus "format": "pt").
std::map<std::string, std::string> adapter_metadata(const Adapter& adapter);

// The adapter described by a checkpoint's metadata (dep's own files); false when it has none
// (a reference checkpoint: the method's own reader infers it from the tensors).
bool read_adapter_file_info(const SafetensorsCheckpoint& checkpoint, AdapterFileInfo& info);

// The adapter's parameters in registration order, detached (fp32, as trained).
NamedTensors adapter_tensors(const Adapter& adapter);

// Writes the parameters with adapter_metadata (and `extra_metadata`).
void save_adapter(const std::string& path, const Adapter& adapter,
                  const std::map<std::string, std::string>& extra_metadata = {});

// Copies every parameter from `path` into `adapter`. A file of another method or hidden size is a
// one-line dep::Error naming both; missing, unexpected or mis-shaped tensors are one dep::Error
// naming each. Reference checkpoints without metadata load by their tensor names.
void load_adapter_weights(const std::string& path, Adapter& adapter);

// The adapter a checkpoint describes (its metadata; without metadata, the DEP reader of reference
// tensors), built for a decoder of width `hidden_size` (not loaded: see load_adapter_weights).
// A checkpoint trained for another hidden size is a one-line dep::Error naming both.
std::shared_ptr<Adapter> adapter_for_checkpoint(const SafetensorsCheckpoint& checkpoint, int64_t hidden_size);

// adapter_for_checkpoint + load_adapter_weights for one file.
std::shared_ptr<Adapter> load_adapter(const std::string& path, int64_t hidden_size);

}  // namespace dep

// `dep-model embed`: safetensors in, encoder outputs out (see embed_file.h).
#include "dep/embed/embed_file.h"

#include <torch/torch.h>

#include "dep/core/error.h"
#include "dep/torch/tensor_io.h"
#include "dep/embed/xlmr.h"

namespace dep {
namespace {

torch::Tensor read_id_tensor(const std::shared_ptr<SafetensorsFile>& file, const std::string& name) {
  const TensorInfo* info = file->find(name);
  if (!info) fail(file->path(), "missing tensor '" + name + "' (expected integer [B, T])");
  const torch::Tensor t = tensor_view(file, *info);
  if (t.dim() != 2) fail(file->path() + ": " + name, "expected shape [B, T], found " + shape_string(info->shape));
  if (t.is_floating_point() || t.scalar_type() == torch::kBool) {
    fail(file->path() + ": " + name, std::string("expected an integer dtype, found ") + dtype_name(info->dtype));
  }
  return t.to(torch::kLong);
}

}  // namespace

void run_embed_file(const std::string& model_dir, const std::string& input, const std::string& output,
                    const EmbedFileOptions& options) {
  XlmrLoadOptions load;
  load.dtype = parse_compute_dtype(options.dtype, "--dtype");
  load.device = parse_device(options.device, "--device");
  const auto file = SafetensorsFile::open(input);
  const torch::Tensor ids = read_id_tensor(file, "input_ids");
  const torch::Tensor mask = read_id_tensor(file, "attention_mask");
  if (ids.sizes() != mask.sizes()) {
    fail(input, "input_ids " + shape_string(ids.sizes().vec()) + " and attention_mask " +
                    shape_string(mask.sizes().vec()) + " differ in shape");
  }
  const auto encoder = XlmrEncoder::load(model_dir, load);
  const auto out = encoder.forward(ids, mask);
  torch::NoGradGuard no_grad;  // plain (not inference) tensors: callers may feed them to autograd
  // Pad positions carry no meaning; zero them so the file does not depend on the padding.
  const torch::Tensor keep = mask.ne(0).unsqueeze(-1).to(torch::kFloat32);
  const torch::Tensor hidden = out.last_hidden_state.to(torch::kCPU, torch::kFloat32) * keep;
  save_safetensors(output, {{"last_hidden_state", hidden}, {"dense_embedding", out.dense_embedding}},
                   {{"model", model_dir}, {"dtype", options.dtype}});
}

}  // namespace dep

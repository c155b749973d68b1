// The DEP adapter's shape and loss weights as typed configs (config.h `visit` pattern). Torch-free
// so training, generation and the apps can read and dump them without pulling in LibTorch.
#pragma once

#include <cstdint>
#include <string>

#include "dep/core/config.h"

namespace dep {

// `sae`: SAE with KL sparsity (DEP); `ae`: the same autoencoder without the sparsity term;
// `none`: no autoencoder, the raw embeddings go straight into the projectors.
enum class AutoencoderVariant { kSae, kAe, kNone };
// Which soft prompts are injected: both streams (DEP), his only, or diff only (Table 2).
enum class InjectedStreams { kBoth, kHis, kDiff };
// `xavier`: Xavier-uniform weights, zero biases (paper C.2.2, the reference's first code);
// `normal`: N(0, init_std) weights, zero biases (HF `_init_weights`, what the reference HEAD does).
enum class AdapterInit { kXavier, kNormal };

inline const EnumNames<AutoencoderVariant>& autoencoder_variant_names() {
  static const EnumNames<AutoencoderVariant> names = {
      {AutoencoderVariant::kSae, "sae"}, {AutoencoderVariant::kAe, "ae"}, {AutoencoderVariant::kNone, "none"}};
  return names;
}
inline const EnumNames<InjectedStreams>& injected_streams_names() {
  static const EnumNames<InjectedStreams> names = {
      {InjectedStreams::kBoth, "both"}, {InjectedStreams::kHis, "his"}, {InjectedStreams::kDiff, "diff"}};
  return names;
}
inline const EnumNames<AdapterInit>& adapter_init_names() {
  static const EnumNames<AdapterInit> names = {{AdapterInit::kXavier, "xavier"}, {AdapterInit::kNormal, "normal"}};
  return names;
}

// PPlug's own switch (docs/methods.md, PPlug): whether the zero rows that pad a user's history to
// a fixed size take part in the attention softmax and the weighted sum.
struct PplugOptions {
  // false: w = softmax over the user's real history rows only (the method as described);
  // true: padded zero rows count too (what the published vLLM runner's fixed zero-padded
  // [512, 1024] history tensor gives: each pad adds exp(0) to the softmax and his_mlp(0) to the sum).
  bool softmax_includes_padding = false;
  template <class V>
  void visit(V& v) {
    v("softmax_includes_padding", softmax_includes_padding,
      "PPlug: padded zero history rows take part in the attention softmax and sum (the published runner's fixed "
      "512-row tensor); false = real rows only");
  }
};

// What sits between the embedder and the frozen LLM (docs/reference-behaviour.md §5–7, paper Table 2/3 ablations).
struct AdapterConfig {
  // Which adapter dep-train builds: "dep" (SAE + his/diff projectors) or "pplug" (input-aware
  // attention over the history + instruction vector; uses embedding_dim, hidden_size, init,
  // init_std and the pplug section; the SAE keys are DEP's only).
  std::string method = "dep";
  AutoencoderVariant variant = AutoencoderVariant::kSae;
  int64_t embedding_dim = 1024;  // bge-m3 dense width
  int64_t latent_dim = 512;      // SAE code width d'
  // Projector width; 0 = the LLM's hidden size (the only value that can be injected).
  int64_t hidden_size = 0;
  InjectedStreams inject = InjectedStreams::kBoth;
  AdapterInit init = AdapterInit::kXavier;
  double init_std = 0.02;

  PplugOptions pplug;

  template <class V>
  void visit(V& v) {
    v.choice("method", method, {"dep", "pplug"},
             "adapter method: dep (SAE + his/diff projectors) or pplug (PPlug baseline, docs/methods.md)");
    v.choice("variant", variant, autoencoder_variant_names(), "autoencoder variant: sae (KL sparsity), ae (no sparsity), none (raw embeddings)");
    v("embedding_dim", embedding_dim, "width of the his/diff embeddings", Bounds::at_least(1));
    v("latent_dim", latent_dim, "SAE latent width", Bounds::at_least(1));
    v("hidden_size", hidden_size, "projector width; 0 = the LLM hidden size", Bounds::non_negative());
    v.choice("inject", inject, injected_streams_names(), "soft prompts injected into the LLM");
    v.choice("init", init, adapter_init_names(), "initialisation: xavier (paper) or normal (HF default)");
    v("init_std", init_std, "standard deviation of the normal init", Bounds::positive());
    v.section("pplug", pplug, "PPlug adapter options (method = pplug)");
  }

  bool uses_autoencoder() const { return variant != AutoencoderVariant::kNone; }
  bool uses_sparsity() const { return variant == AutoencoderVariant::kSae; }
  bool injects_his() const { return inject != InjectedStreams::kDiff; }
  bool injects_diff() const { return inject != InjectedStreams::kHis; }
  // Width the projectors read: the SAE code, or the raw embedding without an autoencoder.
  int64_t projector_input_dim() const { return uses_autoencoder() ? latent_dim : embedding_dim; }
};

// The SAE term over an accumulation window (see LossConfig::sae_term_over_window).
enum class WindowReduction { kSum, kMean };

inline const EnumNames<WindowReduction>& window_reduction_names() {
  static const EnumNames<WindowReduction> names = {{WindowReduction::kSum, "sum"}, {WindowReduction::kMean, "mean"}};
  return names;
}

// total = gen + lambda·(recon + gamma·sparse) (paper eq. 8, docs/reference-behaviour.md §5).
struct LossConfig {
  double lambda = 100.0;     // weight of the SAE term
  double gamma = 1e-3;       // weight of the KL term inside it
  double rho = 0.05;         // target mean activation
  double rho_clamp = 1e-6;   // ρ̂ is clamped to [rho_clamp, 1 − rho_clamp]
  double smooth_l1_beta = 1.0;
  // The reference (HF Trainer + DeepSpeed, docs/reference-behaviour.md §9) adds the full SAE term of every
  // micro-batch to the accumulated gradient: `sum`. `mean` divides it by the micro-batches of the
  // accumulation window, as a plain batch mean would.
  WindowReduction sae_term_over_window = WindowReduction::kSum;

  template <class V>
  void visit(V& v) {
    v("lambda", lambda, "weight of the SAE term (recon + gamma * sparse)", Bounds::non_negative());
    v("gamma", gamma, "weight of the KL sparsity term inside the SAE term", Bounds::non_negative());
    v("rho", rho, "target mean activation of the SAE code", Bounds{0.0, 0.99, true});
    v("rho_clamp", rho_clamp, "clamp of the mean activation to [c, 1 - c] before the KL", Bounds::between(0.0, 0.5));
    v("smooth_l1_beta", smooth_l1_beta, "beta of the smooth-L1 reconstruction loss", Bounds::positive());
    v.choice("sae_term_over_window", sae_term_over_window, window_reduction_names(),
             "SAE term over the accumulation window: sum (reference) or mean");
  }
};

}  // namespace dep

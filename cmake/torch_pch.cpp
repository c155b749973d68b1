// Compiled once so that torch targets can reuse its precompiled <torch/torch.h>.

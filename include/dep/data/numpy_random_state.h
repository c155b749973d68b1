// numpy's legacy RandomState (MT19937), the generator scikit-learn's `random_state=<int>` makes: an
// int seed goes through MT19937's init_genrand (numpy's mt19937_seed), and random_sample() builds a
// double from two 32-bit draws, (a >> 5) · 2^26 + (b >> 6), divided by 2^53. Only the draws DPL's
// k-means needs are here (docs/methods-dpl.md).
#pragma once

#include <array>
#include <cstdint>

namespace dep {

class NumpyRandomState {
 public:
  explicit NumpyRandomState(uint32_t seed);  // np.random.RandomState(seed)

  uint32_t next_uint32();
  double random_sample();  // [0, 1), np.random.RandomState.random_sample()

 private:
  void refill();
  std::array<uint32_t, 624> state_{};
  int position_ = 624;
};

}  // namespace dep

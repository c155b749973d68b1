// numpy's legacy MT19937 RandomState (see numpy_random_state.h).
#include "dep/data/numpy_random_state.h"

namespace dep {

NumpyRandomState::NumpyRandomState(uint32_t seed) {
  // MT19937 init_genrand, which numpy's legacy seeding applies to an integer seed.
  state_[0] = seed;
  for (uint32_t i = 1; i < 624; ++i) state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + i;
  position_ = 624;
}

void NumpyRandomState::refill() {
  constexpr uint32_t kUpper = 0x80000000u, kLower = 0x7fffffffu, kMatrix = 0x9908b0dfu;
  for (int k = 0; k < 624; ++k) {
    const uint32_t y = (state_[k] & kUpper) | (state_[(k + 1) % 624] & kLower);
    state_[k] = state_[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? kMatrix : 0u);
  }
  position_ = 0;
}

uint32_t NumpyRandomState::next_uint32() {
  if (position_ >= 624) refill();
  uint32_t y = state_[position_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

double NumpyRandomState::random_sample() {
  const uint32_t a = next_uint32() >> 5, b = next_uint32() >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

}  // namespace dep

// A fast path for reading DPL rows: a JSON scanner specialised to the row schema that fills
// Review/UserRow directly (no DOM). It accepts only well-formed rows that pass every check of
// parse_user_row; anything else returns false and the caller re-parses with the general parser,
// which produces the precise error. Full-size DPL train files are ~2 GB, so this matters.
#pragma once

#include <string_view>

#include "dep/data/dataset.h"

namespace dep::detail {

bool fast_parse_user_row(std::string_view line, UserRow& row);

}  // namespace dep::detail

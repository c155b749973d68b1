// Checks a tool makes on its output paths before any work, so that a path that cannot be written is
// a bad-input error (exit 2) naming the path and the key or flag it came from, not a failure after
// hours of compute.
#pragma once

#include <string>
#include <vector>

namespace dep {

// Where an atomic write of `path` (dep/core/atomic_file.h) lands: `path` itself, or the final
// target of a symlink chain, so that a link is written through rather than replaced. A device,
// FIFO, socket or directory there is a bad-input dep::Error: outputs never replace special files.
std::string atomic_write_target(const std::string& path);

// Describes a failed write's errno: ENOSPC reads "no space left on device".
std::string write_error_text(int error);

// `path` is or can become a directory: it is one, or it does not exist and its nearest existing
// ancestor is a writable directory.
void check_output_directory(const std::string& path, const std::string& where);

// `path` can be written as a file: it is not a directory, and its nearest existing ancestor is a
// writable directory. "-" (stdout) always passes.
// A device, FIFO or socket at `path` (or at a symlink's target) is refused.
void check_output_file(const std::string& path, const std::string& where);

// `output` names none of `inputs` (the same file by any path: a link, "./x", a symlink), so a
// tool never writes over what it reads. "-" is never an input file.
void check_not_an_input(const std::string& output, const std::vector<std::string>& inputs, const std::string& where);

}  // namespace dep

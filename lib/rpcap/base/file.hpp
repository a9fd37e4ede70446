// SPDX-License-Identifier: BSD-3-Clause
// Whole files read and written with the cause of any failure in the
// message, and written so that a failed write never destroys what was
// there: a temporary file beside it, renamed over it once complete.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "rpcap/base/error.hpp"

namespace rpcap {

// The contents of the file at `path`. Fails with ErrorKind::io ("open
// PATH: No such file or directory"), or ErrorKind::config if it is larger
// than `limit` bytes.
Result<std::string> read_file(const std::string& path, std::size_t limit);

// Replace the file at `path` with `text` (created with `mode`, less the
// umask): written to a temporary file in the same folder, flushed, then
// renamed over `path` (over what it points at, if it is a symbolic link).
// On failure (ErrorKind::io, "write PATH: No space left on device") `path`
// is as it was and the temporary file is gone.
Status write_file(const std::string& path, std::string_view text, mode_t mode = 0644);

// Write `text` to a new file `path` with exactly `mode` (a private key's
// 0600 whatever the umask), refusing to replace a file unless `replace`;
// a replaced file gets `mode` too. Fails (ErrorKind::io) with the cause
// ("write key.pem: File exists (--force replaces it)").
Status write_new_file(const std::string& path, std::string_view text, mode_t mode, bool replace);

}  // namespace rpcap

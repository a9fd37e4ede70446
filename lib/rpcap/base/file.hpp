// SPDX-License-Identifier: BSD-3-Clause
// Whole files read and written with the cause of any failure in the
// message, and written so that a failed write never destroys what was
// there: a temporary file beside it, renamed over it once complete.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

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

// A file for write_new_files(): where it goes, what it holds, its exact mode.
struct NewFile {
  std::string path;
  std::string_view text;
  mode_t mode;
};

// Write all of `files` or none (a key and its certificate), each with
// exactly its `mode` (a private key's 0600 whatever the umask), refusing
// to replace a file unless `replace` (a symbolic link then stays one, as
// with write_file()). Every destination is checked, then each file is
// written to a temporary file beside it, and they are renamed into place
// only once all are written. `files` name different files. Fails
// (ErrorKind::io) with the cause ("write "key.pem": File exists (--force
// replaces it)"), every file as it was (short of the folder changing
// between the renames) and the temporary files gone.
Status write_new_files(const std::vector<NewFile>& files, bool replace);

// True if `a` and `b` name the same file: the same inode when both exist
// (whatever the links between them), else the same path once made absolute
// and normal, with the symbolic links of its existing part followed.
bool same_file(const std::string& a, const std::string& b);

}  // namespace rpcap

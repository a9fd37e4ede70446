// SPDX-License-Identifier: BSD-3-Clause
// Capture files for long captures, as tcpdump makes them: a new file once
// the current one holds -C MB, or every -G seconds (the name then a
// strftime(3) pattern), at most -W of them kept (a ring buffer), and -z's
// command run on each file once it is complete. The writer starts every
// file with its own headers (PcapWriter/PcapngWriter::restart), so each one
// is readable on its own.
//
// Names, as tcpdump's: FILE for the first file and FILE1, FILE2... after it
// with -C; with -W, FILE0 ... FILE<W-1> (zero-padded to one width) again and
// again; with -G, strftime(FILE) at the time the file is opened, and with -W
// the oldest file of this run is removed once there are more than W.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <deque>
#include <memory>
#include <string>

#include "rpcap/base/children.hpp"
#include "rpcap/base/error.hpp"
#include "rpcap/base/fd.hpp"

namespace rpcap {

struct RotationOptions {
  std::string path;               // -w FILE; with `period`, a strftime(3) pattern
  std::uint64_t max_bytes{0};     // -C, in bytes: a new file once the current one holds more (0: no limit)
  std::chrono::seconds period{0}; // -G: a new file this often (0: never)
  unsigned max_files{0};          // -W: files kept (0: every one)
  std::string post_command;       // -z: run as `COMMAND FILE` on each complete file

  // True if these options ask for more than one plain file.
  bool rotates() const noexcept { return max_bytes != 0 || period.count() != 0; }
};

// The name of file number `index` (0 for the first) opened at `when`.
std::string rotation_name(const RotationOptions& opts, std::time_t when, std::uint64_t index);

// A capture's first output file, opened without emptying it, so that a
// capture that cannot start leaves a file that was there as it was (as
// tcpdump does): a new file is `created` (for the caller to remove if the
// capture never begins); an existing regular file is `existing` (for the
// writer to empty once it has something to write:
// PcapWriter::truncate_on_first_write); a fifo or a device is written as
// it is.
struct OutputFile {
  Fd fd;
  bool created{false};
  bool existing{false};
};
Result<OutputFile> open_output_file(const std::string& path);

class OutputFiles {
public:
  // Open the first file, as open_output_file() does: not emptied yet.
  static Result<std::unique_ptr<OutputFiles>> open(const RotationOptions& opts, std::time_t now);
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  int fd() const noexcept { return m_current.get(); }
  const std::string& path() const noexcept { return m_path; }
  // How the first file was found (open_output_file()).
  bool first_created() const noexcept { return m_first_created; }
  bool first_existing() const noexcept { return m_first_existing; }
  // True if the next packet belongs in a new file: the current one holds
  // `bytes` bytes, more than -C, or -G seconds have passed since it was opened.
  bool due(std::uint64_t bytes, std::time_t now) const;
  // Open the next file and return its descriptor; the current one stays
  // open until retire(), unless the next has the same name (a -G pattern
  // without a changing field, a ring of one): then it is closed first, and
  // begun anew.
  Result<int> next(std::time_t now);
  // Close the file before the current one, run -z on it, and remove files
  // beyond -W.
  void retire();
  // At the end of the capture: close the current file and run -z on it.
  void close();

  // Move to a new file if `writer` (a PcapWriter or PcapngWriter) is due for one.
  template <typename Writer>
  Status rotate_if_due(Writer& writer)
  {
    const std::time_t now = std::time(nullptr);
    if (!due(writer.file_bytes(), now)) { return {}; }
    // Everything for the current file goes there before the next is
    // opened, which may be the same name again (then truncated and begun anew).
    if (auto st = writer.flush(); !st) { return st; }
    auto fd = next(now);
    if (!fd) { return std::move(fd).error(); }
    auto st = writer.restart(*fd);
    retire();
    return st;
  }

private:
  explicit OutputFiles(const RotationOptions& opts) : m_opts(opts) {}
  Result<Fd> create(const std::string& path);
  void finished(const std::string& path);

  RotationOptions m_opts;
  Fd m_current;
  Fd m_previous;
  std::string m_path;
  std::string m_previous_path;
  std::time_t m_opened{0};
  std::uint64_t m_index{0};
  bool m_first_created{false};
  bool m_first_existing{false};
  std::deque<std::string> m_kept;  // -G -W: the files of this run, oldest first
  Children m_commands;             // -z
};

}  // namespace rpcap

// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/output_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

namespace rpcap {
namespace {

// Digits of `n` in decimal (1 for 0).
int digits(std::uint64_t n)
{
  int d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

}  // namespace

std::string rotation_name(const RotationOptions& opts, std::time_t when, std::uint64_t index)
{
  std::string base = opts.path;
  if (opts.period.count() != 0) {
    std::tm tm{};
    ::localtime_r(&when, &tm);
    char buf[4096];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    // The user's pattern (-G: FILE is a strftime(3) pattern, as tcpdump's).
    const std::size_t n = std::strftime(buf, sizeof buf, opts.path.c_str(), &tm);
#pragma GCC diagnostic pop
    if (n > 0) { base.assign(buf, n); }
  }
  if (opts.max_files != 0 && opts.max_bytes != 0) {
    std::string num = std::to_string(index % opts.max_files);
    const auto width = static_cast<std::size_t>(digits(opts.max_files - 1));
    if (num.size() < width) { num.insert(0, width - num.size(), '0'); }
    return base + num;
  }
  if (opts.max_bytes != 0 && index != 0) { return base + std::to_string(index); }
  return base;
}

Result<OutputFile> open_output_file(const std::string& path)
{
  OutputFile file;
  file.fd = Fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (file.fd) {
    file.created = true;
    return file;
  }
  if (errno == EEXIST) { file.fd = Fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)}; }
  if (!file.fd) { return make_error(ErrorKind::io, "open \"" + path + "\": " + std::strerror(errno)); }
  struct stat st {};
  file.existing = ::fstat(file.fd.get(), &st) == 0 && S_ISREG(st.st_mode);
  return file;
}

Result<std::unique_ptr<OutputFiles>> OutputFiles::open(const RotationOptions& opts, std::time_t now)
{
  std::unique_ptr<OutputFiles> files{new OutputFiles(opts)};
  files->m_path = rotation_name(opts, now, 0);
  auto first = open_output_file(files->m_path);
  if (!first) { return std::move(first).error(); }
  files->m_current = std::move(first->fd);
  files->m_first_created = first->created;
  files->m_first_existing = first->existing;
  files->m_opened = now;
  if (opts.period.count() != 0) { files->m_kept.push_back(files->m_path); }
  return files;
}

OutputFiles::~OutputFiles() { (void)m_commands.reap(); }

Result<Fd> OutputFiles::create(const std::string& path)
{
  Fd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (!fd) { return make_error(ErrorKind::io, "open \"" + path + "\": " + std::strerror(errno)); }
  return fd;
}

bool OutputFiles::due(std::uint64_t bytes, std::time_t now) const
{
  if (m_opts.max_bytes != 0 && bytes > m_opts.max_bytes) { return true; }
  return m_opts.period.count() != 0 && now - m_opened >= m_opts.period.count();
}

Result<int> OutputFiles::next(std::time_t now)
{
  // A -G period with nothing captured in it has no file: the next file
  // is named for the time it is opened, as tcpdump does.
  const std::string path = rotation_name(m_opts, now, m_index + 1);
  if (path == m_path) {
    m_current.reset();  // the same file again: no -z for it, it is not complete
  }
  auto fd = create(path);
  if (!fd) { return std::move(fd).error(); }
  ++m_index;
  if (m_current) {
    m_previous = std::move(m_current);
    m_previous_path = std::move(m_path);
  }
  m_current = std::move(*fd);
  m_path = path;
  m_opened = now;
  if (m_opts.period.count() != 0) {
    // A name that comes round again (cap-%H after a day) is the newest file, once.
    m_kept.erase(std::remove(m_kept.begin(), m_kept.end(), path), m_kept.end());
    m_kept.push_back(path);
  }
  return m_current.get();
}

void OutputFiles::retire()
{
  if (m_previous) {
    m_previous.reset();
    finished(m_previous_path);
  }
  if (m_opts.period.count() != 0 && m_opts.max_files != 0) {
    while (m_kept.size() > m_opts.max_files && m_kept.front() != m_path) {
      (void)::unlink(m_kept.front().c_str());
      m_kept.pop_front();
    }
  }
}

void OutputFiles::close()
{
  if (!m_current) { return; }
  m_current.reset();
  finished(m_path);
}

void OutputFiles::finished(const std::string& path)
{
  (void)m_commands.reap();
  if (m_opts.post_command.empty()) { return; }
  // Built before the fork: the child of a threaded process only execs.
  std::vector<std::string> words{m_opts.post_command, path};
  std::vector<char*> argv{words[0].data(), words[1].data(), nullptr};
  (void)m_commands.spawn(path, [&] {
    ::signal(SIGPIPE, SIG_DFL);  // ignored here, as a pipeline's command expects it not to be
    ::execvp(argv[0], argv.data());
    return 127;
  });
}

}  // namespace rpcap

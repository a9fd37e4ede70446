// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/base/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "rpcap/base/fd.hpp"

namespace rpcap {
namespace {

Error io_failure(const std::string& what, const std::string& path, int err)
{
  return make_error(ErrorKind::io, what + " " + path + ": " + std::strerror(err));
}

// Write all of `text` to `fd`; the failure's message is strerror's.
Status write_all_to(int fd, std::string_view text)
{
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) { continue; }
    if (n <= 0) { return make_error(ErrorKind::io, std::strerror(n < 0 ? errno : EIO)); }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

Result<std::string> read_file(const std::string& path, std::size_t limit)
{
  struct Closer {
    void operator()(std::FILE* f) const { (void)std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) { return io_failure("open", path, errno); }
  std::string data;
  std::array<char, 8192> buf{};
  for (;;) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), file.get());
    data.append(buf.data(), n);
    if (data.size() > limit) {
      return make_error(ErrorKind::config, path + ": file is larger than " + std::to_string(limit) + " bytes");
    }
    if (n < buf.size()) {
      if (std::ferror(file.get()) != 0) { return io_failure("read", path, errno); }
      return data;
    }
  }
}

Status write_file(const std::string& path, std::string_view text, mode_t mode)
{
  // A device or a pipe (/dev/stdout) is written to as it is: it has nothing to lose.
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    Fd out{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
    if (!out) { return io_failure("write", path, errno); }
    if (auto st2 = write_all_to(out.get(), text); !st2) {
      return make_error(ErrorKind::io, "write " + path + ": " + st2.error().message);
    }
    return {};
  }
  // A symbolic link stays one: what it points at is replaced.
  std::string target = path;
  if (char* real = ::realpath(path.c_str(), nullptr); real != nullptr) {
    target = real;
    std::free(real);
  }
  std::string temp = target + ".XXXXXX";
  Fd fd{::mkstemp(temp.data())};
  if (!fd) { return io_failure("write", path, errno); }
  auto fail = [&](int err) {
    ::unlink(temp.c_str());
    return io_failure("write", path, err);
  };
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd.get(), mode & ~mask) != 0) { return fail(errno); }
  if (auto written = write_all_to(fd.get(), text); !written) {
    ::unlink(temp.c_str());
    return make_error(ErrorKind::io, "write " + path + ": " + written.error().message);
  }
  if (::fsync(fd.get()) != 0) { return fail(errno); }
  if (::close(fd.release()) != 0) { return fail(errno); }
  if (::rename(temp.c_str(), target.c_str()) != 0) { return fail(errno); }
  return {};
}

Status write_new_file(const std::string& path, std::string_view text, mode_t mode, bool replace)
{
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL);
  Fd fd{::open(path.c_str(), flags, mode)};
  if (!fd) {
    std::string cause = std::strerror(errno);
    if (errno == EEXIST) { cause += " (--force replaces it)"; }
    return make_error(ErrorKind::io, "write \"" + path + "\": " + cause);
  }
  // An existing file keeps its mode with O_TRUNC: a key must not stay readable.
  if (::fchmod(fd.get(), mode) != 0 || !write_all(fd.get(), text.data(), text.size(), -1)) {
    return make_error(ErrorKind::io, "write \"" + path + "\": " + std::strerror(errno));
  }
  return {};
}

}  // namespace rpcap

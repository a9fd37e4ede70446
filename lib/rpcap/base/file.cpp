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
#include <filesystem>
#include <memory>
#include <utility>

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

// What a write by rename replaces for `path`: the path itself, or, for a
// symbolic link, what it points at (the link stays one).
std::string rename_target(const std::string& path)
{
  std::string target = path;
  if (char* real = ::realpath(path.c_str(), nullptr); real != nullptr) {
    target = real;
    std::free(real);
  }
  return target;
}

// A file of write_new_files() on its way: its temporary file, until it is
// renamed into place, goes with this.
struct PendingFile {
  std::string target;  // the file replaced: the path, or what its symbolic link points at
  std::string temp;    // the temporary file beside it; empty once renamed (or not yet made)
  bool existed{false};
  PendingFile() = default;
  PendingFile(PendingFile&& other) noexcept
      : target(std::move(other.target)), temp(std::exchange(other.temp, {})), existed(other.existed)
  {
  }
  PendingFile& operator=(PendingFile&&) = delete;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile()
  {
    if (!temp.empty()) { (void)::unlink(temp.c_str()); }
  }
};

// Rename `temp` to `target`; without `replace` only if nothing is there
// (RENAME_NOREPLACE, as O_EXCL would: no race with another writer); a file
// system without it gets a plain rename, after write_new_files()'s check.
// False with errno set if it fails.
bool put_in_place(const std::string& temp, const std::string& target, bool replace)
{
  if (!replace) {
    if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) { return true; }
    if (errno != EINVAL && errno != ENOSYS) { return false; }
  }
  return ::rename(temp.c_str(), target.c_str()) == 0;
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
  const std::string target = rename_target(path);
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

Status write_new_files(const std::vector<NewFile>& files, bool replace)
{
  auto failure = [](const std::string& path, int err) {
    std::string cause = std::strerror(err);
    if (err == EEXIST) { cause += " (--force replaces it)"; }
    return make_error(ErrorKind::io, "write \"" + path + "\": " + cause);
  };
  std::vector<PendingFile> pending(files.size());
  // Every destination is checked before anything is written: the second
  // one's problem must not come once the first is replaced.
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string& path = files[i].path;
    PendingFile& p = pending[i];
    p.target = path;
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) { continue; }  // nothing there; a folder that cannot be written fails below
    if (!replace) { return failure(path, EEXIST); }
    p.existed = true;
    p.target = rename_target(path);
    // The rename would take the name of a folder or a device (/dev/null as root).
    if (::stat(p.target.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      if (S_ISDIR(st.st_mode)) { return failure(path, EISDIR); }
      return make_error(ErrorKind::io, "write \"" + path + "\": not a regular file");
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    const NewFile& f = files[i];
    PendingFile& p = pending[i];
    std::string temp = p.target + ".XXXXXX";
    Fd fd{::mkstemp(temp.data())};
    if (!fd) { return failure(f.path, errno); }
    p.temp = std::move(temp);
    // Exactly `mode`: mkstemp's 0600, or the umask, would be wrong for a certificate.
    if (::fchmod(fd.get(), f.mode) != 0) { return failure(f.path, errno); }
    if (auto written = write_all_to(fd.get(), f.text); !written) {
      return make_error(ErrorKind::io, "write \"" + f.path + "\": " + written.error().message);
    }
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) { return failure(f.path, errno); }
  }
  // All written: now into place. A rename in a folder where a file was
  // just made fails only if the folder changes meanwhile (a file appears
  // without `replace`, a read-only remount); the new files put in place
  // before it go again, but one that replaced a file cannot bring it back.
  for (std::size_t i = 0; i < pending.size(); ++i) {
    PendingFile& p = pending[i];
    if (!put_in_place(p.temp, p.target, replace)) {
      const int err = errno;
      for (std::size_t j = 0; j < i; ++j) {
        if (!pending[j].existed) { (void)::unlink(pending[j].target.c_str()); }
      }
      return failure(files[i].path, err);
    }
    p.temp.clear();
  }
  return {};
}

bool same_file(const std::string& a, const std::string& b)
{
  struct stat sa{};
  struct stat sb{};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0) {
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  }
  // Absolute first: weakly_canonical() leaves "k.pem" relative when it does
  // not exist, but makes "./k.pem" absolute.
  auto normal = [](const std::string& path, std::error_code& ec) {
    return std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  };
  std::error_code ea;
  std::error_code eb;
  const auto ca = normal(a, ea);
  const auto cb = normal(b, eb);
  if (ea || eb) { return a == b; }
  return ca == cb;
}

}  // namespace rpcap

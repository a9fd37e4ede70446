// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/credentials.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "rpcap/net/socket.hpp"

namespace rpcap {
namespace {

// Longest password line read; AUTH_REQ carries at most 65535 bytes.
constexpr std::size_t k_max_password = 65535;

std::string strip_line_end(std::string line)
{
  if (!line.empty() && line.back() == '\n') { line.pop_back(); }
  if (!line.empty() && line.back() == '\r') { line.pop_back(); }
  return line;
}

// Read from `fd` up to the first "\n" (included) or end of file, at most
// `max` bytes; nullopt on a read error (errno set).
std::optional<std::string> read_line(int fd, std::size_t max)
{
  std::string line;
  char c = 0;
  while (line.size() <= max) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) { continue; }
    if (n < 0) { return std::nullopt; }
    if (n == 0) { break; }
    line += c;
    if (c == '\n') { break; }
  }
  return line;
}

}  // namespace

Result<std::string> read_password_file(const std::string& path)
{
  const std::string what = "password file \"" + path + "\"";
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) { return make_error(ErrorKind::config, what + ": " + std::strerror(errno)); }
  auto line = read_line(fd.get(), k_max_password + 2);
  if (!line) { return make_error(ErrorKind::config, what + ": " + std::strerror(errno)); }
  std::string password = strip_line_end(std::move(*line));
  if (password.size() > k_max_password) {
    return make_error(ErrorKind::config, what + ": the first line is longer than "
                                             + std::to_string(k_max_password) + " bytes");
  }
  if (password.empty()) { return make_error(ErrorKind::config, what + ": the first line is empty"); }
  return password;
}

Result<std::string> prompt_password(std::string_view prompt)
{
  Fd tty{::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (!tty) { return make_error(ErrorKind::io, std::string{"open /dev/tty: "} + std::strerror(errno)); }
  termios saved{};
  const bool is_tty = ::tcgetattr(tty.get(), &saved) == 0;
  if (is_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  }
  (void)write_all(tty.get(), prompt.data(), prompt.size(), 1000);
  auto line = read_line(tty.get(), k_max_password + 2);
  const int err = errno;
  if (is_tty) { ::tcsetattr(tty.get(), TCSAFLUSH, &saved); }
  if (!line) { return make_error(ErrorKind::io, std::string{"read /dev/tty: "} + std::strerror(err)); }
  return strip_line_end(std::move(*line));
}

Result<std::optional<Credentials>> credentials_for(const std::string& user, const PasswordSources& sources)
{
  if (user.empty()) { return std::optional<Credentials>{}; }
  if (!sources.password_file.empty()) {
    auto pw = read_password_file(sources.password_file);
    if (!pw) { return std::move(pw).error(); }
    return std::optional<Credentials>{Credentials{user, std::move(*pw)}};
  }
  if (sources.env_password) { return std::optional<Credentials>{Credentials{user, *sources.env_password}}; }
  if (sources.may_prompt) {
    auto pw = prompt_password("password for " + user + ": ");
    if (!pw) { return std::move(pw).error(); }
    return std::optional<Credentials>{Credentials{user, std::move(*pw)}};
  }
  return make_error(ErrorKind::usage, "no password for user \"" + user
                                          + "\": give --password-file, set RPCAP_PASSWORD or run on a terminal");
}

}  // namespace rpcap

// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/daemon_call.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rpcap {

std::string output_for(const std::string& pattern, const std::string& host, unsigned call)
{
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && (pattern[i + 1] == 'h' || pattern[i + 1] == '%')) {
      out += pattern[i + 1] == 'h' ? host : "%";
      ++i;
    } else {
      out += pattern[i];
    }
  }
  if (call > 1) { out += "." + std::to_string(call - 1); }
  return out;
}

bool per_daemon_output(const std::string& pattern) { return output_for(pattern, "\x01") != output_for(pattern, ""); }

std::vector<std::pair<std::string, std::string>> command_environment(const IncomingDaemon& d)
{
  const std::string host = d.peer.host();
  const std::string port = std::to_string(d.peer.port());
  std::vector<std::pair<std::string, std::string>> env{
      {"RPCAP_FD", std::to_string(k_command_fd)},
      {"RPCAP_DAEMON", host},
      {"RPCAP_DAEMON_PORT", port},
      {"PROTO", "TCP"},
      {"TCPREMOTEIP", host},
      {"TCPREMOTEPORT", port},
  };
  if (auto local = local_address(d.conn.get())) {
    env.emplace_back("TCPLOCALIP", local->host());
    env.emplace_back("TCPLOCALPORT", std::to_string(local->port()));
  }
  return env;
}

std::pair<int, std::string> exec_with_connection(const std::vector<std::string>& argv, IncomingDaemon& d)
{
  for (const auto& [name, value] : command_environment(d)) { ::setenv(name.c_str(), value.c_str(), 1); }
  const int fd = d.conn.release();
  if (fd == k_command_fd) {
    ::fcntl(fd, F_SETFD, 0);
  } else if (::dup2(fd, k_command_fd) < 0) {
    return {1, std::string{"dup2: "} + std::strerror(errno)};
  }
  std::vector<char*> args;
  for (const auto& a : argv) { args.push_back(const_cast<char*>(a.c_str())); }
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  const int err = errno;
  return {err == ENOENT ? 127 : 126, "run \"" + argv.front() + "\": " + std::strerror(err)};
}

}  // namespace rpcap

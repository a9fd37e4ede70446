// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/base/error.hpp"

namespace rpcap {

const char* to_string(ErrorKind kind)
{
  switch (kind) {
  case ErrorKind::truncated: return "truncated";
  case ErrorKind::malformed: return "malformed";
  case ErrorKind::unsupported_version: return "unsupported_version";
  case ErrorKind::remote: return "remote";
  case ErrorKind::auth: return "auth";
  case ErrorKind::io: return "io";
  case ErrorKind::config: return "config";
  case ErrorKind::usage: return "usage";
  case ErrorKind::busy: return "busy";
  }
  return "unknown";
}

}  // namespace rpcap

// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer entry point of the server_session target; the body is fuzz_server_session() in targets.cpp.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  return rpcap::fuzz::fuzz_server_session(data, size);
}

// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer entry point of the protocol_decode target; the body is fuzz_protocol_decode() in targets.cpp.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  return rpcap::fuzz::fuzz_protocol_decode(data, size);
}

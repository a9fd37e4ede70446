// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer entry point of the config target; the body is fuzz_config() in targets.cpp.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  return rpcap::fuzz::fuzz_config(data, size);
}

# SPDX-License-Identifier: BSD-3-Clause
# rpcap_warnings: the warning set for our own code (never third-party code).
add_library(rpcap_warnings INTERFACE)
target_compile_options(rpcap_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wconversion -Wsign-conversion -Wformat=2
  # GCC 12 reports false -Wnull-dereference positives inside inlined
  # libstdc++ stream code; a target sets RPCAP_NO_NULL_DEREFERENCE to opt out.
  $<$<NOT:$<BOOL:$<TARGET_PROPERTY:RPCAP_NO_NULL_DEREFERENCE>>>:-Wnull-dereference>)
if(RPCAP_WERROR)
  target_compile_options(rpcap_warnings INTERFACE -Werror)
endif()

# rpcap_settings: definitions every target of ours shares.
add_library(rpcap_settings INTERFACE)
target_compile_definitions(rpcap_settings INTERFACE
  RPCAP_VERSION="${PROJECT_VERSION}"
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)

# SPDX-License-Identifier: BSD-3-Clause
# RPCAP_SANITIZE="address;undefined" builds everything with those sanitizers.
if(RPCAP_SANITIZE)
  list(JOIN RPCAP_SANITIZE "," _rpcap_san)
  add_compile_options(-fsanitize=${_rpcap_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_rpcap_san})
endif()

# SPDX-License-Identifier: BSD-3-Clause
# Install-time part of `cmake --install` (included by install(CODE) in the
# top-level CMakeLists.txt): the systemd units with the ExecStart of this
# install's prefix, and /etc/rpcapd.conf unless one is there already.
# Here CMAKE_INSTALL_PREFIX is the prefix of this install (--prefix), and
# DESTDIR, from the environment, the staging root, which file(INSTALL)
# prepends to absolute destinations itself. Set by the caller:
# RPCAP_SOURCE_DIR, RPCAP_BINARY_DIR, RPCAP_SBINDIR and RPCAP_UNITDIR
# (relative to the prefix, or absolute), RPCAP_SYSCONFDIR (absolute).

function(rpcap_full_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

rpcap_full_path(_sbindir "${RPCAP_SBINDIR}")
rpcap_full_path(_unitdir "${RPCAP_UNITDIR}")

# The @RPCAPD@ and @RPCAP_CONFIG@ of dist/systemd/*.in.
set(RPCAPD "${_sbindir}/rpcapd")
set(RPCAP_CONFIG "${RPCAP_SYSCONFDIR}/rpcapd.conf")
# Made in a directory of this install's own: installs into other DESTDIRs
# or prefixes may run at the same time from the same build (ctest -j runs
# two). string(RANDOM) alone is seeded with the time in seconds.
set(_src "${RPCAP_SOURCE_DIR}/dist/systemd")
string(RANDOM LENGTH 12 _tag)
string(SHA1 _tag "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}|${_tag}")
string(SUBSTRING "${_tag}" 0 16 _tag)
set(_gen "${RPCAP_BINARY_DIR}/dist/systemd/install-${_tag}")
configure_file("${_src}/rpcapd.service.in" "${_gen}/rpcapd.service" @ONLY)
configure_file("${_src}/rpcapd-inetd@.service.in" "${_gen}/rpcapd-inetd@.service" @ONLY)
file(INSTALL DESTINATION "${_unitdir}" TYPE FILE
     FILES "${_gen}/rpcapd.service" "${_gen}/rpcapd-inetd@.service"
           "${_src}/rpcapd.socket" "${_src}/rpcapd-inetd.socket")
file(REMOVE_RECURSE "${_gen}")

# A configuration the administrator has (edited or not) is never replaced:
# the shipped one is also in the documentation's examples to compare with.
if(EXISTS "$ENV{DESTDIR}${RPCAP_CONFIG}")
  message(STATUS "Keeping: $ENV{DESTDIR}${RPCAP_CONFIG} (the shipped one is in the examples of the documentation)")
else()
  file(INSTALL DESTINATION "${RPCAP_SYSCONFDIR}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${RPCAP_SOURCE_DIR}/dist/rpcapd.conf")
endif()

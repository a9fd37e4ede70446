// SPDX-License-Identifier: BSD-3-Clause
// The bodies of the libFuzzer targets, one function per parser. The
// fuzz_<name>.cpp files only call them, so that unit_tests can run the
// regression inputs of tests/fuzz-regressions/<name>/ on every build, with
// any compiler (tests/unit/test_fuzz_regressions.cpp).
//
// Each function takes one input, runs the parser on it and checks the
// properties the library promises; a broken promise goes to the failure
// handler (default: print it and abort, which libFuzzer reports as a crash).
// Deterministic; no network, files or devices. Input formats:
//
//   protocol_decode  a byte stream of messages, as either peer reads it
//   protocol_client  a byte stream of messages from a daemon, as a client reads it
//   url              a source string, optionally followed by NUL and an
//                    interface name (for remote_interface_source)
//   config           a config file; also a host list file; also NUL-separated
//                    fields of a DaemonConfig for write_config (see targets.cpp)
//   server_session   +0 u8 environment flags (k_env_* below)  +1 u8: bits 0-5
//                    chunking (0 = one feed; n = chunks of 1..n bytes), bits
//                    6-7 the client certificate (k_cert_* below)  +2 the bytes
//                    a client sends on the control connection
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace rpcap::fuzz {

// Called with a description of the broken property; must not return (throw or abort).
using FailureHandler = void (*)(const std::string& what);
// Replace the failure handler; nullptr restores the default (print to stderr, abort).
void set_failure_handler(FailureHandler handler);

int fuzz_protocol_decode(const std::uint8_t* data, std::size_t size);
int fuzz_protocol_client(const std::uint8_t* data, std::size_t size);
int fuzz_url(const std::uint8_t* data, std::size_t size);
int fuzz_config(const std::uint8_t* data, std::size_t size);
int fuzz_server_session(const std::uint8_t* data, std::size_t size);

// server_session's environment flags: each set bit makes one SessionEnv call
// fail (or refuses NULL authentication); 0 is a fully permissive daemon.
constexpr std::uint8_t k_env_no_null_auth = 0x01;
constexpr std::uint8_t k_env_auth_fails = 0x02;
constexpr std::uint8_t k_env_list_fails = 0x04;
constexpr std::uint8_t k_env_list_empty = 0x08;
constexpr std::uint8_t k_env_probe_fails = 0x10;
constexpr std::uint8_t k_env_start_fails = 0x20;
constexpr std::uint8_t k_env_update_fails = 0x40;  // update_filter and set_sampling
constexpr std::uint8_t k_env_stats_fail = 0x80;
// Both list bits (list_fails wins over list_empty, so the pair means nothing
// else): the daemon has no room for the session after its login (admit()
// refuses); the session must close on that feed, unauthenticated.
constexpr std::uint8_t k_env_no_room = k_env_list_fails | k_env_list_empty;

// server_session's client certificate (byte 1, bits 6-7): none (or one that
// names no account), one whose login succeeds, one whose login is refused
// (ErrorKind::auth), one whose identity change fails (ErrorKind::io: the
// session must close).
constexpr std::uint8_t k_cert_none = 0;
constexpr std::uint8_t k_cert_logs_in = 1;
constexpr std::uint8_t k_cert_login_fails = 2;
constexpr std::uint8_t k_cert_session_ends = 3;

struct Target {
  const char* name;  // the directory name under fuzz/corpus and tests/fuzz-regressions
  int (*run)(const std::uint8_t* data, std::size_t size);
};

// Every target, in a fixed order.
std::span<const Target> targets();

}  // namespace rpcap::fuzz

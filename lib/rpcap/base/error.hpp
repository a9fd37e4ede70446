// SPDX-License-Identifier: BSD-3-Clause
// Error and Result<T>: how librpcap reports expected failures without throwing.
// A daemon must never unwind because a peer sent garbage, so every decoder,
// parser and I/O call returns a Result that holds either a value or an Error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace rpcap {

enum class ErrorKind {
  truncated,            // the input ended before a complete item
  malformed,            // the input is complete but wrong
  unsupported_version,  // a protocol version we do not speak
  remote,               // the peer answered with an RPCAP ERROR
  auth,                 // authentication refused
  io,                   // a system call failed
  config,               // a configuration file or setting is wrong
  usage,                // a user-supplied argument (URL, flag value) is wrong
  busy,                 // every one of a bounded set is in use (the ports of a range)
};

// The name of `kind` for messages and tests ("malformed").
const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind{ErrorKind::malformed};
  std::string message;
  // The RPCAP error code (ERROR message `value`) a daemon answers with when
  // this error comes from decoding a request; 0 when there is none.
  std::uint16_t rpcap_code{0};
};

// Make an Error; a shorthand that keeps call sites on one line.
inline Error make_error(ErrorKind kind, std::string message, std::uint16_t rpcap_code = 0)
{
  return Error{kind, std::move(message), rpcap_code};
}

// Either a T or an Error (an expected-like type; std::expected at C++23).
template <typename T>
class [[nodiscard]] Result {
public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}   // NOLINT: implicit by design
  Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const noexcept { return m_v.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(m_v); }
  Error&& error() && { return std::get<1>(std::move(m_v)); }

private:
  std::variant<T, Error> m_v;
};

// Success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)) {}  // NOLINT

  bool has_value() const noexcept { return !m_error.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  // On success: an empty Error, as before.
  const Error& error() const&
  {
    static const Error none{};
    return m_error ? *m_error : none;
  }
  Error&& error() &&
  {
    if (!m_error) { m_error.emplace(); }
    return std::move(*m_error);
  }

private:
  // Empty on success: a success (once per packet on the data path) builds
  // and destroys no Error.
  std::optional<Error> m_error;
};

using Status = Result<void>;

}  // namespace rpcap

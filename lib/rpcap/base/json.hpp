// SPDX-License-Identifier: BSD-3-Clause
// A small JSON writer for the programs' --json output: objects, arrays,
// strings, numbers and booleans, written in order, with correct escaping.
// It checks nothing about structure; callers write well-formed sequences.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rpcap {

// `s` as a JSON string literal, quotes included; bytes that are not valid
// UTF-8 are replaced by U+FFFD so the output is always valid JSON.
std::string json_quote(std::string_view s);

class JsonWriter {
public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Writes the key of the next member of the current object.
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view{s}); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(unsigned n) { return value(std::uint64_t{n}); }
  JsonWriter& value(int n) { return value(std::int64_t{n}); }
  JsonWriter& value(bool b);
  JsonWriter& null();

  // The text written so far.
  const std::string& str() const noexcept { return m_out; }

private:
  void separate();

  std::string m_out;
  bool m_need_comma{false};
};

}  // namespace rpcap

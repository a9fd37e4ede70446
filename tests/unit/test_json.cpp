// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include "rpcap/base/json.hpp"

using namespace rpcap;

TEST_CASE("json: strings are escaped and invalid UTF-8 is replaced", "[json]")
{
  CHECK(json_quote("eth0") == R"("eth0")");
  CHECK(json_quote("a\"b\\c\nd\x01") == R"("a\"b\\c\nd\u0001")");
  CHECK(json_quote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  CHECK(json_quote("bad\xff\xc3") == R"("bad\ufffd\ufffd")");
  CHECK(json_quote("\xc0\xaf") == R"("\ufffd\ufffd")");  // overlong '/'
}

TEST_CASE("json: writer separates members and elements", "[json]")
{
  JsonWriter w;
  w.begin_object().key("a").value(1).key("b").begin_array().value("x").value(true).null().end_array();
  w.key("c").begin_object().end_object().end_object();
  CHECK(w.str() == R"({"a":1,"b":["x",true,null],"c":{}})");
}

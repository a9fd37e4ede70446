// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include "rpcap/wire/bytes.hpp"

using namespace rpcap;

TEST_CASE("bytes: reader decodes big-endian integers", "[bytes]")
{
  const Bytes data = from_hex("01 0203 04050607 ff");
  ByteReader r{data};
  CHECK(r.u8() == 0x01);
  CHECK(r.u16() == 0x0203);
  CHECK(r.u32() == 0x04050607);
  CHECK(r.remaining() == 1);
  CHECK(r.ok());
}

TEST_CASE("bytes: reading past the end fails and returns zero", "[bytes]")
{
  const Bytes data = from_hex("01 02 03");
  ByteReader r{data};
  CHECK(r.u32() == 0);
  CHECK_FALSE(r.ok());
  CHECK(r.u8() == 0);  // sticky: no read succeeds after a failure
  CHECK(r.bytes(1).empty());
}

TEST_CASE("bytes: writer encodes big-endian and patches lengths", "[bytes]")
{
  Bytes out;
  ByteWriter w{out};
  w.u8(0xab);
  w.u16(0x0102);
  w.u32(0);
  w.string("hi");
  w.patch_u32(3, 0xdeadbeef);
  CHECK(to_hex(out) == "ab 01 02 de ad be ef 68 69");
}

TEST_CASE("bytes: from_hex rejects odd counts and non-hex characters", "[bytes]")
{
  CHECK(from_hex("0").empty());
  CHECK(from_hex("zz").empty());
  CHECK(from_hex(" 0a\n0B ") == Bytes{0x0a, 0x0b});
}

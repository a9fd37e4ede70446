// SPDX-License-Identifier: BSD-3-Clause
// The queue under the daemon's data connection and the capture file
// writers: filled at the back, emptied from the front, within the capacity
// it was given unless one piece is larger.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "rpcap/wire/byte_queue.hpp"

using namespace rpcap;

namespace {

std::string contents(ByteQueue& q) { return {reinterpret_cast<const char*>(q.data()), q.size()}; }

void put(ByteQueue& q, const std::string& s) { std::memcpy(q.grow(s.size()), s.data(), s.size()); }

}  // namespace

TEST_CASE("byte queue: bytes go in at the back and leave from the front, within its capacity", "[byte_queue]")
{
  ByteQueue q;
  q.reset(16);
  CHECK(q.size() == 0);
  CHECK(q.capacity() == 16);
  put(q, "PACKET1-");
  put(q, "PACKET2-");
  CHECK(contents(q) == "PACKET1-PACKET2-");
  const std::uint8_t* block = q.data();
  q.erase_front(8);
  CHECK(contents(q) == "PACKET2-");
  put(q, "PACKET3-");
  CHECK(contents(q) == "PACKET2-PACKET3-");
  CHECK(q.capacity() == 16);
  CHECK(q.data() == block);  // no new allocation
  q.erase_front(16);
  CHECK(q.size() == 0);
  q.erase_front(4);  // more than there is: empty, not wrapped
  CHECK(q.size() == 0);
}

TEST_CASE("byte queue: a piece larger than the room left grows the block, keeping what is queued", "[byte_queue]")
{
  ByteQueue q;
  q.reset(8);
  put(q, "abcdef");
  put(q, "0123456789");
  CHECK(contents(q) == "abcdef0123456789");
  CHECK(q.capacity() == 16);
}

TEST_CASE("byte queue: reset empties it and keeps a block of the same size", "[byte_queue]")
{
  ByteQueue q;
  q.reset(32);
  put(q, "left over");
  const std::uint8_t* block = q.data();
  q.reset(32);
  CHECK(q.size() == 0);
  CHECK(q.data() == block);
  q.reset(64);
  CHECK(q.capacity() == 64);
  CHECK(q.size() == 0);
}

TEST_CASE("byte queue: append copies bytes and append_zeros pads, both at the back", "[byte_queue]")
{
  ByteQueue q;
  q.reset(4);
  q.append("ab", 2);
  q.append_zeros(3);
  q.append("cd", 2);
  q.append(nullptr, 0);  // nothing, and no read of the pointer
  q.append_zeros(0);
  CHECK(contents(q) == std::string{"ab\0\0\0cd", 7});
  CHECK(q.capacity() == 7);
}

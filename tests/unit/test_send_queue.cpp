// SPDX-License-Identifier: BSD-3-Clause
// The daemon's queue for its data connection: filled at the back, sent from
// the front, within the capacity it was given unless one piece is larger.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "rpcap/daemon/send_queue.hpp"

using namespace rpcap;

namespace {

std::string contents(SendQueue& q) { return {reinterpret_cast<const char*>(q.data()), q.size()}; }

void put(SendQueue& q, const std::string& s) { std::memcpy(q.grow(s.size()), s.data(), s.size()); }

}  // namespace

TEST_CASE("send queue: bytes go in at the back and leave from the front, within its capacity", "[send_queue]")
{
  SendQueue q;
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

TEST_CASE("send queue: a piece larger than the room left grows the block, keeping what is queued", "[send_queue]")
{
  SendQueue q;
  q.reset(8);
  put(q, "abcdef");
  put(q, "0123456789");
  CHECK(contents(q) == "abcdef0123456789");
  CHECK(q.capacity() == 16);
}

TEST_CASE("send queue: reset empties it and keeps a block of the same size", "[send_queue]")
{
  SendQueue q;
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

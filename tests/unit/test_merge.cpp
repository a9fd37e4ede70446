// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include <initializer_list>
#include <utility>
#include <vector>

#include "rpcap/client/merge.hpp"

using namespace rpcap;
using namespace std::chrono_literals;

namespace {

using Clock = MergeWindow::Clock;

PacketBatch batch(std::initializer_list<std::uint64_t> stamps)
{
  PacketBatch b;
  for (auto ts : stamps) {
    const Bytes one{static_cast<std::uint8_t>(ts)};
    b.add(ts, 60, one);
  }
  return b;
}

// Release what is due and return (source, timestamp) of each packet.
std::vector<std::pair<std::size_t, std::uint64_t>> release(MergeWindow& m, Clock::time_point now,
                                                            bool everything = false)
{
  std::vector<std::pair<std::size_t, std::uint64_t>> out;
  m.release(now, everything, [&](std::size_t s, const PacketBatch::Record& r, ByteView data) {
    CHECK(data.size() == 1);
    CHECK(data[0] == static_cast<std::uint8_t>(r.ts_ns));
    out.emplace_back(s, r.ts_ns);
    return true;
  });
  return out;
}

using Got = std::vector<std::pair<std::size_t, std::uint64_t>>;

}  // namespace

TEST_CASE("merge: packets of two sources come out in timestamp order as soon as both have spoken", "[merge]")
{
  MergeWindow m{2, 500ms, 1 << 20};
  const auto t0 = Clock::now();
  m.push(0, batch({10, 30, 50}), t0);
  CHECK(release(m, t0).empty());  // source 1 may still send something earlier
  m.push(1, batch({20, 40}), t0);
  CHECK(release(m, t0) == Got{{0, 10}, {1, 20}, {0, 30}, {1, 40}});
  // 50 waits: source 1's next packet may be earlier, until the window passes.
  CHECK(m.next_due() == t0 + 500ms);
  CHECK(release(m, t0 + 499ms).empty());
  CHECK(release(m, t0 + 500ms) == Got{{0, 50}});
  CHECK(m.late() == 0);
  CHECK(m.held_bytes() == 0);
  CHECK(!m.next_due());
}

TEST_CASE("merge: a source that already sent later packets does not hold the others back", "[merge]")
{
  MergeWindow m{2, 500ms, 1 << 20};
  const auto t0 = Clock::now();
  m.push(1, batch({100}), t0);
  m.push(0, batch({50}), t0);
  CHECK(release(m, t0) == Got{{0, 50}});  // 100 waits for source 0
  m.push(0, batch({150}), t0);
  CHECK(release(m, t0) == Got{{1, 100}});
  m.push(1, batch({120}), t0);  // source 1 is behind source 0's newest: both at once
  CHECK(release(m, t0) == Got{{1, 120}});
}

TEST_CASE("merge: a source that ended no longer holds the others", "[merge]")
{
  MergeWindow m{3, 500ms, 1 << 20};
  const auto t0 = Clock::now();
  m.push(0, batch({10}), t0);
  m.push(1, batch({20}), t0);
  CHECK(release(m, t0).empty());
  m.end(2);
  CHECK(release(m, t0) == Got{{0, 10}});
  m.end(0);
  CHECK(release(m, t0) == Got{{1, 20}});
}

TEST_CASE("merge: a packet later than the window is released after later ones, never dropped, and counted",
          "[merge]")
{
  MergeWindow m{2, 300ms, 1 << 20};
  const auto t0 = Clock::now();
  m.push(0, batch({100, 200}), t0);
  CHECK(release(m, t0 + 300ms) == Got{{0, 100}, {0, 200}});
  m.push(1, batch({150, 250}), t0 + 400ms);  // it lagged more than the window
  CHECK(release(m, t0 + 400ms) == Got{{1, 150}});  // 250 waits for source 0 again
  CHECK(m.late() == 1);
  CHECK(release(m, t0 + 400ms, true) == Got{{1, 250}});
  CHECK(m.late() == 1);
}

TEST_CASE("merge: past its memory bound the window lets the oldest packets go at once", "[merge]")
{
  PacketBatch big = batch({1, 2, 3, 4});
  const std::size_t bound = big.footprint();  // one batch fits; two do not
  MergeWindow m{2, 500ms, bound};
  const auto t0 = Clock::now();
  m.push(0, std::move(big), t0);
  CHECK(release(m, t0).empty());
  m.push(0, batch({5}), t0);
  CHECK(m.held_bytes() > bound);
  const auto out = release(m, t0);
  REQUIRE(!out.empty());
  CHECK(out.front() == std::pair<std::size_t, std::uint64_t>{0, 1});
  CHECK(m.held_bytes() <= bound);
}

TEST_CASE("merge: batches whose packets all went out are handed back for reuse", "[merge]")
{
  MergeWindow m{1, 500ms, 1 << 20};
  CHECK(m.spare().data.capacity() == 0);
  m.push(0, batch({1, 2}), Clock::now());
  CHECK(release(m, Clock::now()).size() == 2);  // one source: nothing to wait for
  const PacketBatch s = m.spare();
  CHECK(s.empty());
  CHECK(s.data.capacity() >= 2);
}

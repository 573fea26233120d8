// PresenceBoard: a change wakes exactly the waiters of its slot; stop, device loss and
// close end every wait promptly; every wait is bounded by its timeout.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

#include "transport/reader/presence_board.hpp"
#include "transport/reader/reader_error.hpp"

using namespace tessera::reader;
using namespace std::chrono_literals;

namespace {

std::future<tessera::Result<WaitOutcome>> wait_async(PresenceBoard& board, std::size_t slot,
                                                     std::chrono::milliseconds timeout,
                                                     std::stop_token stop = {}) {
    const auto generation = board.get(slot)->generation;
    return std::async(std::launch::async, [&board, slot, generation, timeout, stop] {
        return board.wait_for_change(slot, generation, timeout, stop);
    });
}

}  // namespace

TEST_CASE("presence board: a notification wakes the slot's waiter and only it") {
    PresenceBoard board(2);
    auto slot0 = wait_async(board, 0, 5000ms);
    auto slot1 = wait_async(board, 1, 300ms);
    std::this_thread::sleep_for(20ms);
    board.notify(0, true, true);
    REQUIRE(slot0.wait_for(2s) == std::future_status::ready);
    CHECK(*slot0.get() == WaitOutcome::changed);
    CHECK(board.get(0)->present);
    REQUIRE(slot1.wait_for(2s) == std::future_status::ready);
    CHECK(*slot1.get() == WaitOutcome::timeout);
}

TEST_CASE("presence board: removals are counted, also a swap seen as a change bit") {
    PresenceBoard board(1);
    board.notify(0, true, true);
    CHECK(board.get(0)->removals == 0);
    board.notify(0, false, true);
    CHECK(board.get(0)->removals == 1);
    board.notify(0, true, true);
    board.notify(0, true, true);  // removed and inserted between two notifications
    CHECK(board.get(0)->removals == 2);

    PresenceBoard fresh(1);
    fresh.observe(0, true);       // GetSlotStatus at open
    fresh.notify(0, true, true);  // the reader's first notification: no swap
    CHECK(fresh.get(0)->removals == 0);
    const auto generation = board.get(0)->generation;
    board.notify(0, true, false);  // nothing new
    board.observe(0, true);
    CHECK(board.get(0)->generation == generation);
}

TEST_CASE("presence board: stop, device loss and close end waits at once") {
    PresenceBoard board(1);
    std::stop_source stop;
    auto stopped = wait_async(board, 0, 60s, stop.get_token());
    std::this_thread::sleep_for(20ms);
    stop.request_stop();
    REQUIRE(stopped.wait_for(2s) == std::future_status::ready);
    CHECK(*stopped.get() == WaitOutcome::stopped);

    auto lost = wait_async(board, 0, 60s);
    std::this_thread::sleep_for(20ms);
    board.mark_gone();
    REQUIRE(lost.wait_for(2s) == std::future_status::ready);
    CHECK(lost.get().error() == ReaderError::reader_gone);
    CHECK(board.wait_for_change(0, 0, 60s, {}).error() == ReaderError::reader_gone);  // forever after

    PresenceBoard closing(1);
    auto closed = wait_async(closing, 0, 60s);
    std::this_thread::sleep_for(20ms);
    closing.close();
    REQUIRE(closed.wait_for(2s) == std::future_status::ready);
    CHECK(closed.get().error() == ReaderError::cancelled);
}

TEST_CASE("presence board: slot numbers beyond the reader are refused, not indexed") {
    PresenceBoard board(1);
    CHECK(board.get(1).error() == ReaderError::invalid_slot);
    CHECK(board.wait_for_change(7, 0, 10ms, {}).error() == ReaderError::invalid_slot);
    board.notify(200, true, true);  // ignored
    board.hardware_error(3, 1);     // ignored
    CHECK(board.get(0)->generation == 0);
}

TEST_CASE("presence board: the first notification confirming what a command reported is no change") {
    PresenceBoard board(1);
    board.observe(0, true);  // GetSlotStatus at open
    const auto generation = board.get(0)->generation;
    board.notify(0, true, true);  // the reader's notification for the card inserted before
    CHECK(board.get(0)->generation == generation);
    CHECK(board.get(0)->notified);
    board.notify(0, false, true);
    CHECK(board.get(0)->generation == generation + 1);

    PresenceBoard contradicted(1);
    contradicted.observe(0, false);
    const auto before = contradicted.get(0)->generation;
    contradicted.notify(0, true, true);  // inserted since the command: a change
    CHECK(contradicted.get(0)->generation == before + 1);
}

TEST_CASE("presence board: a wait tells the generation it ended on") {
    PresenceBoard board(1);
    const auto start = board.get(0)->generation;
    board.notify(0, true, true);
    board.notify(0, false, true);
    std::uint64_t seen = 0;
    CHECK(*board.wait_for_change(0, start, 1s, {}, &seen) == WaitOutcome::changed);
    CHECK(seen == start + 2);
    CHECK(*board.wait_for_change(0, seen, 20ms, {}, &seen) == WaitOutcome::timeout);
    CHECK(seen == start + 2);
}

// The timer wheel: exact expiry at microsecond resolution on every level,
// order, re-arming and cancelling from callbacks, and the deadline it
// reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

extern "C" {
#include "timer.h"
}

namespace {

struct Rec {
	toe_timer t;
	std::vector<uint64_t> *fired;
	uint64_t *now;
	int id;
	int rearm = 0; // re-arm this many times, 1000 us apart
	toe_timer *cancel_other = nullptr;
	toe_timer_wheel *w;
};

void on_fire(toe_engine *, toe_sock *, toe_timer *t)
{
	Rec *r = reinterpret_cast<Rec *>(t);
	// a timer never runs before its time, nor later than the run that
	// passed it
	EXPECT_LE(t->expires_us, *r->now);
	r->fired->push_back(t->expires_us * 1000 + uint64_t(r->id));
	if (r->cancel_other)
		toe_wheel_del(r->w, r->cancel_other);
	if (r->rearm > 0) {
		r->rearm--;
		toe_wheel_add(r->w, t, t->expires_us + 1000);
	}
}

class Wheel : public ::testing::Test {
protected:
	void SetUp() override { toe_wheel_init(&w, now); }
	Rec &make(int id)
	{
		recs.push_back(std::make_unique<Rec>());
		Rec &r = *recs.back();
		toe_timer_init(&r.t, on_fire, nullptr);
		r.fired = &fired;
		r.now = &now;
		r.id = id;
		r.w = &w;
		return r;
	}
	void run_to(uint64_t t)
	{
		now = t;
		toe_wheel_run(&w, now, nullptr);
	}
	toe_timer_wheel w{};
	uint64_t now = 5'000'000;
	std::vector<uint64_t> fired;
	std::vector<std::unique_ptr<Rec>> recs;
};

} // namespace

TEST_F(Wheel, TimerRunsExactlyAtItsExpiryAtEveryLevel)
{
	// deltas that land on levels 0 to 6
	for (uint64_t delta : {1ull, 63ull, 64ull, 4095ull, 4096ull, 262'145ull,
			       16'777'300ull, 1'073'741'900ull, 68'719'476'800ull}) {
		Rec &r = make(1);
		uint64_t at = now + delta;
		toe_wheel_add(&w, &r.t, at);
		EXPECT_EQ(toe_wheel_next_expiry(&w), at);
		run_to(at - 1);
		EXPECT_TRUE(fired.empty()) << "delta " << delta << " fired early";
		EXPECT_TRUE(toe_timer_pending(&r.t));
		run_to(at);
		ASSERT_EQ(fired.size(), 1u) << "delta " << delta;
		EXPECT_EQ(fired[0] / 1000, at);
		EXPECT_FALSE(toe_timer_pending(&r.t));
		fired.clear();
	}
}

TEST_F(Wheel, TimersRunInExpiryOrderAcrossLevels)
{
	std::mt19937_64 rng(7);
	std::vector<uint64_t> expect;
	for (int i = 0; i < 2000; i++) {
		Rec &r = make(i % 1000);
		uint64_t at = now + rng() % 20'000'000;
		toe_wheel_add(&w, &r.t, at);
		expect.push_back(at);
	}
	std::sort(expect.begin(), expect.end());
	EXPECT_EQ(toe_wheel_next_expiry(&w), expect.front());
	// advance in uneven steps
	uint64_t end = now + 20'000'000;
	while (now < end) {
		uint64_t to = std::min(end, now + 1 + rng() % 700'000);
		size_t before = fired.size();
		run_to(to);
		// everything due ran, nothing that isn't
		size_t due = size_t(std::upper_bound(expect.begin(), expect.end(), to) -
				    expect.begin());
		EXPECT_EQ(fired.size(), due) << "after a run to " << to;
		(void)before;
	}
	ASSERT_EQ(fired.size(), expect.size());
	for (size_t i = 0; i < fired.size(); i++)
		EXPECT_EQ(fired[i] / 1000, expect[i]) << i;
	EXPECT_EQ(w.count, 0u);
	EXPECT_EQ(toe_wheel_next_expiry(&w), ~0ull);
}

TEST_F(Wheel, ExpiryInThePastRunsOnTheNextRun)
{
	Rec &r = make(3);
	toe_wheel_add(&w, &r.t, now - 100);
	run_to(now);
	EXPECT_EQ(fired.size(), 1u);
}

TEST_F(Wheel, CancelledTimerNeverRunsAndRearmMovesIt)
{
	Rec &a = make(1);
	Rec &b = make(2);
	toe_wheel_add(&w, &a.t, now + 100);
	toe_wheel_add(&w, &b.t, now + 200);
	toe_wheel_del(&w, &a.t);
	toe_wheel_del(&w, &a.t); // harmless twice
	toe_wheel_add(&w, &b.t, now + 5'000'000); // re-arm later
	EXPECT_EQ(toe_wheel_next_expiry(&w), now + 5'000'000);
	run_to(now + 1'000'000);
	EXPECT_TRUE(fired.empty());
	run_to(now + 4'000'000);
	ASSERT_EQ(fired.size(), 1u);
	EXPECT_EQ(fired[0] % 1000, 2u);
}

TEST_F(Wheel, CallbackMayRearmItselfAndCancelASiblingInTheSameSlot)
{
	Rec &a = make(1);
	Rec &b = make(2);
	a.rearm = 3;
	a.cancel_other = &b.t;
	toe_wheel_add(&w, &a.t, now + 10);
	toe_wheel_add(&w, &b.t, now + 10); // same microsecond, after a
	// b was linked first in the slot list or not: either way it must
	// either run before a, or be cancelled by a; never both, never crash
	run_to(now + 10'000);
	size_t b_runs = std::count_if(fired.begin(), fired.end(),
				      [](uint64_t f) { return f % 1000 == 2; });
	size_t a_runs = fired.size() - b_runs;
	EXPECT_EQ(a_runs, 4u);
	EXPECT_LE(b_runs, 1u);
	EXPECT_EQ(w.count, 0u);
}

TEST_F(Wheel, DeadlineStaysExactAfterTheEarliestIsCancelled)
{
	Rec &a = make(1);
	Rec &b = make(2);
	toe_wheel_add(&w, &a.t, now + 70'000);
	toe_wheel_add(&w, &b.t, now + 9'999'999);
	EXPECT_EQ(toe_wheel_next_expiry(&w), now + 70'000);
	toe_wheel_del(&w, &a.t);
	EXPECT_EQ(toe_wheel_next_expiry(&w), now + 9'999'999);
}

TEST_F(Wheel, FarFutureTimerIsHeldUntilItsTime)
{
	Rec &r = make(9);
	uint64_t at = now + (1ull << 50); // beyond the wheel's 2^48 us span
	toe_wheel_add(&w, &r.t, at);
	run_to(now + (1ull << 49));
	EXPECT_TRUE(fired.empty());
	run_to(at);
	ASSERT_EQ(fired.size(), 1u);
}

TEST_F(Wheel, IdleTimeCostsNothingAndClockNeverMovesBack)
{
	Rec &r = make(1);
	toe_wheel_add(&w, &r.t, now + 3'600'000'000ull); // an hour
	EXPECT_EQ(toe_wheel_run(&w, now + 1, nullptr), 0u);
	EXPECT_EQ(toe_wheel_run(&w, now - 5, nullptr), 0u) << "time went back";
	run_to(now + 3'600'000'000ull);
	EXPECT_EQ(fired.size(), 1u);
}

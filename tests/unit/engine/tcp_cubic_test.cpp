// CUBIC congestion control (RFC 9438): the window function, K, the
// multiplicative decrease, fast convergence, the Reno-friendly region, the
// growth clamp, timeouts, and the integer arithmetic's range.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

extern "C" {
#include "tcp_cc_int.h"
}

namespace {
constexpr uint32_t kMss = 1460;
constexpr uint32_t kIss = 1000;
constexpr double kC = 0.4;
constexpr double kTicks = 1024.0; // the implementation's time unit, 2^-10 s

// A CUBIC controller and the sequence space of a sender that keeps its
// window full.
struct Sender {
	toe_tcp_cc cc{};
	uint32_t una = kIss + 1;
	uint64_t now = 1000000;

	explicit Sender(uint32_t mss = kMss)
	{
		toe_tcp_cc_init(&cc, mss, kIss);
		EXPECT_EQ(toe_tcp_cc_set_algo(&cc, TOE_TCP_CC_CUBIC), 0);
	}
	toe_tcp_cubic &c() { return cc.u.cubic; }

	void ack(uint32_t bytes, uint32_t rtt_us)
	{
		una += bytes;
		toe_tcp_cc_ack a{};
		a.ack = una;
		a.acked = bytes;
		a.flight_after = cc.cwnd;
		a.snd_max = una + cc.cwnd;
		a.rtt_us = rtt_us;
		a.now_us = now;
		toe_tcp_cc_on_ack(&cc, &a);
	}
	// One round trip: a window's worth of one-segment ACKs, then the clock
	// moves by the RTT.
	void round(uint32_t rtt_us)
	{
		uint32_t w = cc.cwnd;
		for (uint32_t done = 0; done < w; done += cc.smss)
			ack(cc.smss, rtt_us);
		now += rtt_us;
	}
	// A loss found by three duplicate ACKs with cwnd bytes outstanding,
	// then the full ACK that ends the recovery.
	void fast_recovery()
	{
		una += cc.smss; // past the last recovery point: a new loss window
		uint32_t flight = cc.cwnd, snd_max = una + flight;
		for (int i = 0; i < 3; i++)
			toe_tcp_cc_on_dupack(&cc, una, flight, snd_max);
		ASSERT_TRUE(cc.in_recovery);
		una = snd_max;
		toe_tcp_cc_ack a{};
		a.ack = una;
		a.acked = flight;
		a.flight_after = cc.ssthresh;
		a.snd_max = una + cc.ssthresh;
		a.now_us = now;
		toe_tcp_cc_on_ack(&cc, &a);
		ASSERT_FALSE(cc.in_recovery);
	}
};

// The RFC's W_cubic(t) in bytes, t and K in seconds.
double w_cubic(double t, double k, double w_max_bytes, uint32_t mss)
{
	return kC * std::pow(t - k, 3) * mss + w_max_bytes;
}
} // namespace

TEST(TcpCubic, CubeRootIsTheExactFloor)
{
	const uint64_t xs[] = { 0, 1, 7, 8, 9, 26, 27, 28, 999, 1000, 1001,
				(1ull << 30) - 1, 1ull << 30, 123456789012345ull,
				(1ull << 63) - 1, 1ull << 63, UINT64_MAX };
	for (uint64_t x : xs) {
		unsigned __int128 y = toe_cubic_cbrt(x);
		EXPECT_LE(y * y * y, (unsigned __int128)x) << x;
		EXPECT_GT((y + 1) * (y + 1) * (y + 1), (unsigned __int128)x) << x;
	}
	EXPECT_EQ(toe_cubic_cbrt(UINT64_MAX), 2642245u);
}

TEST(TcpCubic, ThirdDupackReducesByBetaAndRemembersWmax)
{
	Sender s;
	s.cc.ssthresh = 50 * kMss;
	s.cc.cwnd = 100 * kMss;
	uint32_t snd_max = s.una + 100 * kMss;
	for (int i = 0; i < 2; i++)
		toe_tcp_cc_on_dupack(&s.cc, s.una, 100 * kMss, snd_max);
	unsigned act = toe_tcp_cc_on_dupack(&s.cc, s.una, 100 * kMss, snd_max);
	EXPECT_TRUE(act & TOE_CC_ENTERED_RECOVERY);
	EXPECT_EQ(s.cc.ssthresh, 70 * kMss);
	EXPECT_EQ(s.cc.cwnd, 73 * kMss); // NewReno's ssthresh + 3 SMSS
	EXPECT_EQ(s.c().w_max, 100 * kMss);
	EXPECT_EQ(s.c().cwnd_prior, 100 * kMss);
	EXPECT_EQ(s.c().hystart.state, TOE_HYSTART_DONE);
}

TEST(TcpCubic, SackLossReducesByBetaAndLeavesCwndToPrr)
{
	Sender s;
	s.cc.cwnd = 40 * kMss;
	toe_tcp_cc_on_loss(&s.cc, 40 * kMss, s.una + 40 * kMss, s.now);
	EXPECT_EQ(s.cc.ssthresh, 28 * kMss);
	EXPECT_TRUE(s.cc.sack_recovery);
	s.cc.cwnd = 30 * kMss; // the caller's PRR
	s.ack(2 * kMss, 1000);
	EXPECT_EQ(s.cc.cwnd, 30 * kMss);
	toe_tcp_cc_recovery_end(&s.cc, s.now);
	EXPECT_EQ(s.cc.cwnd, 28 * kMss);
	EXPECT_EQ(s.c().w_max, 40 * kMss);
}

TEST(TcpCubic, KFollowsTheRfcFormula)
{
	Sender s;
	s.cc.ssthresh = 50 * kMss;
	s.cc.cwnd = 100 * kMss;
	s.fast_recovery();
	EXPECT_EQ(s.cc.cwnd, 70 * kMss);
	s.ack(kMss, 0); // the first ACK of congestion avoidance starts the epoch
	ASSERT_TRUE(s.c().epoch_valid);
	EXPECT_EQ(s.c().cwnd_epoch, 70 * kMss);
	// K = cbrt((W_max - cwnd_epoch) / C), in segments and seconds
	double k = std::cbrt(30.0 / kC);
	EXPECT_NEAR(s.c().k / kTicks, k, 1.0 / kTicks);
}

TEST(TcpCubic, WindowFollowsTheRfcFormulaAtSeveralTimes)
{
	for (uint32_t mss : { 536u, 1460u, 8960u }) {
		Sender s(mss);
		s.cc.ssthresh = 400 * mss;
		s.cc.cwnd = 1000 * mss;
		s.fast_recovery();
		s.ack(mss, 0);
		double k = s.c().k / kTicks;
		double w_max = s.c().w_max;
		for (double t : { 0.0, 0.5, 1.0, 2.0, k, k + 0.25, k + 3.0, 20.0, 60.0 }) {
			uint64_t ticks = uint64_t(t * kTicks);
			double want = w_cubic(ticks / kTicks, k, w_max, mss);
			// the cube is truncated at 2^20 ticks^3: under an SMSS / 1000
			EXPECT_NEAR(toe_cubic_window(&s.cc, ticks), want, 2.0 + mss / 1000.0)
				<< "mss " << mss << " t " << t;
		}
		// W_cubic(0) is where the epoch began, but for K's rounding to a
		// tick: 3 C K^2 / 1024 segments
		EXPECT_NEAR(toe_cubic_window(&s.cc, 0), 700.0 * mss,
			    3 * kC * k * k / kTicks * mss + 1);
	}
}

TEST(TcpCubic, ConcaveThenConvexAroundWmax)
{
	Sender s;
	s.cc.ssthresh = 50 * kMss;
	s.cc.cwnd = 100 * kMss;
	s.fast_recovery();
	// 100 ms RTT: CUBIC, not the Reno estimate, sets the pace here
	const uint32_t rtt = 100000;
	double k = std::cbrt(30.0 / kC);
	uint64_t start = s.now;
	uint32_t prev = s.cc.cwnd;
	while (s.now - start < uint64_t(k * 1e6) - rtt) {
		s.round(rtt);
		EXPECT_GE(s.cc.cwnd, prev); // congestion avoidance never shrinks
		prev = s.cc.cwnd;
	}
	// concave: close to W_max but not beyond it before K
	EXPECT_LE(s.cc.cwnd, 101 * kMss);
	EXPECT_GE(s.cc.cwnd, 97 * kMss);
	while (s.now - start < uint64_t((k + 3) * 1e6))
		s.round(rtt);
	// convex: beyond W_max, following W_cubic(t) within a few segments
	double want = w_cubic((s.now - start) / 1e6, k, 100.0 * kMss, kMss);
	EXPECT_GT(s.cc.cwnd, 105 * kMss);
	EXPECT_NEAR(double(s.cc.cwnd), want, 6.0 * kMss);
}

TEST(TcpCubic, FastConvergenceLowersWmaxBelowTheLastOne)
{
	Sender s;
	s.cc.ssthresh = 50 * kMss;
	s.cc.cwnd = 100 * kMss;
	s.fast_recovery();
	EXPECT_EQ(s.c().w_max, 100 * kMss);
	// the next loss comes before W_max was reached: release bandwidth
	s.cc.cwnd = 80 * kMss;
	s.fast_recovery();
	EXPECT_EQ(s.c().w_max, 68 * kMss); // 80 * (1 + 0.7) / 2
	EXPECT_EQ(s.cc.ssthresh, 56 * kMss);
	// a loss above the last W_max takes the window as it is
	s.cc.cwnd = 120 * kMss;
	s.fast_recovery();
	EXPECT_EQ(s.c().w_max, 120 * kMss);
}

TEST(TcpCubic, RenoFriendlyRegionDominatesAtSmallRtt)
{
	Sender s;
	s.cc.ssthresh = 50 * kMss;
	s.cc.cwnd = 100 * kMss;
	s.fast_recovery();
	// 1 ms RTT: Reno's AIMD(9/17, 0.7) grows faster than the cubic curve
	const uint32_t rtt = 1000;
	for (int i = 0; i < 17; i++)
		s.round(rtt);
	// 17 rounds at alpha 9/17: about 9 segments
	EXPECT_NEAR(double(s.cc.cwnd), 79.0 * kMss, 1.0 * kMss);
	EXPECT_EQ(s.cc.cwnd, s.c().w_est);
	uint64_t t = (s.now - s.c().epoch_us) * 1024 / 1000000;
	EXPECT_LT(toe_cubic_window(&s.cc, t), s.c().w_est);
	// beyond cwnd_prior alpha is 1: one segment per round
	s.c().w_est = s.c().cwnd_prior;
	s.cc.cwnd = s.c().cwnd_prior;
	s.c().est_acc = 0;
	for (int i = 0; i < 10; i++)
		s.round(rtt);
	EXPECT_NEAR(double(s.cc.cwnd), 110.0 * kMss, 1.0 * kMss);
}

TEST(TcpCubic, GrowthIsClampedToHalfTheWindowPerRoundTrip)
{
	Sender s;
	s.cc.ssthresh = 50 * kMss;
	s.cc.cwnd = 100 * kMss;
	s.fast_recovery();
	s.ack(kMss, 0);
	// a minute later W_cubic is far above: the target is 1.5 cwnd
	s.now += 60000000;
	uint32_t w = s.cc.cwnd;
	ASSERT_GT(toe_cubic_window(&s.cc, 61 * 1024), 2 * w);
	s.ack(w, 100000); // one ACK for a whole window
	EXPECT_EQ(s.cc.cwnd, w + w / 2);
}

TEST(TcpCubic, TimeoutSetsBetaSsthreshAndRestartsTheCurveAtKZero)
{
	Sender s;
	s.cc.cwnd = 100 * kMss;
	s.cc.ssthresh = 60 * kMss;
	toe_tcp_cc_on_timeout(&s.cc, 100 * kMss, s.una + 100 * kMss, true, s.now);
	EXPECT_EQ(s.cc.cwnd, kMss);
	EXPECT_EQ(s.cc.ssthresh, 70 * kMss);
	// a second expiry of the same segment keeps ssthresh
	toe_tcp_cc_on_timeout(&s.cc, 100 * kMss, s.una + 100 * kMss, false, s.now);
	EXPECT_EQ(s.cc.ssthresh, 70 * kMss);
	// slow start (no HyStart++ after a timeout) back to ssthresh
	while (s.cc.cwnd < s.cc.ssthresh)
		s.ack(kMss, 0);
	EXPECT_EQ(s.c().hystart.state, TOE_HYSTART_DONE);
	uint32_t epoch_cwnd = s.cc.cwnd;
	s.ack(kMss, 0);
	EXPECT_EQ(s.c().k, 0u);
	EXPECT_EQ(s.c().w_max, epoch_cwnd);
	// W_est began there too; this ACK added its Reno-friendly share
	EXPECT_GE(s.c().w_est, epoch_cwnd);
	EXPECT_LT(s.c().w_est, epoch_cwnd + kMss);
}

TEST(TcpCubic, IdleRestartBeginsANewEpoch)
{
	Sender s;
	s.cc.ssthresh = 50 * kMss;
	s.cc.cwnd = 100 * kMss;
	s.fast_recovery();
	s.ack(kMss, 0);
	uint64_t first = s.c().epoch_us;
	toe_tcp_cc_after_idle(&s.cc, s.now + 10000000);
	EXPECT_EQ(s.cc.cwnd, toe_tcp_cc_initial_window(kMss));
	EXPECT_FALSE(s.c().epoch_valid);
	s.now += 10000000;
	while (s.cc.cwnd < s.cc.ssthresh)
		s.ack(kMss, 0);
	s.ack(kMss, 0);
	EXPECT_GT(s.c().epoch_us, first);
	EXPECT_EQ(s.c().w_max, 100 * kMss); // the reduction is still remembered
}

TEST(TcpCubic, NoOverflowAtHugeWindowsAndTimes)
{
	Sender s(65535);
	s.cc.ssthresh = 1000u * 65535;
	s.cc.cwnd = 0x7ff00000u;
	s.fast_recovery();
	EXPECT_GT(s.c().w_max, 0x7f000000u);
	s.ack(65535, 100000);
	// K for the largest reduction: cbrt(0.3 * W_max / (C * SMSS)) seconds
	double k = std::cbrt(0.3 * 0x7ff00000u / 65535.0 / kC);
	EXPECT_NEAR(s.c().k / kTicks, k, 2.0 / kTicks);
	// a day later, and a year later: at the limit, never wrapped
	for (uint64_t later : { 86400000000ull, 31536000000000ull }) {
		s.now += later;
		for (int i = 0; i < 4; i++) {
			uint32_t before = s.cc.cwnd;
			s.ack(1u << 30, 100000);
			EXPECT_GE(s.cc.cwnd, before);
			EXPECT_LE(s.cc.cwnd, 0x7fffffffu);
		}
	}
	EXPECT_EQ(toe_cubic_window(&s.cc, UINT64_MAX), 0x7fffffffu);
	// the smallest MSS and the longest curve stay exact as well
	Sender t(64);
	t.cc.ssthresh = 1000u * 64;
	t.cc.cwnd = 0x7ff00000u;
	t.fast_recovery();
	t.ack(64, 0);
	double k64 = std::cbrt(0.3 * 0x7ff00000u / 64.0 / kC);
	EXPECT_NEAR(t.c().k / kTicks, k64, 2.0 / kTicks);
	EXPECT_NEAR(toe_cubic_window(&t.cc, 0), 0.7 * 0x7ff00000u, 0.001 * 0x7ff00000u);
}

TEST(TcpCubic, NewRenoSelectedGrowsAsNewReno)
{
	toe_tcp_cc cc{};
	toe_tcp_cc_init(&cc, kMss, kIss);
	EXPECT_EQ(cc.algo, TOE_TCP_CC_NEWRENO);
	EXPECT_EQ(toe_tcp_cc_set_algo(&cc, 7), -EINVAL);
	EXPECT_EQ(toe_tcp_cc_set_algo(&cc, TOE_TCP_CC_NEWRENO), 0);
	cc.ssthresh = 10 * kMss;
	cc.cwnd = 100 * kMss;
	uint32_t snd_max = kIss + 1 + 100 * kMss;
	for (int i = 0; i < 3; i++)
		toe_tcp_cc_on_dupack(&cc, kIss + 1, 100 * kMss, snd_max);
	EXPECT_EQ(cc.ssthresh, 50 * kMss);
}

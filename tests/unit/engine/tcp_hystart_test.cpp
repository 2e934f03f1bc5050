// HyStart++ (RFC 9406), CUBIC's slow start: rounds by sequence number,
// the minimum RTT of each round over at least N_RTT_SAMPLE samples, exit
// to CSS on an RTT rise, back to slow start when the rise was spurious,
// congestion avoidance after CSS_ROUNDS rounds.
#include <gtest/gtest.h>

#include <cstdint>

extern "C" {
#include "tcp_cc_int.h"
}

namespace {
constexpr uint32_t kMss = 1000;
constexpr uint32_t kIss = 5000;

struct Sender {
	toe_tcp_cc cc{};
	uint32_t una = kIss + 1;
	uint32_t snd_max = kIss + 1;
	uint64_t now = 1000000;

	Sender()
	{
		toe_tcp_cc_init(&cc, kMss, kIss);
		EXPECT_EQ(toe_tcp_cc_set_algo(&cc, TOE_TCP_CC_CUBIC), 0);
		snd_max = una + cc.cwnd;
	}
	toe_tcp_hystart &hs() { return cc.u.cubic.hystart; }

	void ack(uint32_t bytes, uint32_t rtt_us)
	{
		una += bytes;
		toe_tcp_cc_ack a{};
		a.ack = una;
		a.acked = bytes;
		a.flight_after = snd_max - una;
		a.snd_max = snd_max;
		a.rtt_us = rtt_us;
		a.now_us = now;
		toe_tcp_cc_on_ack(&cc, &a);
		snd_max = una + cc.cwnd; // the window is kept full
	}
	// One HyStart++ round, one segment per ACK, the first samples of them
	// with rtt_us: from the ACK that starts it (the one that reaches the
	// last round's end) up to the one before the ACK that reaches its own.
	void round(uint32_t rtt_us, uint32_t samples = UINT32_MAX)
	{
		uint32_t n = 0;
		do {
			ack(kMss, n < samples ? rtt_us : 0);
			n++;
		} while (int32_t(una + kMss - hs().window_end) < 0);
		now += rtt_us;
	}
};
} // namespace

TEST(TcpHystart, SlowStartDoublesWhileTheRttHolds)
{
	Sender s;
	EXPECT_EQ(s.hs().state, TOE_HYSTART_SS);
	for (int i = 0; i < 4; i++) {
		uint32_t w = s.cc.cwnd;
		s.round(10000);
		// a round ends one ACK short of the window: its last ACK
		// begins the next round
		EXPECT_NEAR(s.cc.cwnd, 2 * w, kMss);
	}
	EXPECT_EQ(s.hs().state, TOE_HYSTART_SS);
	EXPECT_EQ(s.hs().last_round_min_rtt, 10000u);
}

TEST(TcpHystart, StretchAckGrowsByAtMostLSegments)
{
	Sender s;
	uint32_t w = s.cc.cwnd;
	s.ack(10 * kMss, 10000);
	EXPECT_EQ(s.cc.cwnd, w + TOE_HYSTART_L * kMss);
}

TEST(TcpHystart, RttIncreaseLeavesSlowStartForCss)
{
	Sender s;
	s.round(10000);
	s.round(10000);
	// 10 ms: the threshold is max(4 ms, min(10 / 8 ms, 16 ms)) = 4 ms
	s.round(13900);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_SS);
	s.round(17900);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_CSS);
	EXPECT_EQ(s.hs().css_baseline_min_rtt, 17900u);
	EXPECT_EQ(s.cc.ssthresh, 0x7fffffffu);
	// CSS grows by a quarter of slow start
	uint32_t w = s.cc.cwnd;
	s.ack(kMss, 18000);
	EXPECT_EQ(s.cc.cwnd, w + kMss / TOE_HYSTART_CSS_GROWTH_DIVISOR);
}

TEST(TcpHystart, LargeRttUsesTheMaximumThreshold)
{
	Sender s;
	s.round(200000);
	s.round(200000);
	// 200 ms / 8 = 25 ms, capped at 16 ms
	s.round(215900);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_SS);
	s.round(232000);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_CSS);
}

TEST(TcpHystart, NoExitWithFewerThanEightSamples)
{
	Sender s;
	s.round(10000);
	s.round(10000);
	s.round(50000, TOE_HYSTART_N_RTT_SAMPLE - 1);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_SS);
	s.round(100000, TOE_HYSTART_N_RTT_SAMPLE - 1);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_SS);
	// the eighth sample is enough
	s.round(200000, TOE_HYSTART_N_RTT_SAMPLE);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_CSS);
}

TEST(TcpHystart, SpuriousCssReturnsToSlowStart)
{
	Sender s;
	s.round(10000);
	s.round(10000);
	s.round(20000);
	ASSERT_EQ(s.hs().state, TOE_HYSTART_CSS);
	// the next round's minimum is below the baseline: the rise was noise
	s.round(12000);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_SS);
	EXPECT_EQ(s.hs().css_baseline_min_rtt, 0xffffffffu);
	uint32_t w = s.cc.cwnd;
	s.ack(kMss, 12000);
	EXPECT_EQ(s.cc.cwnd, w + kMss);
}

TEST(TcpHystart, CongestionAvoidanceAfterCssRounds)
{
	Sender s;
	s.round(10000);
	s.round(10000);
	s.round(20000);
	ASSERT_EQ(s.hs().state, TOE_HYSTART_CSS);
	// the round of the rise was the first CSS round
	for (int i = 1; i < TOE_HYSTART_CSS_ROUNDS; i++) {
		s.round(20000);
		ASSERT_EQ(s.hs().state, TOE_HYSTART_CSS) << i;
	}
	uint32_t w = s.cc.cwnd;
	s.ack(kMss, 20000); // ends the fifth round
	EXPECT_EQ(s.hs().state, TOE_HYSTART_DONE);
	EXPECT_EQ(s.cc.ssthresh, w);
	EXPECT_EQ(s.cc.cwnd, w);
	// CUBIC from here on, with K = 0 and W_max = cwnd (RFC 9438 4.10)
	s.ack(kMss, 20000);
	EXPECT_TRUE(s.cc.u.cubic.epoch_valid);
	EXPECT_EQ(s.cc.u.cubic.k, 0u);
	EXPECT_EQ(s.cc.u.cubic.w_max, w);
}

TEST(TcpHystart, LossEndsHystartForTheConnection)
{
	Sender s;
	s.round(10000);
	toe_tcp_cc_on_loss(&s.cc, s.snd_max - s.una, s.snd_max, s.now);
	toe_tcp_cc_recovery_end(&s.cc, s.now);
	EXPECT_EQ(s.hs().state, TOE_HYSTART_DONE);
	// a later slow start (after a timeout) is RFC 5681's, L = 2
	toe_tcp_cc_on_timeout(&s.cc, s.cc.cwnd, s.snd_max, true, s.now);
	uint32_t w = s.cc.cwnd;
	s.ack(4 * kMss, 10000);
	EXPECT_EQ(s.cc.cwnd, w + 2 * kMss);
}

// NewReno congestion control (RFC 5681, RFC 6582, RFC 6928).
#include <gtest/gtest.h>

extern "C" {
#include "tcp_cc.h"
}

namespace {
constexpr uint32_t kMss = 1460;
constexpr uint32_t kIss = 1000;

unsigned on_ack(toe_tcp_cc *cc, uint32_t ack, uint32_t acked, uint32_t flight_after)
{
	toe_tcp_cc_ack a{};
	a.ack = ack;
	a.acked = acked;
	a.flight_after = flight_after;
	a.snd_max = ack + flight_after;
	return toe_tcp_cc_on_ack(cc, &a);
}
} // namespace

TEST(TcpCc, InitialWindowFollowsRfc6928)
{
	EXPECT_EQ(toe_tcp_cc_initial_window(1460), 14600u);
	EXPECT_EQ(toe_tcp_cc_initial_window(536), 5360u);
	// large MSS: max(2 * SMSS, 14600)
	EXPECT_EQ(toe_tcp_cc_initial_window(8960), 17920u);
	EXPECT_EQ(toe_tcp_cc_initial_window(4000), 14600u);
}

TEST(TcpCc, SlowStartGrowsByAckedBytesUpToTwoSegmentsPerAck)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	uint32_t w = cc.cwnd;
	on_ack(&cc, kIss + 1 + kMss, kMss, 0);
	EXPECT_EQ(cc.cwnd, w + kMss);
	// a stretch ACK covering 4 segments counts only 2 SMSS
	on_ack(&cc, kIss + 1 + 5 * kMss, 4 * kMss, 0);
	EXPECT_EQ(cc.cwnd, w + 3 * kMss);
}

TEST(TcpCc, CongestionAvoidanceAddsOneSegmentPerWindow)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	cc.ssthresh = 10 * kMss;
	cc.cwnd = 10 * kMss;
	uint32_t ack = kIss + 1;
	for (int i = 0; i < 9; i++) {
		ack += kMss;
		on_ack(&cc, ack, kMss, 0);
	}
	EXPECT_EQ(cc.cwnd, 10 * kMss);
	ack += kMss;
	on_ack(&cc, ack, kMss, 0);
	EXPECT_EQ(cc.cwnd, 11 * kMss);
}

TEST(TcpCc, ThirdDupAckTriggersFastRetransmitAndHalvesWindow)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	uint32_t una = kIss + 1;
	uint32_t flight = 20 * kMss;
	uint32_t snd_max = una + flight;
	EXPECT_EQ(toe_tcp_cc_on_dupack(&cc, una, flight, snd_max), 0u);
	EXPECT_EQ(toe_tcp_cc_on_dupack(&cc, una, flight, snd_max), 0u);
	unsigned a = toe_tcp_cc_on_dupack(&cc, una, flight, snd_max);
	EXPECT_EQ(a, TOE_CC_RETRANSMIT_HEAD | TOE_CC_ENTERED_RECOVERY);
	EXPECT_TRUE(cc.in_recovery);
	EXPECT_EQ(cc.ssthresh, 10 * kMss);
	EXPECT_EQ(cc.cwnd, 13 * kMss);
	EXPECT_EQ(cc.recover, snd_max);
	// further dupacks inflate by one segment each
	EXPECT_EQ(toe_tcp_cc_on_dupack(&cc, una, flight, snd_max), 0u);
	EXPECT_EQ(cc.cwnd, 14 * kMss);
}

TEST(TcpCc, PartialAckRetransmitsDeflatesAndRestartsTimerOnce)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	uint32_t una = kIss + 1;
	uint32_t snd_max = una + 20 * kMss;
	for (int i = 0; i < 3; i++)
		toe_tcp_cc_on_dupack(&cc, una, 20 * kMss, snd_max);
	uint32_t before = cc.cwnd;
	// partial ACK of 2 segments
	unsigned a = on_ack(&cc, una + 2 * kMss, 2 * kMss, 18 * kMss);
	EXPECT_EQ(a, TOE_CC_RETRANSMIT_HEAD | TOE_CC_RESTART_TIMER);
	EXPECT_TRUE(cc.in_recovery);
	EXPECT_EQ(cc.cwnd, before - 2 * kMss + kMss);
	// second partial ACK: retransmit but no timer restart
	a = on_ack(&cc, una + 3 * kMss, kMss, 17 * kMss);
	EXPECT_EQ(a, TOE_CC_RETRANSMIT_HEAD);
}

TEST(TcpCc, FullAckEndsRecoveryWithoutBurst)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	uint32_t una = kIss + 1;
	uint32_t snd_max = una + 20 * kMss;
	for (int i = 0; i < 3; i++)
		toe_tcp_cc_on_dupack(&cc, una, 20 * kMss, snd_max);
	// full ACK with 2 segments sent during recovery still outstanding
	unsigned a = on_ack(&cc, snd_max, 20 * kMss, 2 * kMss);
	EXPECT_EQ(a, 0u);
	EXPECT_FALSE(cc.in_recovery);
	EXPECT_EQ(cc.cwnd, 3 * kMss);
	// with everything acknowledged, cwnd returns to ssthresh
	toe_tcp_cc cc2;
	toe_tcp_cc_init(&cc2, kMss, kIss);
	for (int i = 0; i < 3; i++)
		toe_tcp_cc_on_dupack(&cc2, una, 20 * kMss, snd_max);
	cc2.ssthresh = 2 * kMss;
	on_ack(&cc2, snd_max, 20 * kMss, 0);
	EXPECT_EQ(cc2.cwnd, 2 * kMss);
}

TEST(TcpCc, DupAcksBelowRecoverPointDoNotReenterRecovery)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	uint32_t una = kIss + 1;
	uint32_t snd_max = una + 20 * kMss;
	toe_tcp_cc_on_timeout(&cc, 20 * kMss, snd_max, true, 0);
	EXPECT_EQ(cc.cwnd, kMss);
	EXPECT_EQ(cc.ssthresh, 10 * kMss);
	// dupacks for data sent before the timeout are not a new loss
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(toe_tcp_cc_on_dupack(&cc, una + kMss, 19 * kMss, snd_max), 0u);
	EXPECT_FALSE(cc.in_recovery);
}

TEST(TcpCc, RepeatedTimeoutKeepsSsthresh)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	toe_tcp_cc_on_timeout(&cc, 20 * kMss, kIss + 1 + 20 * kMss, true, 0);
	EXPECT_EQ(cc.ssthresh, 10 * kMss);
	toe_tcp_cc_on_timeout(&cc, 20 * kMss, kIss + 1 + 20 * kMss, false, 0);
	EXPECT_EQ(cc.ssthresh, 10 * kMss);
	EXPECT_EQ(cc.cwnd, kMss);
}

TEST(TcpCc, SsthreshNeverBelowTwoSegments)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	toe_tcp_cc_on_timeout(&cc, kMss, kIss + 1 + kMss, true, 0);
	EXPECT_EQ(cc.ssthresh, 2 * kMss);
}

TEST(TcpCc, IdleRestartLimitsWindowToInitialWindow)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	cc.cwnd = 100 * kMss;
	toe_tcp_cc_after_idle(&cc, 0);
	EXPECT_EQ(cc.cwnd, 10 * kMss);
}

TEST(TcpCc, FirstSegmentLossCanFastRetransmit)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	uint32_t una = kIss + 1;
	for (int i = 0; i < 2; i++)
		toe_tcp_cc_on_dupack(&cc, una, 10 * kMss, una + 10 * kMss);
	EXPECT_TRUE(toe_tcp_cc_on_dupack(&cc, una, 10 * kMss, una + 10 * kMss) &
		    TOE_CC_RETRANSMIT_HEAD);
}

TEST(TcpCc, SackLossHalvesSsthreshAndLeavesCwndToTheCallerUntilRecoveryEnds)
{
	toe_tcp_cc cc;
	toe_tcp_cc_init(&cc, kMss, kIss);
	cc.cwnd = 40 * kMss;
	uint32_t una = kIss + 1;
	uint32_t snd_max = una + 40 * kMss;
	toe_tcp_cc_on_loss(&cc, 40 * kMss, snd_max, 0);
	EXPECT_TRUE(cc.in_recovery);
	EXPECT_TRUE(cc.sack_recovery);
	EXPECT_EQ(cc.ssthresh, 20 * kMss);
	EXPECT_EQ(cc.recover, snd_max);
	// PRR owns cwnd meanwhile: an ACK neither grows nor deflates it
	cc.cwnd = 25 * kMss;
	EXPECT_EQ(on_ack(&cc, una + 2 * kMss, 2 * kMss, 38 * kMss), 0u);
	EXPECT_EQ(cc.cwnd, 25 * kMss);
	toe_tcp_cc_recovery_end(&cc, 0);
	EXPECT_FALSE(cc.in_recovery);
	EXPECT_FALSE(cc.sack_recovery);
	EXPECT_EQ(cc.cwnd, 20 * kMss);
}

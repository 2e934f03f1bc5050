// The RFC 6298 retransmission timeout estimator.
#include <gtest/gtest.h>

extern "C" {
#include "tcp_rto.h"
}

TEST(TcpRto, StartsAtOneSecond)
{
	toe_tcp_rto r;
	toe_tcp_rto_init(&r);
	EXPECT_EQ(toe_tcp_rto_current(&r), 1000000u);
}

TEST(TcpRto, FirstSampleSetsSrttAndHalfVariance)
{
	toe_tcp_rto r;
	toe_tcp_rto_init(&r);
	toe_tcp_rto_sample(&r, 100000);
	EXPECT_EQ(r.srtt_us, 100000u);
	EXPECT_EQ(r.rttvar_us, 50000u);
	// 100 ms + 4 * 50 ms
	EXPECT_EQ(toe_tcp_rto_current(&r), 300000u);
}

TEST(TcpRto, LaterSamplesSmoothWithRfcGains)
{
	toe_tcp_rto r;
	toe_tcp_rto_init(&r);
	toe_tcp_rto_sample(&r, 100000);
	toe_tcp_rto_sample(&r, 200000);
	// RTTVAR = 3/4 * 50 ms + 1/4 * 100 ms, SRTT = 7/8 * 100 + 1/8 * 200
	EXPECT_EQ(r.rttvar_us, 62500u);
	EXPECT_EQ(r.srtt_us, 112500u);
	EXPECT_EQ(toe_tcp_rto_current(&r), 112500u + 250000u);
}

TEST(TcpRto, NeverBelowTheMinimum)
{
	toe_tcp_rto r;
	toe_tcp_rto_init(&r);
	for (int i = 0; i < 50; i++)
		toe_tcp_rto_sample(&r, 1000);
	EXPECT_EQ(toe_tcp_rto_current(&r), TOE_TCP_RTO_MIN_US);
}

TEST(TcpRto, BackoffDoublesUpToSixtySeconds)
{
	toe_tcp_rto r;
	toe_tcp_rto_init(&r);
	toe_tcp_rto_backoff(&r);
	EXPECT_EQ(toe_tcp_rto_current(&r), 2000000u);
	toe_tcp_rto_backoff(&r);
	EXPECT_EQ(toe_tcp_rto_current(&r), 4000000u);
	for (int i = 0; i < 40; i++)
		toe_tcp_rto_backoff(&r);
	EXPECT_EQ(toe_tcp_rto_current(&r), TOE_TCP_RTO_MAX_US);
}

TEST(TcpRto, NewSampleClearsBackoff)
{
	toe_tcp_rto r;
	toe_tcp_rto_init(&r);
	toe_tcp_rto_backoff(&r);
	toe_tcp_rto_backoff(&r);
	toe_tcp_rto_sample(&r, 100000);
	EXPECT_EQ(r.backoff, 0);
	EXPECT_EQ(toe_tcp_rto_current(&r), 300000u);
}

TEST(TcpRto, HugeSampleIsBounded)
{
	toe_tcp_rto r;
	toe_tcp_rto_init(&r);
	toe_tcp_rto_sample(&r, 0xffffffffu);
	EXPECT_EQ(toe_tcp_rto_current(&r), TOE_TCP_RTO_MAX_US);
}

// Sequence-space arithmetic: comparisons hold across the 2^32 wrap.
#include <gtest/gtest.h>

extern "C" {
#include "tcp_seq.h"
}

TEST(TcpSeq, ComparisonsHoldAcrossWrap)
{
	EXPECT_TRUE(toe_seq_lt(0xfffffff0u, 0x10u));
	EXPECT_TRUE(toe_seq_gt(0x10u, 0xfffffff0u));
	EXPECT_TRUE(toe_seq_leq(5u, 5u));
	EXPECT_TRUE(toe_seq_geq(5u, 5u));
	EXPECT_FALSE(toe_seq_lt(5u, 5u));
	EXPECT_EQ(toe_seq_max(0xfffffff0u, 0x10u), 0x10u);
	EXPECT_EQ(toe_seq_min(0xfffffff0u, 0x10u), 0xfffffff0u);
}

TEST(TcpSeq, InRangeIsHalfOpenAndEmptyRangeHoldsNothing)
{
	EXPECT_TRUE(toe_seq_in_range(0xffffffffu, 0xfffffffeu, 2u));
	EXPECT_TRUE(toe_seq_in_range(1u, 0xfffffffeu, 2u));
	EXPECT_FALSE(toe_seq_in_range(2u, 0xfffffffeu, 2u));
	EXPECT_FALSE(toe_seq_in_range(7u, 7u, 7u));
}

TEST(TcpSeq, AcceptabilityFollowsRfc9293Table)
{
	// zero-length segment, zero window: only SEG.SEQ = RCV.NXT
	EXPECT_TRUE(toe_seq_acceptable(100, 0, 100, 0));
	EXPECT_FALSE(toe_seq_acceptable(101, 0, 100, 0));
	// zero-length segment, open window
	EXPECT_TRUE(toe_seq_acceptable(150, 0, 100, 100));
	EXPECT_FALSE(toe_seq_acceptable(200, 0, 100, 100));
	EXPECT_FALSE(toe_seq_acceptable(99, 0, 100, 100));
	// data, zero window: never acceptable
	EXPECT_FALSE(toe_seq_acceptable(100, 10, 100, 0));
	// data overlapping the left edge: its end is inside
	EXPECT_TRUE(toe_seq_acceptable(90, 20, 100, 100));
	// data overlapping the right edge: its start is inside
	EXPECT_TRUE(toe_seq_acceptable(195, 20, 100, 100));
	// entirely old / entirely beyond
	EXPECT_FALSE(toe_seq_acceptable(80, 20, 100, 100));
	EXPECT_FALSE(toe_seq_acceptable(200, 20, 100, 100));
	// wrap
	EXPECT_TRUE(toe_seq_acceptable(0xfffffff0u, 0x20, 0x5u, 100));
}

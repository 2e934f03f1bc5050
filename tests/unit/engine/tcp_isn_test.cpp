// Keyed hash, RFC 6528 initial sequence numbers, timestamp offsets.
#include <gtest/gtest.h>

extern "C" {
#include "tcp_isn.h"
}

namespace {
const toe_tcp_secret kRefKey = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
const toe_tcp_tuple kTuple = {0x0a000001, 0x0a000002, 80, 40000};
} // namespace

TEST(TcpIsn, SipHashMatchesReferenceVectors)
{
	// SipHash-2-4 paper, Appendix A: key 00..0f, messages 00.. of
	// length 0, 8 and 16 bytes.
	EXPECT_EQ(toe_tcp_siphash(&kRefKey, nullptr, 0), 0x726fdb47dd0e0e31ull);
	const uint64_t m8[1] = {0x0706050403020100ull};
	EXPECT_EQ(toe_tcp_siphash(&kRefKey, m8, 1), 0x93f5f5799a932462ull);
	const uint64_t m16[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	EXPECT_EQ(toe_tcp_siphash(&kRefKey, m16, 2), 0x3f2acc7f57c29bdbull);
}

TEST(TcpIsn, AdvancesWithTheFourMicrosecondClock)
{
	uint32_t a = toe_tcp_isn(&kRefKey, &kTuple, 1000000);
	uint32_t b = toe_tcp_isn(&kRefKey, &kTuple, 1000400);
	EXPECT_EQ(b - a, 100u);
}

TEST(TcpIsn, DiffersPerTupleAndPerKey)
{
	toe_tcp_tuple other = kTuple;
	other.rport++;
	EXPECT_NE(toe_tcp_isn(&kRefKey, &kTuple, 0), toe_tcp_isn(&kRefKey, &other, 0));
	toe_tcp_secret k2 = kRefKey;
	k2.k1 ^= 1;
	EXPECT_NE(toe_tcp_isn(&kRefKey, &kTuple, 0), toe_tcp_isn(&k2, &kTuple, 0));
}

TEST(TcpIsn, TimestampOffsetIsStablePerTupleAndIndependentOfIsn)
{
	EXPECT_EQ(toe_tcp_ts_offset(&kRefKey, &kTuple), toe_tcp_ts_offset(&kRefKey, &kTuple));
	EXPECT_NE(toe_tcp_ts_offset(&kRefKey, &kTuple), toe_tcp_isn(&kRefKey, &kTuple, 0));
}

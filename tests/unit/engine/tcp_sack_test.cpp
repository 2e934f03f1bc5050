// The sender's SACK scoreboard (RFC 6675): records, splits at block edges,
// the RFC 6675 pipe, RACK's loss marking by time, the timeout's reset,
// and the bound on what hostile blocks can cost.
#include <gtest/gtest.h>

#include <random>

extern "C" {
#include "tcp_sack.h"
}

namespace {

constexpr uint32_t kMss = 1000;
constexpr uint32_t kUna = 0xfffff000u; // wraps during the tests

struct Board {
	toe_tcp_sb sb{};
	uint32_t una = kUna;
	uint32_t max = kUna;

	Board() { toe_tcp_sb_init(&sb, kUna); }
	~Board() { toe_tcp_sb_free(&sb); }

	// n segments of kMss, sent at t0, t0 + 1, ...
	void send(int n, uint64_t t0 = 100)
	{
		for (int i = 0; i < n; i++) {
			EXPECT_EQ(toe_tcp_sb_sent(&sb, max, max + kMss, t0 + i), 0);
			max += kMss;
		}
	}
	toe_tcp_sb_delivery sack(uint32_t start, uint32_t end, uint64_t now = 1000)
	{
		toe_tcp_sb_delivery d{};
		d.now_us = now;
		toe_tcp_sack_block b{start, end};
		toe_tcp_sb_sack(&sb, una, max, &b, 1, &d);
		return d;
	}
	uint32_t seg(int i) const { return kUna + uint32_t(i) * kMss; }
	uint32_t pipe() const { return toe_tcp_sb_pipe(&sb, una, max); }
};

} // namespace

TEST(TcpSack, SackedSegmentsLeaveThePipeAndCumulativeAckRemovesRecords)
{
	Board b;
	b.send(10);
	EXPECT_EQ(b.pipe(), 10 * kMss);
	auto d = b.sack(b.seg(3), b.seg(6));
	EXPECT_EQ(d.sacked, 3 * kMss);
	EXPECT_TRUE(d.valid);
	EXPECT_EQ(b.sb.sacked_bytes, 3 * kMss);
	EXPECT_EQ(b.pipe(), 7 * kMss);
	EXPECT_EQ(b.sb.fack, b.seg(6));
	uint32_t end = 0;
	EXPECT_TRUE(toe_tcp_sb_is_sacked(&b.sb, b.seg(4), &end));
	EXPECT_FALSE(toe_tcp_sb_is_sacked(&b.sb, b.seg(2), &end));

	toe_tcp_sb_delivery c{};
	c.now_us = 2000;
	toe_tcp_sb_cum_ack(&b.sb, b.seg(6), &c);
	b.una = b.seg(6);
	EXPECT_EQ(c.delivered, 3 * kMss) << "the SACKed part was delivered before";
	EXPECT_EQ(b.sb.sacked_bytes, 0u);
	EXPECT_EQ(b.sb.count, 4u);
	EXPECT_EQ(b.pipe(), 4 * kMss);
}

TEST(TcpSack, BlockEdgesInsideASuperFrameSplitIt)
{
	Board b;
	ASSERT_EQ(toe_tcp_sb_sent(&b.sb, b.max, b.max + 64 * kMss, 100), 0);
	b.max += 64 * kMss;
	EXPECT_EQ(b.sb.count, 1u);
	b.sack(b.seg(10) + 17, b.seg(20) + 3);
	EXPECT_EQ(b.sb.count, 3u);
	EXPECT_EQ(b.sb.sacked_bytes, 10 * kMss - 14);
}

TEST(TcpSack, RackMarksWhatWasSentBeforeTheDeliveredSegmentOnceTheWindowPassed)
{
	Board b;
	b.send(5, 100); // sent at 100..104
	auto d = b.sack(b.seg(3), b.seg(4));
	ASSERT_TRUE(d.valid);
	EXPECT_EQ(d.xmit_us, 103u);
	// RTT 50 + window 10: the segments sent at 100..102 expire at 160..162
	uint64_t wait = toe_tcp_sb_mark_lost(&b.sb, d.xmit_us, d.end_seq, 60, 161);
	EXPECT_EQ(b.sb.lost_bytes, 2 * kMss) << "100 and 101 are past 160";
	EXPECT_EQ(wait, 1u) << "102 expires at 162";
	uint32_t s, e;
	ASSERT_TRUE(toe_tcp_sb_next_lost(&b.sb, &s, &e));
	EXPECT_EQ(s, b.seg(0));
	// the segment sent after the delivered one is never judged by it
	toe_tcp_sb_mark_lost(&b.sb, d.xmit_us, d.end_seq, 60, 10'000);
	EXPECT_EQ(b.sb.lost_bytes, 3 * kMss);
	EXPECT_EQ(b.pipe(), kMss) << "segment 4 alone is in flight";
	// resending a lost record puts it back in the pipe
	ASSERT_EQ(toe_tcp_sb_sent(&b.sb, b.seg(0), b.seg(1), 10'001), 0);
	EXPECT_EQ(b.sb.lost_bytes, 2 * kMss);
	EXPECT_EQ(b.pipe(), 2 * kMss);
}

TEST(TcpSack, ATimeoutForgetsSackedDataAsRfc2018Section8Asks)
{
	Board b;
	b.send(6);
	b.sack(b.seg(2), b.seg(4));
	toe_tcp_sb_mark_all_lost(&b.sb);
	EXPECT_EQ(b.sb.sacked_bytes, 0u);
	EXPECT_EQ(b.sb.lost_bytes, 6 * kMss);
	EXPECT_EQ(b.pipe(), 0u);
}

TEST(TcpSack, BlocksOutsideTheFlightOrInvertedAreIgnored)
{
	Board b;
	b.send(4);
	b.sack(b.seg(5), b.seg(6)); // beyond snd_max
	b.sack(b.seg(2), b.seg(1)); // inverted
	b.sack(kUna - 5000, kUna);  // below snd_una
	EXPECT_EQ(b.sb.sacked_bytes, 0u);
	EXPECT_EQ(b.sb.count, 4u);
}

// CVE-2019-11477/11478 class: random blocks that split records at every
// byte must neither grow the scoreboard past its bound nor let the
// accounting drift.
TEST(TcpSack, HostileBlocksAreBoundedInMemoryAndWork)
{
	Board b;
	ASSERT_EQ(toe_tcp_sb_sent(&b.sb, b.max, b.max + 8 * 1024 * 1024, 100), 0);
	b.max += 8 * 1024 * 1024;
	std::mt19937 rng(42);
	uint32_t worst = 0;
	for (int ack = 0; ack < 20000; ack++) {
		toe_tcp_sack_block blocks[TOE_TCP_MAX_SACK_BLOCKS];
		for (auto &blk : blocks) {
			uint32_t a = b.una + rng() % (b.max - b.una);
			uint32_t len = 1 + rng() % 3;
			blk = {a, a + len};
		}
		toe_tcp_sb_delivery d{};
		d.now_us = 1000 + uint64_t(ack);
		b.sb.work = 0;
		toe_tcp_sb_sack(&b.sb, b.una, b.max, blocks, TOE_TCP_MAX_SACK_BLOCKS, &d);
		worst = std::max(worst, b.sb.work);
		ASSERT_LE(b.sb.count, TOE_TCP_SB_MAX);
	}
	EXPECT_EQ(b.sb.cap, TOE_TCP_SB_MAX);
	EXPECT_GT(b.sb.splits_refused, 0u);
	// each block visits only the records it covers: a few, never the board
	EXPECT_LE(worst, 4u * 8u);
	// the accounting still adds up record by record
	uint64_t sacked = 0;
	for (uint32_t i = 0; i < b.sb.count; i++) {
		const toe_tcp_txrec &r = b.sb.rec[b.sb.head + i];
		if (r.flags & TOE_TXR_SACKED)
			sacked += r.end - r.start;
		if (i) {
			EXPECT_EQ(r.start, b.sb.rec[b.sb.head + i - 1].end);
		}
	}
	EXPECT_EQ(sacked, b.sb.sacked_bytes);
	EXPECT_LE(b.sb.sacked_bytes, b.max - b.una);
	// and a cumulative ACK of everything empties it
	toe_tcp_sb_delivery d{};
	toe_tcp_sb_cum_ack(&b.sb, b.max, &d);
	EXPECT_EQ(b.sb.count, 0u);
	EXPECT_EQ(b.sb.sacked_bytes, 0u);
	EXPECT_EQ(b.sb.lost_bytes, 0u);
}

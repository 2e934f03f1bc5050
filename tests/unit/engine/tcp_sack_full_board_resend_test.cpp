// A full scoreboard and a partial resend of a lost record (found by
// toe_fuzz_sack): the split the bound refused left the record whole and
// still lost, so recovery found it again after each resend of its head and
// resent that head forever, within one ACK.
#include <gtest/gtest.h>

extern "C" {
#include "tcp_sack.h"
}

namespace {

constexpr uint32_t kMss = 1000;
constexpr uint32_t kUna = 0x7ffff000u;

} // namespace

TEST(TcpSackFullBoardResend, APartlyResentLostRecordStopsBeingLostWhenTheSplitIsRefused)
{
	toe_tcp_sb sb{};
	toe_tcp_sb_init(&sb, kUna);
	uint32_t max = kUna;
	for (uint32_t i = 0; i < TOE_TCP_SB_MAX; i++, max += kMss)
		ASSERT_EQ(toe_tcp_sb_sent(&sb, max, max + kMss, 100 + i), 0);
	ASSERT_EQ(sb.count, TOE_TCP_SB_MAX);
	// Full: new data makes the last record ten segments long.
	ASSERT_EQ(toe_tcp_sb_sent(&sb, max, max + 10 * kMss, 5000), 0);
	max += 10 * kMss;
	ASSERT_EQ(sb.count, TOE_TCP_SB_MAX);
	toe_tcp_sb_mark_all_lost(&sb);

	// What recovery does: resend the first lost range a segment at a
	// time. Every resend must take something off the lost bytes.
	uint32_t start = 0, end = 0, resends = 0;
	while (toe_tcp_sb_next_lost(&sb, &start, &end)) {
		uint32_t lost_before = sb.lost_bytes;
		uint32_t len = end - start < kMss ? end - start : kMss;
		ASSERT_EQ(toe_tcp_sb_sent(&sb, start, start + len, 10000 + resends), 0);
		ASSERT_LT(sb.lost_bytes, lost_before) << "resend " << resends << " of ["
						     << start << ", " << end << ")";
		ASSERT_LE(++resends, TOE_TCP_SB_MAX + 10);
	}
	EXPECT_EQ(sb.lost_bytes, 0u);
	EXPECT_EQ(sb.count, TOE_TCP_SB_MAX);
	EXPECT_GT(sb.splits_refused, 0u);
	EXPECT_EQ(toe_tcp_sb_pipe(&sb, kUna, max), max - kUna);
	toe_tcp_sb_free(&sb);
}

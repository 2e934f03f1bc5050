// The SACK sender against a peer that offered SACK-permitted: RACK marks
// the holes below SACKed data lost and resends them first (RFC 8985 6,
// RFC 6675), PRR halves the sending rate, and a timeout resends what was SACKed too
// (RFC 2018 section 8).
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

constexpr uint32_t kMss = 1448;

struct SackFlight {
	TcpHarness t;
	Conn c;
	std::vector<Frame> frames;

	explicit SackFlight(int n)
	{
		PeerOpts o;
		o.sack = true;
		c = t.open_active(o);
		t.ack(c);
		// one round trip of 1 ms, so the connection has an RTT
		t.send(c.h, pattern(100, 8), 1);
		t.take_data(c);
		TestPort::set_clock(TestPort::now() + 1000);
		t.ack(c);
		t.send(c.h, pattern(size_t(n) * kMss, 9), 1);
		t.take_data(c, &frames);
		EXPECT_EQ(frames.size(), size_t(n));
		EXPECT_TRUE(t.tcb(c.h)->flags & TOE_TCB_SACK_OK);
	}
	uint32_t seq(int i) const { return frames[0].seq + uint32_t(i) * kMss; }
	// An ACK for seq(ack_i) that SACKs [seq(from), seq(to)).
	void sack(int ack_i, int from, int to)
	{
		TcpSpec s = t.seg(c, TH_ACK);
		s.ack = seq(ack_i);
		Bytes opts = tcp_options({tcpopt::timestamps(c.peer_tsval, c.echo),
					  tcpopt::sack({{seq(from), seq(to)}})});
		s.options = opts;
		t.inject(s);
	}
};

} // namespace

TEST(TcpRack, HolesBelowSackedDataAreResentAtOnceWithoutThreeDupacks)
{
	SackFlight f(10);
	f.sack(0, 4, 10); // 0..3 missing, 6 segments SACKed: RACK's window is 0
	// RACK waits RACK.rtt after the send (here the clock has not moved)
	EXPECT_LT(f.t.run_until_tx(), 1000u);
	auto frames = f.t.drain(f.c);
	auto *t0 = f.t.tcb(f.c.h);
	ASSERT_FALSE(frames.empty()) << "lost " << t0->sb.lost_bytes;
	EXPECT_EQ(frames[0].seq, f.seq(0));
	auto *tp = f.t.tcb(f.c.h);
	EXPECT_EQ(tp->stats.sack_recoveries, 1u);
	EXPECT_GE(tp->stats.rack_marked_lost, 4u);
	EXPECT_GE(tp->stats.sack_blocks_in, 1u);
	EXPECT_TRUE(tp->cc.sack_recovery);
	EXPECT_EQ(tp->cc.ssthresh, 5 * kMss) << "NewReno halves the flight";
	// PRR: the resends never exceed what ssthresh allows in flight
	uint32_t sent = 0;
	for (auto &fr : frames)
		sent += uint32_t(fr.payload.size());
	EXPECT_LE(sent, 4 * kMss);
	EXPECT_EQ(f.t.tcb(f.c.h)->stats.timeouts, 0u);
}

TEST(TcpRack, RecoveryEndsWhenEverythingSentBeforeItIsAcknowledged)
{
	SackFlight f(10);
	f.sack(0, 4, 10);
	f.t.run_until_tx();
	f.t.drain(f.c);
	f.t.ack_to(f.c, f.seq(9) + kMss);
	auto *tp = f.t.tcb(f.c.h);
	EXPECT_FALSE(tp->cc.in_recovery);
	EXPECT_EQ(tp->cc.cwnd, tp->cc.ssthresh);
	EXPECT_EQ(tp->sb.count, 0u);
}

TEST(TcpRack, ATimeoutResendsSackedDataTooAsRfc2018Section8Asks)
{
	SackFlight f(6);
	f.sack(0, 2, 4);
	f.t.drain(f.c);
	auto *tp = f.t.tcb(f.c.h);
	while (tp->stats.timeouts == 0 && f.t.fire_next())
		f.t.drain(f.c);
	ASSERT_EQ(tp->stats.timeouts, 1u);
	EXPECT_EQ(tp->sb.sacked_bytes, 0u);
	EXPECT_EQ(tp->snd_nxt, tp->snd_max) << "the scoreboard resends, not go-back-N";
}

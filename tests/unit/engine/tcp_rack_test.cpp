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
	EXPECT_EQ(tp->cc.ssthresh, 7 * kMss) << "CUBIC's beta of the flight";
	// PRR: the resends never exceed what ssthresh allows in flight
	uint32_t sent = 0;
	for (auto &fr : frames)
		sent += uint32_t(fr.payload.size());
	EXPECT_LE(sent, 4 * kMss);
	EXPECT_EQ(f.t.tcb(f.c.h)->stats.timeouts, 0u);
}

// At high loss most of snd_max - snd_una is SACKed, and a recovery that
// began right after another one has a cwnd below it: reducing from
// snd_max - snd_una grew the window on every loss (CUBIC, 10% loss).
TEST(TcpRack, RecoveryReducesFromCwndWhenItIsBelowTheFlight)
{
	SackFlight f(10);
	auto *tp = f.t.tcb(f.c.h);
	tp->cc.cwnd = 6 * kMss; // what a previous reduction left
	f.sack(0, 4, 10);
	f.t.run_until_tx();
	f.t.drain(f.c);
	EXPECT_EQ(tp->stats.sack_recoveries, 1u);
	EXPECT_EQ(tp->cc.ssthresh, 6 * kMss * 7 / 10) << "0.7 of cwnd, not of 10 segments";
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

// RFC 8985 7: the last two segments are lost and nothing after them can be
// SACKed; the probe (the last segment again) draws the SACK that lets RACK
// see the other one, with no retransmission timeout.
TEST(TcpRack, ALostTailIsProbedAndRepairedWithoutATimeout)
{
	SackFlight f(10);
	auto *tp = f.t.tcb(f.c.h);
	f.t.ack_to(f.c, f.seq(8));
	EXPECT_EQ(tp->loss_timer_mode, TOE_TCP_LOSS_TIMER_TLP);
	ASSERT_TRUE(toe_timer_pending(&tp->loss_timer));
	ASSERT_TRUE(f.t.fire_next());
	auto probe = f.t.drain(f.c);
	ASSERT_EQ(probe.size(), 1u);
	EXPECT_EQ(probe[0].seq, f.seq(9)) << "the last segment again";
	EXPECT_EQ(tp->stats.tlp_probes, 1u);
	// a round trip later: sooner would be an ACK of the first copy
	TestPort::set_clock(TestPort::now() + 1000);
	f.sack(8, 9, 10);
	f.t.run_until_tx();
	auto repair = f.t.drain(f.c);
	ASSERT_FALSE(repair.empty());
	EXPECT_EQ(repair[0].seq, f.seq(8));
	EXPECT_EQ(tp->stats.sack_recoveries, 1u);
	f.t.ack_to(f.c, f.seq(10));
	EXPECT_EQ(tp->stats.timeouts, 0u);
	EXPECT_EQ(tp->snd_una, tp->snd_max);
}

// Loss recovery: the retransmission timer with exponential backoff and its
// limit, fast retransmit on three duplicate ACKs, NewReno partial ACKs,
// and the RTT estimate behind the timer.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

constexpr uint32_t kMss = 1448;

// A connection with n full segments in flight (data not yet acked). The
// recovery tests here are NewReno's (RFC 6582) unless they ask for CUBIC,
// the engine's default, whose recovery differs only in ssthresh.
struct Flight {
	TcpHarness t;
	Conn c;
	std::vector<Frame> frames;

	explicit Flight(int n, unsigned algo = TOE_CC_NEWRENO)
	{
		c = t.open_active();
		EXPECT_EQ(t.setopt(c.h, TOE_OPT_CONGESTION, algo), 0);
		t.ack(c); // the peer's first window is scaled: settle it
		t.send(c.h, pattern(size_t(n) * kMss, 5), 1);
		Bytes got = t.take_data(c, &frames);
		EXPECT_EQ(frames.size(), size_t(n));
	}
	uint32_t seq(int i) const { return frames[size_t(i)].seq; }
	void dupack()
	{
		TcpSpec s = t.seg(c, TH_ACK);
		s.ack = seq(0);
		t.inject(s);
	}
};

} // namespace

TEST(TcpRetransmit, TimeoutResendsFirstSegmentWithDoublingIntervals)
{
	Flight f(4);
	// Timeouts of full-sized segments alone: no black-hole detection,
	// which would shrink them (TcpPmtu.BlackHole... test that).
	f.t.eng()->tcp.tun.plpmtud_blackhole_rtos = 0;
	uint64_t rto = toe_tcp_rto_current(&f.t.tcb(f.c.h)->rto);
	std::vector<uint64_t> waits;
	for (int i = 0; i < 4; i++) {
		waits.push_back(f.t.run_until_tx());
		auto frames = f.t.drain(f.c);
		ASSERT_EQ(frames.size(), 1u) << "cwnd is one segment after a timeout";
		EXPECT_EQ(frames[0].seq, f.seq(0));
		EXPECT_EQ(frames[0].payload.size(), kMss);
	}
	EXPECT_EQ(waits[0], rto);
	EXPECT_EQ(waits[1], 2 * rto);
	EXPECT_EQ(waits[2], 4 * rto);
	EXPECT_EQ(waits[3], 8 * rto);
	EXPECT_EQ(f.t.tcb(f.c.h)->stats.timeouts, 4u);
	EXPECT_EQ(f.t.info(f.c.h).cwnd, kMss);
	EXPECT_EQ(f.t.info(f.c.h).ssthresh, 2 * kMss) << "max(flight/2, 2 SMSS)";
}

TEST(TcpRetransmit, CubicTimeoutSetsSsthreshByBeta)
{
	Flight f(4, TOE_CC_CUBIC);
	f.t.run_until_tx();
	f.t.drain(f.c);
	EXPECT_EQ(f.t.info(f.c.h).cwnd, kMss);
	EXPECT_EQ(f.t.info(f.c.h).ssthresh, 4 * kMss * 7 / 10) << "flight * 0.7";
	f.t.run_until_tx(); // a second expiry of the same segment keeps it
	f.t.drain(f.c);
	EXPECT_EQ(f.t.info(f.c.h).ssthresh, 4 * kMss * 7 / 10);
}

TEST(TcpRetransmit, AckAfterTimeoutResumesGoBackNAndClearsBackoff)
{
	Flight f(4);
	f.t.run_until_tx();
	f.t.drain(f.c);
	f.t.ack_to(f.c, f.seq(1));
	auto frames = f.t.drain(f.c);
	// slow start from one segment: the ACK of one lets two go
	ASSERT_EQ(frames.size(), 2u);
	EXPECT_EQ(frames[0].seq, f.seq(1));
	EXPECT_EQ(frames[1].seq, f.seq(2));
	EXPECT_EQ(f.t.tcb(f.c.h)->rtx_count, 0u);
}

TEST(TcpRetransmit, GivesUpAfterRetryLimitWithEtimedout)
{
	Flight f(1);
	f.t.eng()->tcp.tun.retries = 3;
	for (int i = 0; i < 3; i++) {
		f.t.run_until_tx();
		f.t.drain(f.c);
	}
	EXPECT_FALSE(f.t.event(TOE_EV_ERROR));
	f.t.fire_next();
	auto ev = f.t.event(TOE_EV_ERROR);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, -ETIMEDOUT);
	auto send = f.t.event(TOE_EV_SEND);
	ASSERT_TRUE(send);
	EXPECT_EQ(send->status, -ETIMEDOUT);
	EXPECT_EQ(f.t.state(f.c.h), TOE_TCPS_CLOSED);
	EXPECT_TRUE(f.t.port().tx_empty()) << "no RST to a peer that is gone";
}

TEST(TcpRetransmit, UserTimeoutBoundsTheRetransmissionTime)
{
	Flight f(1);
	ASSERT_EQ(f.t.setopt(f.c.h, TOE_OPT_USER_TIMEOUT, 1000), 0);
	uint64_t start = TestPort::now();
	while (!f.t.event(TOE_EV_ERROR) && TestPort::now() - start < 10'000'000) {
		f.t.fire_next();
		f.t.drain(f.c);
	}
	EXPECT_EQ(f.t.state(f.c.h), TOE_TCPS_CLOSED);
	EXPECT_LT(TestPort::now() - start, 3'000'000u);
}

// RFC 5482: the user timeout used to be checked only when the backed-off
// retransmission timer fired, so 1.5 s became 3 s. The timer is now cut
// short to the time left.
TEST(TcpRetransmit, UserTimeoutFiresWhenItRunsOutNotAtTheNextRto)
{
	Flight f(1);
	ASSERT_EQ(f.t.setopt(f.c.h, TOE_OPT_USER_TIMEOUT, 1500), 0);
	uint64_t start = TestPort::now(); // the segment went out just now
	while (!f.t.event(TOE_EV_ERROR) && TestPort::now() - start < 10'000'000) {
		f.t.fire_next();
		f.t.drain(f.c);
	}
	EXPECT_EQ(f.t.state(f.c.h), TOE_TCPS_CLOSED);
	EXPECT_LE(TestPort::now() - start, 1'500'000u);
}

TEST(TcpRetransmit, ThreeDuplicateAcksTriggerFastRetransmit)
{
	Flight f(10);
	f.dupack();
	f.dupack();
	EXPECT_TRUE(f.t.port().tx_empty());
	f.dupack();
	auto frames = f.t.drain(f.c);
	ASSERT_GE(frames.size(), 1u);
	EXPECT_EQ(frames[0].seq, f.seq(0));
	EXPECT_EQ(frames[0].payload.size(), kMss);
	auto *tp = f.t.tcb(f.c.h);
	EXPECT_TRUE(tp->cc.in_recovery);
	EXPECT_EQ(tp->cc.ssthresh, 5 * kMss);
	EXPECT_EQ(tp->cc.cwnd, 8 * kMss);
	EXPECT_EQ(tp->stats.fast_retransmits, 1u);
	EXPECT_EQ(tp->stats.dupacks_in, 3u);
	EXPECT_EQ(tp->stats.timeouts, 0u);
}

TEST(TcpRetransmit, CubicFastRetransmitReducesByBetaAndRecoversAsNewReno)
{
	Flight f(10, TOE_CC_CUBIC);
	for (int i = 0; i < 3; i++)
		f.dupack();
	auto frames = f.t.drain(f.c);
	ASSERT_GE(frames.size(), 1u);
	EXPECT_EQ(frames[0].seq, f.seq(0));
	auto *tp = f.t.tcb(f.c.h);
	EXPECT_TRUE(tp->cc.in_recovery);
	EXPECT_EQ(tp->cc.ssthresh, 7 * kMss) << "flight * 0.7";
	EXPECT_EQ(tp->cc.cwnd, 10 * kMss) << "ssthresh + 3 SMSS";
	EXPECT_EQ(tp->cc.u.cubic.w_max, tp->cc.u.cubic.cwnd_prior);
	// the full ACK ends recovery at ssthresh, as NewReno's
	f.t.ack_to(f.c, f.seq(9) + kMss);
	EXPECT_FALSE(tp->cc.in_recovery);
	EXPECT_LE(tp->cc.cwnd, 7 * kMss);
}

TEST(TcpRetransmit, DuplicateAcksInflateWindowAndReleaseNewData)
{
	Flight f(10);
	f.t.send(f.c.h, pattern(20 * kMss, 6), 2);
	EXPECT_TRUE(f.t.port().tx_empty()) << "cwnd-limited";
	for (int i = 0; i < 3; i++)
		f.dupack();
	f.t.drain(f.c); // the fast retransmission
	// cwnd 8 SMSS with 10 in flight: the 4th and 5th dupacks add one each
	f.dupack();
	f.dupack();
	EXPECT_TRUE(f.t.port().tx_empty());
	f.dupack();
	auto frames = f.t.drain(f.c);
	ASSERT_EQ(frames.size(), 1u) << "cwnd 11 SMSS, 10 in flight";
	EXPECT_EQ(frames[0].seq, f.seq(9) + kMss) << "new data";
}

TEST(TcpRetransmit, PartialAckRetransmitsNextHoleAndStaysInRecovery)
{
	Flight f(10);
	for (int i = 0; i < 3; i++)
		f.dupack();
	f.t.drain(f.c);
	// segments 0 and 4 were lost: the ACK after the retransmission of 0
	// covers 1..3 only
	f.t.ack_to(f.c, f.seq(4));
	auto frames = f.t.drain(f.c);
	ASSERT_GE(frames.size(), 1u);
	EXPECT_EQ(frames[0].seq, f.seq(4)) << "the partial ACK names the next hole";
	auto *tp = f.t.tcb(f.c.h);
	EXPECT_TRUE(tp->cc.in_recovery);
	EXPECT_EQ(tp->stats.fast_retransmits, 2u);
	// the full ACK ends recovery at ssthresh
	f.t.ack_to(f.c, f.seq(9) + kMss);
	EXPECT_FALSE(tp->cc.in_recovery);
	EXPECT_LE(tp->cc.cwnd, tp->cc.ssthresh);
}

TEST(TcpRetransmit, DuplicateAcksWithWindowChangeOrDataAreNotCounted)
{
	Flight f(10);
	for (int i = 0; i < 3; i++) {
		TcpSpec s = f.t.seg(f.c, TH_ACK);
		s.ack = f.seq(0);
		s.window = uint16_t(1000 + i); // a window update, not a dupack
		f.t.inject(s);
	}
	EXPECT_EQ(f.t.tcb(f.c.h)->stats.dupacks_in, 0u);
	EXPECT_FALSE(f.t.tcb(f.c.h)->cc.in_recovery);
}

TEST(TcpRetransmit, RetransmittedSegmentGivesNoRttSampleWithoutTimestamps)
{
	TcpHarness t;
	PeerOpts o;
	o.timestamps = false;
	Conn c = t.open_active(o);
	auto *tp = t.tcb(c.h);
	uint32_t srtt_before = tp->rto.srtt_us;
	t.send(c.h, pattern(100), 1);
	t.take_data(c);
	t.run_until_tx(); // timeout: the segment is sent again
	t.take_data(c);
	TestPort::set_clock(TestPort::now() + 5'000); // ACK 5 ms later
	t.ack(c);
	EXPECT_EQ(tp->rto.srtt_us, srtt_before) << "Karn: ambiguous, not sampled";
	EXPECT_EQ(tp->rto.backoff, 1) << "the backed-off RTO stays";
}

TEST(TcpRetransmit, RttSampleFromTimedSegmentSetsTheRto)
{
	TcpHarness t;
	PeerOpts o;
	o.timestamps = false;
	Conn c = t.open_active(o);
	auto *tp = t.tcb(c.h);
	for (int i = 0; i < 40; i++) {
		t.send(c.h, pattern(100), uint64_t(i));
		t.take_data(c);
		TestPort::set_clock(TestPort::now() + 100'000);
		t.ack(c);
	}
	EXPECT_NEAR(double(tp->rto.srtt_us), 100'000.0, 1'000.0);
	EXPECT_EQ(toe_tcp_rto_current(&tp->rto), 200'000u) << "the floor";
	EXPECT_EQ(t.info(c.h).srtt_us, tp->rto.srtt_us);
}

TEST(TcpRetransmit, FinIsRetransmittedLikeData)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_shutdown(t.eng(), kOwner, c.h, TOE_SHUT_WR), 0);
	Frame fin = t.tx(c);
	EXPECT_TRUE(fin.has(TH_FIN));
	t.run_until_tx();
	Frame again = t.tx(c);
	EXPECT_TRUE(again.has(TH_FIN));
	EXPECT_EQ(again.seq, fin.seq);
}

// The choice of congestion control: CUBIC unless the engine's
// configuration or the socket (TOE_OPT_CONGESTION) says NewReno, a
// listener's choice passed to its connections, and each algorithm's
// behaviour on a connection.
#include "tcp_harness.hpp"

extern "C" {
#include "tcp_cc_int.h"
}

using namespace toe::test;

namespace {

constexpr uint32_t kMss = 1448;

toe_engine_config with_congestion(uint8_t algo)
{
	toe_engine_config c = TestPort::default_config();
	c.congestion = algo;
	return c;
}

uint64_t getopt(TcpHarness &t, uint32_t h)
{
	uint64_t v = 99;
	EXPECT_EQ(toe_sock_getopt(t.eng(), kOwner, h, TOE_OPT_CONGESTION, &v), 0);
	return v;
}

// n segments in flight on c, then three duplicate ACKs for the first.
void lose_first_of(TcpHarness &t, Conn &c, int n)
{
	t.ack(c);
	t.send(c.h, pattern(size_t(n) * kMss, 3), 1);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	ASSERT_EQ(frames.size(), size_t(n));
	for (int i = 0; i < 3; i++) {
		TcpSpec s = t.seg(c, TH_ACK);
		s.ack = frames[0].seq;
		t.inject(s);
	}
	t.drain(c);
}

} // namespace

TEST(TcpCongestion, DefaultIsCubicAndAnEngineMayChooseNewReno)
{
	EXPECT_EQ(TestPort::default_config().congestion, TOE_CC_CUBIC);
	{
		TcpHarness d(with_congestion(TOE_CC_NEWRENO));
		Conn c = d.open_active();
		EXPECT_EQ(d.info(c.h).congestion, TOE_CC_NEWRENO);
		EXPECT_EQ(d.tcb(c.h)->cc.algo, TOE_TCP_CC_NEWRENO);
	}
	TcpHarness t;
	Conn c = t.open_active();
	EXPECT_EQ(t.info(c.h).congestion, TOE_CC_CUBIC);
	EXPECT_EQ(getopt(t, c.h), uint64_t(TOE_CC_CUBIC));
	EXPECT_EQ(t.tcb(c.h)->cc.algo, TOE_TCP_CC_CUBIC);
	// the first slow start is HyStart++'s
	EXPECT_EQ(t.tcb(c.h)->cc.u.cubic.hystart.state, TOE_HYSTART_SS);
	lose_first_of(t, c, 10);
	EXPECT_EQ(t.tcb(c.h)->cc.ssthresh, 7 * kMss) << "beta_cubic 0.7";
}

TEST(TcpCongestion, SocketOptionNewRenoBehavesAsNewReno)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_CONGESTION, TOE_CC_NEWRENO), 0);
	EXPECT_EQ(t.info(c.h).congestion, TOE_CC_NEWRENO);
	EXPECT_EQ(getopt(t, c.h), uint64_t(TOE_CC_NEWRENO));
	lose_first_of(t, c, 10);
	auto *tp = t.tcb(c.h);
	EXPECT_EQ(tp->cc.ssthresh, 5 * kMss) << "FlightSize / 2";
	EXPECT_EQ(tp->cc.cwnd, 8 * kMss);
	// recovery ends at ssthresh; then one SMSS per window acknowledged
	t.ack_to(c, c.rcv);
	EXPECT_FALSE(tp->cc.in_recovery);
	tp->cc.cwnd = tp->cc.ssthresh;
	uint32_t w = tp->cc.cwnd;
	t.send(c.h, pattern(5 * kMss, 4), 2);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	ASSERT_EQ(frames.size(), 5u);
	for (const Frame &f : frames)
		t.ack_to(c, f.seq + uint32_t(f.payload.size()));
	EXPECT_EQ(tp->cc.cwnd, w + kMss);
}

TEST(TcpCongestion, EngineConfigurationSetsTheDefault)
{
	TcpHarness t(with_congestion(TOE_CC_NEWRENO));
	Conn c = t.open_active();
	EXPECT_EQ(t.info(c.h).congestion, TOE_CC_NEWRENO);
	lose_first_of(t, c, 10);
	EXPECT_EQ(t.tcb(c.h)->cc.ssthresh, 5 * kMss);
	// a socket still chooses for itself
	Conn d = t.open_active({}, kPeerPort + 1);
	ASSERT_EQ(t.setopt(d.h, TOE_OPT_CONGESTION, TOE_CC_CUBIC), 0);
	lose_first_of(t, d, 10);
	EXPECT_EQ(t.tcb(d.h)->cc.ssthresh, 7 * kMss);
}

TEST(TcpCongestion, ConnectionsOfAListenerTakeItsAlgorithm)
{
	TcpHarness t;
	uint32_t l = t.listen();
	ASSERT_EQ(t.setopt(l, TOE_OPT_CONGESTION, TOE_CC_NEWRENO), 0);
	Conn c = t.open_passive(l);
	EXPECT_EQ(t.info(c.h).congestion, TOE_CC_NEWRENO);
	lose_first_of(t, c, 10);
	EXPECT_EQ(t.tcb(c.h)->cc.ssthresh, 5 * kMss);
}

TEST(TcpCongestion, SynCookieConnectionsTakeTheListenersAlgorithm)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.syn_queue_max = 0; // every SYN is answered with a cookie
	TcpHarness t(cfg);
	uint32_t l = t.listen();
	ASSERT_EQ(t.setopt(l, TOE_OPT_CONGESTION, TOE_CC_NEWRENO), 0);
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 1), 0);
	Conn c;
	c.peer = t.port().peer(kPeerIp, 43000);
	c.snd = 70000;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = TcpHarness::syn_options(c, {});
	t.inject(s);
	c.snd++;
	Frame sa = t.tx(c);
	c.rcv = sa.seq + 1;
	t.ack(c);
	auto ev = t.event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	EXPECT_EQ(t.engine_stats().syncookies_ok, 1u);
	EXPECT_EQ(t.info(ev->sock).congestion, TOE_CC_NEWRENO);
	EXPECT_EQ(t.tcb(ev->sock)->cc.recover, sa.seq) << "the cookie's ISS";
}

TEST(TcpCongestion, OptionIsRefusedOnceDataWasSentOrUnknown)
{
	TcpHarness t;
	Conn c = t.open_active();
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_CONGESTION, 2), -EINVAL);
	EXPECT_EQ(t.info(c.h).congestion, TOE_CC_CUBIC);
	t.ack(c);
	t.send(c.h, pattern(100, 1), 1);
	t.take_data(c);
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_CONGESTION, TOE_CC_NEWRENO), -EISCONN);
	EXPECT_EQ(t.info(c.h).congestion, TOE_CC_CUBIC);
}

TEST(TcpCongestion, UnknownAlgorithmInTheConfigurationIsRefused)
{
	toe_engine_config cfg = with_congestion(2);
	toe_port_ops ops{};
	ops.xmit = [](void *, const toe_tx_frame *) { return 0; };
	ops.event = [](void *, uint32_t, const toe_event *) {};
	ops.resolve_l2 = [](void *, uint32_t, uint8_t *) { return -ENOENT; };
	toe_engine *eng = nullptr;
	EXPECT_EQ(toe_engine_create(&cfg, &ops, nullptr, &eng), -EINVAL);
	EXPECT_EQ(eng, nullptr);
}

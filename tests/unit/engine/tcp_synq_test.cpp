// The listen backlog, the bounded SYN queue and SYN cookies.
#include "tcp_harness.hpp"

extern "C" {
#include "tcp_cookie.h"
}

using namespace toe::test;

namespace {

toe_engine_config synq_config(uint32_t syn_queue_max)
{
	toe_engine_config c = TestPort::default_config();
	c.syn_queue_max = syn_queue_max;
	return c;
}

// Sends a SYN from peer port; returns the SYN-ACK.
Frame syn_from(TcpHarness &t, Conn &c, uint16_t port, const PeerOpts &o = {})
{
	c.peer = t.port().peer(kPeerIp, port);
	c.snd = 50000u + port;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = TcpHarness::syn_options(c, o);
	s.window = o.window;
	t.inject(s);
	c.snd++;
	Frame sa = t.tx(c);
	c.rcv = sa.seq + 1;
	return sa;
}

} // namespace

TEST(TcpSynQueue, FullSynQueueAnswersWithSynCookie)
{
	TcpHarness t(synq_config(2));
	t.listen();
	Conn a, b, c;
	syn_from(t, a, 41000);
	syn_from(t, b, 41001);
	EXPECT_EQ(t.port().counters().syn_queue, 2u);
	uint32_t sockets = t.port().counters().sockets;
	Frame sa = syn_from(t, c, 41002);
	EXPECT_TRUE(sa.has(TH_SYN | TH_ACK));
	EXPECT_EQ(t.port().counters().syn_queue, 2u);
	EXPECT_EQ(t.port().counters().sockets, sockets) << "no state kept";
	EXPECT_EQ(t.engine_stats().syncookies_sent, 1u);
	EXPECT_EQ(sa.opt_mss(), 1460);
}

TEST(TcpSynQueue, CookieAckCreatesAnEstablishedConnection)
{
	TcpHarness t(synq_config(0));
	uint32_t l = t.listen();
	PeerOpts o;
	o.wscale = 5;
	Conn c;
	Frame sa = syn_from(t, c, 42000, o);
	ASSERT_TRUE(sa.opt_timestamps());
	ASSERT_TRUE(sa.opt_wscale());
	c.ts = true;
	c.echo = sa.opt_timestamps()->first;
	c.peer_ws = 5;
	c.peer_window = 65535u << 5;
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 1), 0);
	// the ACK carries the first data already
	t.send_data(c, bytes("GET /"));
	auto ev = t.event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	uint32_t h = ev->sock;
	EXPECT_EQ(t.state(h), TOE_TCPS_ESTABLISHED);
	EXPECT_EQ(t.engine_stats().syncookies_ok, 1u);
	auto *tp = t.tcb(h);
	EXPECT_EQ(tp->snd_wscale, 5) << "recovered from the timestamp";
	EXPECT_EQ(tp->peer_mss, 1460);
	EXPECT_EQ(tp->rcv_nxt, c.snd) << "the data was taken";
	HostMem &m = t.post(h, 100);
	EXPECT_EQ(m.str(0, 5), "GET /");
	// and the connection works both ways
	c.h = h;
	t.send(h, bytes("200 OK"), 1);
	EXPECT_EQ(t.take_data(c), bytes("200 OK"));
}

TEST(TcpSynQueue, CookieWithoutTimestampsLosesWindowScaling)
{
	TcpHarness t(synq_config(0));
	uint32_t l = t.listen();
	PeerOpts o;
	o.timestamps = false;
	o.mss = 1400;
	Conn c;
	Frame sa = syn_from(t, c, 42001, o);
	EXPECT_FALSE(sa.opt_timestamps());
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 1), 0);
	t.ack(c);
	auto ev = t.event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	auto *tp = t.tcb(ev->sock);
	EXPECT_EQ(tp->snd_wscale, 0);
	EXPECT_EQ(tp->rcv_wscale, 0);
	EXPECT_EQ(tp->peer_mss, 1300) << "the cookie's table rounds down";
}

TEST(TcpSynQueue, ForgedOrExpiredCookieGetsRst)
{
	TcpHarness t(synq_config(0));
	t.listen();
	Conn c;
	syn_from(t, c, 42002);
	c.ts = true;
	Conn forged = c;
	forged.rcv += 12345;
	t.ack(forged);
	Frame r = t.tx(forged);
	EXPECT_EQ(r.flags, TH_RST);
	EXPECT_EQ(t.engine_stats().syncookies_failed, 1u);
	// the genuine one, too late
	TestPort::set_clock(TestPort::now() + (3ull << TOE_TCP_COOKIE_SLOT_SHIFT));
	t.ack(c);
	Frame r2 = t.tx(c);
	EXPECT_EQ(r2.flags, TH_RST);
	EXPECT_EQ(t.port().counters().sockets, 1u);
}

TEST(TcpSynQueue, FullAcceptQueueDropsSyns)
{
	TcpHarness t;
	uint32_t l = t.listen(kLocalPort, 1);
	Conn a = t.open_passive(l, {}, 43000, false);
	(void)a;
	Conn b;
	b.peer = t.port().peer(kPeerIp, 43001);
	b.snd = 1;
	TcpSpec s = t.seg(b, TH_SYN);
	s.options = tcp_options({tcpopt::mss(1460)});
	t.inject(s);
	EXPECT_TRUE(t.port().tx_empty()) << "dropped: the peer will retry";
	EXPECT_EQ(t.engine_stats().listen_drops, 1u);
	// once the waiting connection is accepted there is room
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 1), 0);
	t.inject(s);
	EXPECT_TRUE(t.tx(b).has(TH_SYN | TH_ACK));
}

TEST(TcpSynQueue, SynFromBroadcastOrMulticastSourceIsIgnored)
{
	TcpHarness t;
	t.listen();
	for (uint32_t ip : {0xffffffffu, 0xe0000001u, 0u}) {
		Conn c;
		c.peer = t.port().peer(ip, 44000);
		TcpSpec s = t.seg(c, TH_SYN);
		t.inject(s);
	}
	EXPECT_TRUE(t.port().tx_empty());
	EXPECT_EQ(t.port().counters().syn_queue, 0u);
}

TEST(TcpSynQueue, FloodOfSynsKeepsStateBounded)
{
	TcpHarness t(synq_config(16));
	t.listen(kLocalPort, 16);
	for (uint16_t p = 0; p < 500; p++) {
		Conn c;
		syn_from(t, c, uint16_t(10000 + p));
	}
	EXPECT_EQ(t.port().counters().syn_queue, 16u);
	EXPECT_EQ(t.port().counters().sockets, 17u);
	EXPECT_EQ(t.engine_stats().syncookies_sent, 484u);
}

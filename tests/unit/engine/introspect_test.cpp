// What toectl reads from the engine (toe_sock_get_info, toe_engine_get_config):
// a listener's queues and drops, a connection's options and byte counts,
// and the engine's limits.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

toe_engine_config config_with_syn_queue(uint32_t syn_queue_max)
{
	toe_engine_config c = TestPort::default_config();
	c.syn_queue_max = syn_queue_max;
	return c;
}

// A SYN from peer port pp; the engine's answer, if any, stays in the tx queue.
void syn_from(TcpHarness &t, uint16_t pp)
{
	Conn c;
	c.peer = t.port().peer(kPeerIp, pp);
	c.snd = 90000u + pp;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = tcp_options({ tcpopt::mss(1460) });
	t.inject(s);
}

} // namespace

TEST(Introspect, ListenerShowsItsQueuesAndBacklog)
{
	TcpHarness t;
	uint32_t l = t.listen(kLocalPort, 3);
	t.open_passive(l, {}, 44000, false);
	t.open_passive(l, {}, 44001, false);
	syn_from(t, 44002); // stays half-open
	toe_sock_info i = t.info(l);
	EXPECT_EQ(i.flags & TOE_SIF_LISTENING, TOE_SIF_LISTENING);
	EXPECT_EQ(i.backlog, 3u);
	EXPECT_EQ(i.acceptq_len, 2u);
	EXPECT_EQ(i.synq_len, 1u);
	EXPECT_EQ(i.accept_reqs, 0u);

	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 1), 0);
	i = t.info(l);
	EXPECT_EQ(i.acceptq_len, 1u) << "the request took a waiting connection";
	EXPECT_EQ(i.accept_reqs, 0u);
}

TEST(Introspect, ListenerCountsWaitingAcceptRequests)
{
	TcpHarness t;
	uint32_t l = t.listen();
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 1), 0);
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 2), 0);
	EXPECT_EQ(t.info(l).accept_reqs, 2u);
	EXPECT_EQ(t.info(l).acceptq_len, 0u);
}

TEST(Introspect, ListenerCountsAcceptQueueOverflows)
{
	TcpHarness t;
	uint32_t l = t.listen(kLocalPort, 1);
	t.open_passive(l, {}, 45000, false);
	syn_from(t, 45001);
	syn_from(t, 45002);
	EXPECT_TRUE(t.port().tx_empty()) << "both dropped: the queue is full";
	toe_sock_info i = t.info(l);
	EXPECT_EQ(i.listen.acceptq_overflows, 2u);
	EXPECT_EQ(i.listen.syncookies_sent, 0u);
	EXPECT_EQ(t.engine_stats().listen_drops, 2u) << "the engine's sum agrees";
}

TEST(Introspect, ListenerCountsItsOwnSynCookies)
{
	TcpHarness t(config_with_syn_queue(1));
	uint32_t l = t.listen(kLocalPort, 16);
	uint32_t other = t.listen(8080, 16);
	syn_from(t, 46000); // fills the SYN queue
	syn_from(t, 46001);
	syn_from(t, 46002);
	EXPECT_EQ(t.info(l).listen.syncookies_sent, 2u);
	EXPECT_EQ(t.info(l).synq_len, 1u);
	EXPECT_EQ(t.info(other).listen.syncookies_sent, 0u)
		<< "counted on the listener the SYNs were for";
}

TEST(Introspect, ConnectionShowsItsOptions)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_NODELAY, 1), 0);
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_KEEPALIVE, 1), 0);
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_KEEPIDLE, 30), 0);
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_KEEPINTVL, 5), 0);
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_KEEPCNT, 4), 0);
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_USER_TIMEOUT, 12000), 0);
	toe_sock_info i = t.info(c.h);
	EXPECT_EQ(i.flags & (TOE_SIF_NODELAY | TOE_SIF_KEEPALIVE),
		  TOE_SIF_NODELAY | TOE_SIF_KEEPALIVE);
	EXPECT_EQ(i.keepidle_s, 30u);
	EXPECT_EQ(i.keepintvl_s, 5u);
	EXPECT_EQ(i.keepcnt, 4u);
	EXPECT_EQ(i.user_timeout_ms, 12000u);

	ASSERT_EQ(t.setopt(c.h, TOE_OPT_NODELAY, 0), 0);
	EXPECT_EQ(t.info(c.h).flags & TOE_SIF_NODELAY, 0u);
}

TEST(Introspect, ConnectionCountsSegmentsAndBytes)
{
	TcpHarness t;
	Conn c = t.open_active();
	toe_sock_info before = t.info(c.h);
	EXPECT_EQ(before.bytes_sent, 0u);
	EXPECT_EQ(before.bytes_received, 0u);

	t.send(c.h, bytes("hello world"));
	ASSERT_EQ(t.take_data(c).size(), 11u);
	toe_sock_info sent = t.info(c.h);
	EXPECT_EQ(sent.bytes_sent, 11u);
	EXPECT_EQ(sent.bytes_acked, 0u) << "not acknowledged yet";
	EXPECT_EQ(sent.segs_out, before.segs_out + 1);

	t.ack(c);
	t.send_data(c, bytes("abc"));
	toe_sock_info i = t.info(c.h);
	EXPECT_EQ(i.bytes_acked, 11u);
	EXPECT_EQ(i.bytes_received, 3u);
	EXPECT_EQ(i.segs_in, before.segs_in + 2);
}

TEST(Introspect, AcknowledgedFinIsNoPayload)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.send(c.h, bytes("bye"));
	ASSERT_EQ(t.take_data(c).size(), 3u);
	t.ack(c);
	ASSERT_EQ(t.info(c.h).bytes_acked, 3u);
	ASSERT_EQ(toe_sock_shutdown(t.eng(), kOwner, c.h, TOE_SHUT_WR), 0);
	Frame fin = t.tx(c);
	ASSERT_TRUE(fin.has(TH_FIN)) << fin;
	t.ack_to(c, fin.seq + 1);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_FIN_WAIT_2) << "the FIN was acknowledged";
	EXPECT_EQ(t.info(c.h).bytes_acked, 3u);
}

TEST(Introspect, EngineConfigReportsLimitsButNotKeys)
{
	toe_engine_config want = TestPort::default_config();
	want.isn_secret[0] = 0x1234;
	want.isn_secret[1] = 0x5678;
	TestPort port(want);
	toe_engine_config got{};
	toe_engine_get_config(port.eng(), &got);
	EXPECT_EQ(got.sock_named_max, want.sock_named_max);
	EXPECT_EQ(got.sock_send_max, want.sock_send_max);
	EXPECT_EQ(got.sock_accept_max, want.sock_accept_max);
	EXPECT_EQ(got.max_sockets, want.max_sockets);
	EXPECT_EQ(got.syn_queue_max, want.syn_queue_max);
	EXPECT_EQ(got.isn_secret[0], 0u);
	EXPECT_EQ(got.isn_secret[1], 0u);
	EXPECT_EQ(got.random_seed, 0u);
}

TEST(Introspect, OwnerTotalsSumItsSockets)
{
	TcpHarness t;
	toe_owner_info o{};
	EXPECT_EQ(toe_owner_get_info(t.eng(), kOwner, &o), -ENOENT);
	t.listen();
	Conn c = t.open_active();
	t.post(c.h, 100, 1);
	t.post(c.h, 100, 2);
	t.send(c.h, bytes("pending"));
	ASSERT_EQ(toe_owner_get_info(t.eng(), kOwner, &o), 0);
	EXPECT_EQ(o.sockets, 2u);
	EXPECT_EQ(o.named_pending, 2u);
	EXPECT_EQ(o.sends_pending, 1u);
	EXPECT_EQ(toe_owner_get_info(t.eng(), kOwner + 1, &o), -ENOENT);
}

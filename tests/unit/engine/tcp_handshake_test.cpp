// Connection establishment: active, passive and simultaneous open, option
// negotiation (MSS, window scale, timestamps), SYN and SYN-ACK
// retransmission, refusal and timeout.
#include "tcp_harness.hpp"

using namespace toe::test;

TEST(TcpHandshake, ActiveOpenSendsSynWithOptionsAndConnectsOnSynAck)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	Frame syn = t.port().pop_tx();
	EXPECT_TRUE(syn.has(TH_SYN));
	EXPECT_FALSE(syn.has(TH_ACK));
	EXPECT_TRUE(syn.l4_csum_ok);
	EXPECT_EQ(syn.dst_port, kPeerPort);
	EXPECT_EQ(syn.opt_mss(), 1460);
	EXPECT_EQ(syn.opt_wscale(), 7);
	EXPECT_TRUE(syn.opt_timestamps().has_value());
	EXPECT_TRUE(syn.opt_sack_permitted());
	EXPECT_TRUE(syn.df);
	EXPECT_EQ(t.state(h), TOE_TCPS_SYN_SENT);
	EXPECT_FALSE(t.event(TOE_EV_CONNECTED));

	Conn c;
	c.peer = t.port().peer();
	c.snd = 500;
	c.rcv = syn.seq + 1;
	TcpSpec sa = t.seg(c, TH_SYN | TH_ACK);
	sa.dst.port = syn.src_port;
	sa.options = tcp_options({tcpopt::mss(1400), tcpopt::wscale(3),
				  tcpopt::timestamps(77, syn.opt_timestamps()->first)});
	t.inject(sa);
	Frame ack = t.port().pop_tx();
	EXPECT_EQ(ack.flags, TH_ACK);
	EXPECT_EQ(ack.seq, syn.seq + 1);
	EXPECT_EQ(ack.ack, 501u);
	ASSERT_TRUE(ack.opt_timestamps());
	EXPECT_EQ(ack.opt_timestamps()->second, 77u);
	auto ev = t.event(TOE_EV_CONNECTED);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, 0);
	EXPECT_EQ(ev->peer_ip, kPeerIp);
	EXPECT_EQ(t.state(h), TOE_TCPS_ESTABLISHED);
	// MSS 1400 minus the 12 bytes of timestamp option
	EXPECT_EQ(t.info(h).mss, 1388u);
	EXPECT_EQ(t.tcb(h)->snd_wscale, 3);
	EXPECT_EQ(t.tcb(h)->rcv_wscale, 7);
}

TEST(TcpHandshake, PassiveOpenAnswersSynAndDeliversAcceptAfterAck)
{
	TcpHarness t;
	uint32_t l = t.listen();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 9000;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = tcp_options({tcpopt::mss(1460), tcpopt::wscale(2),
				 tcpopt::timestamps(11, 0)});
	t.inject(s);
	Frame sa = t.port().pop_tx();
	EXPECT_TRUE(sa.has(TH_SYN | TH_ACK));
	EXPECT_EQ(sa.ack, 9001u);
	EXPECT_EQ(sa.opt_mss(), 1460);
	EXPECT_EQ(sa.opt_wscale(), 7);
	ASSERT_TRUE(sa.opt_timestamps());
	EXPECT_EQ(sa.opt_timestamps()->second, 11u);
	EXPECT_EQ(t.port().counters().syn_queue, 1u);

	// no connection for the host until the handshake completes
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 3), 0);
	EXPECT_FALSE(t.event(TOE_EV_ACCEPT));

	c.snd = 9001;
	c.rcv = sa.seq + 1;
	c.ts = true;
	c.peer_tsval = 12;
	c.echo = sa.opt_timestamps()->first;
	t.ack(c);
	auto ev = t.event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, 0);
	EXPECT_EQ(ev->parent, l);
	EXPECT_EQ(ev->peer_port, kPeerPort);
	EXPECT_EQ(t.state(ev->sock), TOE_TCPS_ESTABLISHED);
	EXPECT_EQ(t.port().counters().syn_queue, 0u);
	EXPECT_TRUE(t.port().tx_empty()) << "the final ACK needs no answer";
}

TEST(TcpHandshake, AcceptQueuedConnectionCompletesLaterAccept)
{
	TcpHarness t;
	uint32_t l = t.listen();
	t.open_passive(l, {}, kPeerPort, false);
	EXPECT_FALSE(t.event(TOE_EV_ACCEPT));
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 9), 0);
	auto ev = t.event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->sock_ref, 9u);
}

TEST(TcpHandshake, SimultaneousOpenReachesEstablishedOnBothSynAcks)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_bind(t.eng(), kOwner, h, 0, kLocalPort), 0);
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	Frame syn = t.port().pop_tx();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 4000;
	// the peer's own SYN crosses ours
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = tcp_options({tcpopt::mss(1460), tcpopt::wscale(1)});
	t.inject(s);
	EXPECT_EQ(t.state(h), TOE_TCPS_SYN_RECEIVED);
	Frame sa = t.port().pop_tx();
	EXPECT_TRUE(sa.has(TH_SYN | TH_ACK));
	EXPECT_EQ(sa.seq, syn.seq) << "the SYN-ACK repeats our ISS";
	EXPECT_EQ(sa.ack, 4001u);
	EXPECT_FALSE(t.event(TOE_EV_CONNECTED));
	// the peer's SYN-ACK acknowledges our SYN
	c.snd = 4000;
	c.rcv = syn.seq + 1;
	s = t.seg(c, TH_SYN | TH_ACK);
	s.options = tcp_options({tcpopt::mss(1460), tcpopt::wscale(1)});
	t.inject(s);
	EXPECT_EQ(t.state(h), TOE_TCPS_ESTABLISHED);
	auto ev = t.event(TOE_EV_CONNECTED);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, 0);
}

TEST(TcpHandshake, RstAcknowledgingSynRefusesConnection)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	Frame syn = t.port().pop_tx();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 0;
	c.rcv = syn.seq + 1;
	TcpSpec r = t.seg(c, TH_RST | TH_ACK);
	r.dst.port = syn.src_port;
	t.inject(r);
	auto ev = t.event(TOE_EV_CONNECTED);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, -ECONNREFUSED);
	EXPECT_EQ(t.state(h), TOE_TCPS_CLOSED);
	EXPECT_TRUE(t.port().tx_empty());
	EXPECT_EQ(toe_sock_close(t.eng(), kOwner, h), 0);
	EXPECT_TRUE(t.event(TOE_EV_CLOSED));
}

TEST(TcpHandshake, RstWithWrongAckInSynSentIsIgnored)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	Frame syn = t.port().pop_tx();
	Conn c;
	c.peer = t.port().peer();
	c.rcv = syn.seq + 5; // not our SYN's
	TcpSpec r = t.seg(c, TH_RST | TH_ACK);
	r.dst.port = syn.src_port;
	t.inject(r);
	EXPECT_EQ(t.state(h), TOE_TCPS_SYN_SENT);
	EXPECT_FALSE(t.event(TOE_EV_CONNECTED));
	// a RST without ACK cannot be validated either
	c.rcv = syn.seq + 1;
	r = t.seg(c, TH_RST);
	r.dst.port = syn.src_port;
	t.inject(r);
	EXPECT_EQ(t.state(h), TOE_TCPS_SYN_SENT);
}

TEST(TcpHandshake, SynAckWithBadAckIsAnsweredWithRst)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	Frame syn = t.port().pop_tx();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 1;
	c.rcv = syn.seq + 1000;
	TcpSpec sa = t.seg(c, TH_SYN | TH_ACK);
	sa.dst.port = syn.src_port;
	t.inject(sa);
	Frame rst = t.port().pop_tx();
	EXPECT_TRUE(rst.has(TH_RST));
	EXPECT_EQ(rst.seq, syn.seq + 1000);
	EXPECT_EQ(t.state(h), TOE_TCPS_SYN_SENT);
}

TEST(TcpHandshake, SynRetransmitsWithExponentialBackoffThenTimesOut)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	Frame first = t.port().pop_tx();
	for (int i = 0; i < 6; i++) {
		TestPort::set_clock(toe_engine_next_deadline_us(t.eng()));
		t.port().poll();
		Frame f = t.port().pop_tx();
		EXPECT_TRUE(f.has(TH_SYN));
		EXPECT_EQ(f.seq, first.seq);
		EXPECT_TRUE(t.port().tx_empty()) << "one SYN per expiry";
	}
	EXPECT_FALSE(t.event(TOE_EV_CONNECTED));
	// after the 6th retransmission the next expiry gives up
	t.port().run_for(200'000'000);
	auto ev = t.event(TOE_EV_CONNECTED);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, -ETIMEDOUT);
	EXPECT_EQ(t.state(h), TOE_TCPS_CLOSED);
}

TEST(TcpHandshake, SynRetransmissionIntervalsDouble)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	t.port().pop_tx();
	uint64_t prev = TestPort::now();
	uint64_t expect = 1'000'000; // initial RTO
	for (int i = 0; i < 5; i++) {
		uint64_t d = toe_engine_next_deadline_us(t.eng());
		EXPECT_EQ(d - prev, expect) << "retransmission " << i;
		TestPort::set_clock(d);
		t.port().poll();
		EXPECT_TRUE(t.port().pop_tx().has(TH_SYN));
		prev = d;
		expect *= 2;
	}
	EXPECT_EQ(t.tcb(h)->rto.backoff, 5);
}

TEST(TcpHandshake, SynAckRetransmitsAndHalfOpenChildExpires)
{
	TcpHarness t;
	uint32_t l = t.listen();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 100;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = tcp_options({tcpopt::mss(1460)});
	t.inject(s);
	Frame sa = t.port().pop_tx();
	for (int i = 0; i < 5; i++) {
		TestPort::set_clock(toe_engine_next_deadline_us(t.eng()));
		t.port().poll();
		Frame again = t.port().pop_tx();
		EXPECT_TRUE(again.has(TH_SYN | TH_ACK));
		EXPECT_EQ(again.seq, sa.seq);
	}
	EXPECT_EQ(t.port().counters().syn_queue, 1u);
	t.port().run_for(100'000'000);
	EXPECT_TRUE(t.port().tx_empty());
	EXPECT_EQ(t.port().counters().syn_queue, 0u);
	EXPECT_EQ(t.port().counters().sockets, 1u) << "only the listener is left";
	(void)l;
}

TEST(TcpHandshake, DuplicateSynInSynReceivedRepeatsSynAck)
{
	TcpHarness t;
	t.listen();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 100;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = tcp_options({tcpopt::mss(1460)});
	t.inject(s);
	Frame sa = t.port().pop_tx();
	t.inject(s);
	Frame again = t.port().pop_tx();
	EXPECT_TRUE(again.has(TH_SYN | TH_ACK));
	EXPECT_EQ(again.seq, sa.seq);
	EXPECT_EQ(again.ack, 101u);
	EXPECT_EQ(t.port().counters().syn_queue, 1u);
}

TEST(TcpHandshake, MssNegotiationUsesSmallerOfBothAndDefaultsTo536)
{
	TcpHarness t;
	PeerOpts o;
	o.mss = 1000;
	o.timestamps = false;
	Conn c = t.open_active(o);
	EXPECT_EQ(t.info(c.h).mss, 1000u);

	TcpHarness t2;
	PeerOpts none;
	none.mss.reset();
	none.timestamps = false;
	Conn c2 = t2.open_active(none);
	EXPECT_EQ(t2.info(c2.h).mss, 536u);

	TcpHarness t3;
	PeerOpts big;
	big.mss = 9000;
	big.timestamps = false;
	Conn c3 = t3.open_active(big);
	EXPECT_EQ(t3.info(c3.h).mss, 1460u) << "bounded by our link";
}

// RFC 9293 MUST-65: the MSS option goes in SYNs only.
TEST(TcpHandshake, OnlySynsCarryTheMssOption)
{
	TcpHarness t;
	uint32_t l = t.listen();
	Conn c;
	c.peer = t.port().peer(kPeerIp, kPeerPort);
	c.snd = 7000000;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = TcpHarness::syn_options(c, PeerOpts{});
	t.inject(s);
	c.snd++;
	Frame sa = t.tx(c);
	ASSERT_TRUE(sa.has(TH_SYN | TH_ACK));
	EXPECT_TRUE(sa.opt_mss()) << "the SYN-ACK carries it";
	c.rcv = sa.seq + 1;
	c.ts = true;
	c.peer_ws = 7;
	c.peer_window = 65535u << 7;
	t.ack(c);
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 55), 0);
	auto ev = t.event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	c.h = ev->sock;
	t.post(c.h, 10000);
	t.send(c.h, pattern(5000), 1);
	t.send_data(c, pattern(3000));
	t.run_until_tx();
	std::vector<Frame> out = t.drain(c);
	ASSERT_FALSE(out.empty());
	for (const Frame &f : out) {
		EXPECT_FALSE(f.has(TH_SYN)) << f;
		EXPECT_FALSE(f.opt_mss()) << "no MSS outside a SYN: " << f;
	}
}

// RFC 6298 5.7: after the SYN was retransmitted and no RTT sample was
// taken, the RTO is 3 s once data transmission begins.
TEST(TcpHandshake, RtoIsThreeSecondsAfterARetransmittedSynWithoutASample)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	Frame first = t.port().pop_tx();
	TestPort::set_clock(toe_engine_next_deadline_us(t.eng()));
	t.port().poll();
	Frame again = t.port().pop_tx();
	ASSERT_TRUE(again.has(TH_SYN));
	ASSERT_EQ(again.seq, first.seq);
	// a SYN-ACK without timestamps: Karn's rule leaves no sample
	Conn c;
	c.h = h;
	c.peer = t.port().peer(kPeerIp, kPeerPort);
	c.lport = first.src_port;
	c.rcv = first.seq + 1;
	c.snd = 1000000;
	TcpSpec s = t.seg(c, TH_SYN | TH_ACK);
	s.options = tcp_options({tcpopt::mss(1460)});
	t.inject(s);
	c.snd++;
	ASSERT_EQ(t.state(h), TOE_TCPS_ESTABLISHED);
	t.drain(c);
	// the first data segment is lost: its retransmission comes 3 s later
	t.send(h, pattern(100), 1);
	ASSERT_FALSE(t.drain(c).empty());
	EXPECT_EQ(t.run_until_tx(), 3'000'000u);
	Frame rtx = t.tx(c);
	EXPECT_EQ(rtx.payload.size(), 100u);
}

TEST(TcpHandshake, WindowScalingNeedsBothSides)
{
	TcpHarness t;
	PeerOpts o;
	o.wscale.reset();
	Conn c = t.open_active(o);
	EXPECT_EQ(t.tcb(c.h)->snd_wscale, 0);
	EXPECT_EQ(t.tcb(c.h)->rcv_wscale, 0);

	TcpHarness t2;
	uint32_t l = t2.listen();
	Conn c2 = t2.open_passive(l, o);
	EXPECT_EQ(t2.tcb(c2.h)->rcv_wscale, 0);
}

TEST(TcpHandshake, SynAckOmitsOptionsThePeerDidNotOffer)
{
	TcpHarness t;
	t.listen();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 100;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = tcp_options({tcpopt::mss(1460)});
	t.inject(s);
	Frame sa = t.port().pop_tx();
	EXPECT_FALSE(sa.opt_wscale());
	EXPECT_FALSE(sa.opt_timestamps());
	EXPECT_EQ(sa.opt_mss(), 1460);
}

TEST(TcpHandshake, AckToListenerWithoutConnectionGetsRst)
{
	TcpHarness t;
	t.listen();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 100;
	c.rcv = 12345;
	t.inject(t.seg(c, TH_ACK));
	Frame rst = t.port().pop_tx();
	EXPECT_EQ(rst.flags, TH_RST);
	EXPECT_EQ(rst.seq, 12345u);
}

TEST(TcpHandshake, IsnsDifferPerConnectionAndAdvanceWithClock)
{
	TcpHarness t;
	Conn a = t.open_active({}, 40001);
	uint32_t iss_a = t.tcb(a.h)->iss;
	TestPort::set_clock(TestPort::now() + 4000);
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, 40002), 0);
	uint32_t iss_b = t.tcb(h)->iss;
	EXPECT_NE(iss_a, iss_b);
}

// RFC 9293 MUST-46: an OPEN to a broadcast or multicast address is an
// error, and nothing goes on the wire; the socket can still connect.
TEST(TcpHandshake, ConnectToTheBroadcastAddressOrAMulticastGroupIsRefused)
{
	TcpHarness t;
	uint32_t h = t.create();
	for (uint32_t ip : {0xffffffffu, ip4(224, 0, 0, 1), ip4(239, 255, 0, 9)}) {
		EXPECT_EQ(toe_sock_connect(t.eng(), kOwner, h, ip, 80), -ENETUNREACH) << ip;
	}
	EXPECT_TRUE(t.port().tx_empty());
	EXPECT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, 80), 0);
	EXPECT_FALSE(t.port().tx_empty()) << "the SYN to a unicast peer";
}

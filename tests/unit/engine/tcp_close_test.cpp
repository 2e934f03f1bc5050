// Closing: FIN from either side, simultaneous close, TIME_WAIT and its
// cap, orphaned FIN_WAIT_2, linger, abort, and the host's events.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

// The peer ACKs our FIN (c.rcv must already cover it).
void ack_fin(TcpHarness &t, Conn &c) { t.ack(c); }

} // namespace

TEST(TcpClose, ActiveCloseGoesThroughFinWait2AndTimeWait)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	EXPECT_TRUE(t.event(TOE_EV_CLOSED)) << "nothing pending: at once";
	Frame fin = t.tx(c);
	EXPECT_TRUE(fin.has(TH_FIN | TH_ACK));
	c.rcv = fin.seq + 1;
	EXPECT_EQ(t.state(c.h), TOE_TCPS_FIN_WAIT_1);
	ack_fin(t, c);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_FIN_WAIT_2);
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	Frame a = t.tx(c);
	EXPECT_EQ(a.ack, c.snd);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_TIME_WAIT);
	EXPECT_EQ(t.port().counters().time_wait, 1u);
	// 2 MSL = 60 s by default
	t.port().run_for(59'999'999);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_TIME_WAIT);
	t.port().run_for(1);
	EXPECT_EQ(t.state(c.h), -1) << "freed";
	EXPECT_EQ(t.port().counters().time_wait, 0u);
	EXPECT_EQ(t.port().counters().sockets, 0u);
}

TEST(TcpClose, PassiveCloseGoesThroughCloseWaitAndLastAck)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100, 3);
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSE_WAIT);
	EXPECT_TRUE(t.event(TOE_EV_PEER_CLOSED));
	auto rev = t.event(TOE_EV_RECV);
	ASSERT_TRUE(rev);
	EXPECT_EQ(rev->reason, TOE_RET_FIN);
	t.drain(c);
	// the host can still send
	t.send(c.h, bytes("bye"), 1);
	EXPECT_EQ(t.take_data(c), bytes("bye"));
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	Frame fin = t.tx(c);
	EXPECT_TRUE(fin.has(TH_FIN));
	c.rcv = fin.seq + 1;
	EXPECT_EQ(t.state(c.h), TOE_TCPS_LAST_ACK);
	ack_fin(t, c);
	EXPECT_EQ(t.state(c.h), -1) << "LAST_ACK ends without TIME_WAIT";
	EXPECT_TRUE(t.event(TOE_EV_SEND));
	EXPECT_TRUE(t.event(TOE_EV_CLOSED));
}

TEST(TcpClose, CloseSendsFinAfterPendingDataAndClosedComesLast)
{
	TcpHarness t;
	Conn c = t.open_active();
	Bytes data = pattern(5000);
	t.send(c.h, data, 1);
	t.drain(c);
	c.rcv = t.tcb(c.h)->snd_una; // nothing acked yet
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	EXPECT_FALSE(t.event(TOE_EV_CLOSED)) << "a send is still pending";
	c.rcv = t.tcb(c.h)->snd_end;
	t.ack(c);
	auto ev = t.port().pop_event();
	EXPECT_EQ(ev.type, TOE_EV_SEND);
	ev = t.port().pop_event();
	EXPECT_EQ(ev.type, TOE_EV_CLOSED);
	Frame fin = t.tx(c);
	EXPECT_TRUE(fin.has(TH_FIN));
	EXPECT_EQ(fin.seq, t.tcb(c.h)->snd_end);
}

TEST(TcpClose, SimultaneousCloseGoesThroughClosingToTimeWait)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_shutdown(t.eng(), kOwner, c.h, TOE_SHUT_WR), 0);
	Frame fin = t.tx(c);
	// the peer's FIN crosses ours: it does not acknowledge our FIN
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSING);
	Frame a = t.tx(c);
	EXPECT_EQ(a.ack, c.snd);
	c.rcv = fin.seq + 1;
	ack_fin(t, c);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_TIME_WAIT);
}

TEST(TcpClose, FinAckedTogetherWithPeerFinGoesStraightToTimeWait)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_shutdown(t.eng(), kOwner, c.h, TOE_SHUT_WR), 0);
	Frame fin = t.tx(c);
	c.rcv = fin.seq + 1;
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	EXPECT_EQ(t.state(c.h), TOE_TCPS_TIME_WAIT);
}

TEST(TcpClose, RetransmittedFinInTimeWaitIsAckedAndRestartsTheTimer)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	Frame fin = t.tx(c);
	c.rcv = fin.seq + 1;
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	t.drain(c);
	t.port().run_for(50'000'000);
	c.snd--; // our ACK was lost: the peer sends its FIN again
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	Frame a = t.tx(c);
	EXPECT_EQ(a.ack, c.snd);
	// lost again at once: a FIN is never an ACK loop, each one is answered
	c.snd--;
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	EXPECT_EQ(t.tx(c).ack, c.snd);
	t.port().run_for(50'000'000);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_TIME_WAIT) << "2 MSL from the last FIN";
	t.port().run_for(10'000'001);
	EXPECT_EQ(t.state(c.h), -1);
}

TEST(TcpClose, TimeWaitLengthFollowsTheMsl)
{
	TcpHarness t;
	t.eng()->tcp.tun.msl_ms = 1000;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	Frame fin = t.tx(c);
	c.rcv = fin.seq + 1;
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	EXPECT_EQ(t.state(c.h), TOE_TCPS_TIME_WAIT);
	t.port().run_for(2'000'000);
	EXPECT_EQ(t.state(c.h), -1);
}

TEST(TcpClose, TimeWaitCapRecyclesTheOldest)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.time_wait_max = 2;
	TcpHarness t(cfg);
	std::vector<Conn> conns;
	for (uint16_t i = 0; i < 3; i++) {
		Conn c = t.open_active({}, uint16_t(41000 + i));
		ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
		Frame fin = t.tx(c);
		c.rcv = fin.seq + 1;
		t.inject(t.seg(c, TH_ACK | TH_FIN));
		t.drain(c);
		conns.push_back(c);
		TestPort::set_clock(TestPort::now() + 1000);
	}
	EXPECT_EQ(t.port().counters().time_wait, 2u);
	EXPECT_EQ(t.state(conns[0].h), -1) << "the oldest went";
	EXPECT_EQ(t.state(conns[1].h), TOE_TCPS_TIME_WAIT);
	EXPECT_EQ(t.state(conns[2].h), TOE_TCPS_TIME_WAIT);
	EXPECT_EQ(t.engine_stats().time_wait_recycled, 1u);
}

TEST(TcpClose, NewSynInTimeWaitOpensANewConnection)
{
	TcpHarness t;
	uint32_t l = t.listen();
	Conn c = t.open_passive(l);
	// the engine closes first and ends in TIME_WAIT
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	Frame fin = t.tx(c);
	c.rcv = fin.seq + 1;
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	t.drain(c);
	ASSERT_EQ(t.state(c.h), TOE_TCPS_TIME_WAIT);
	// the peer reconnects from the same port with a newer timestamp
	c.snd += 100000;
	c.peer_tsval += 1000;
	TcpSpec syn = t.seg(c, TH_SYN);
	syn.options = TcpHarness::syn_options(c, PeerOpts{});
	t.inject(syn);
	Frame sa = t.tx(c);
	EXPECT_TRUE(sa.has(TH_SYN | TH_ACK));
	EXPECT_EQ(sa.ack, c.snd + 1);
	EXPECT_EQ(t.state(c.h), -1) << "the old incarnation is gone";
}

TEST(TcpClose, OrphanedFinWait2TimesOut)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	Frame fin = t.tx(c);
	c.rcv = fin.seq + 1;
	ack_fin(t, c);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_FIN_WAIT_2);
	t.port().run_for(60'000'001);
	EXPECT_EQ(t.state(c.h), -1);
}

TEST(TcpClose, HalfCloseKeepsReceivingInFinWait2)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.post(c.h, 100, 1);
	ASSERT_EQ(toe_sock_shutdown(t.eng(), kOwner, c.h, TOE_SHUT_WR), 0);
	Frame fin = t.tx(c);
	c.rcv = fin.seq + 1;
	ack_fin(t, c);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_FIN_WAIT_2);
	t.port().run_for(120'000'000);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_FIN_WAIT_2) << "not orphaned: no timeout";
	t.send_data(c, bytes("more"));
	EXPECT_EQ(m.str(0, 4), "more");
}

TEST(TcpClose, DataAfterCloseIsAnsweredWithRst)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	Frame fin = t.tx(c);
	t.send_data(c, bytes("too late"));
	Frame rst = t.tx(c);
	EXPECT_TRUE(rst.has(TH_RST));
	EXPECT_EQ(rst.seq, fin.seq + 1);
	EXPECT_EQ(t.state(c.h), -1);
}

// RFC 9293 3.6.1, RFC 1122 4.2.2.13: closing with received data unread
// resets, so the peer learns that data was lost. The close used to hand
// the parked data back first and then, finding none, send a FIN.
namespace {
enum class Reader { Reads, NeverReads, ShutsReadingFirst };

// The first segment the engine sends when the host closes a connection
// that has received a few bytes, read or not.
Frame close_after_receiving(Reader reader)
{
	TcpHarness t;
	Conn c = t.open_active();
	if (reader == Reader::Reads)
		t.post(c.h, 100);
	t.send_data(c, bytes("some data")); // with no buffer posted, it parks
	t.drain(c);
	if (reader == Reader::ShutsReadingFirst) {
		EXPECT_EQ(toe_sock_shutdown(t.eng(), kOwner, c.h, TOE_SHUT_RD), 0);
		EXPECT_TRUE(t.port().tx_empty());
	}
	EXPECT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	return t.tx(c);
}
} // namespace

TEST(TcpClose, CloseWithUnreadDataSendsRstNotFin)
{
	Frame f = close_after_receiving(Reader::NeverReads);
	EXPECT_TRUE(f.has(TH_RST));
	EXPECT_FALSE(f.has(TH_FIN));
}

// The same when the host shut its reading side first: the data it
// discarded then was still never read.
TEST(TcpClose, CloseAfterShutRdWithUnreadDataSendsRst)
{
	Frame f = close_after_receiving(Reader::ShutsReadingFirst);
	EXPECT_TRUE(f.has(TH_RST));
}

TEST(TcpClose, CloseWithEverythingReadSendsFin)
{
	Frame f = close_after_receiving(Reader::Reads);
	EXPECT_TRUE(f.has(TH_FIN));
	EXPECT_FALSE(f.has(TH_RST));
}

TEST(TcpClose, LingerZeroClosesWithRst)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_LINGER, 0), 0);
	t.send(c.h, pattern(100), 1);
	t.drain(c);
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	Frame rst = t.tx(c);
	EXPECT_TRUE(rst.has(TH_RST));
	auto send = t.event(TOE_EV_SEND);
	ASSERT_TRUE(send);
	EXPECT_EQ(send->status, -ECONNABORTED);
	EXPECT_TRUE(t.event(TOE_EV_CLOSED));
	EXPECT_EQ(t.port().counters().sockets, 0u);
}

TEST(TcpClose, LingerTimeoutAbortsWhenDataStaysUnacknowledged)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_LINGER, 2), 0);
	t.send(c.h, pattern(100), 1);
	t.drain(c);
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	t.port().run_for(2'000'001);
	EXPECT_EQ(t.state(c.h), -1);
	bool rst = false;
	for (auto &f : t.drain(c))
		rst |= f.has(TH_RST);
	EXPECT_TRUE(rst);
}

TEST(TcpClose, AbortSendsRstAndFailsPendingSends)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100, 4);
	t.send(c.h, pattern(100), 1);
	t.drain(c);
	uint32_t snd_nxt = t.tcb(c.h)->snd_nxt;
	ASSERT_EQ(toe_sock_abort(t.eng(), kOwner, c.h), 0);
	Frame rst = t.tx(c);
	EXPECT_TRUE(rst.has(TH_RST));
	EXPECT_EQ(rst.seq, snd_nxt);
	auto send = t.event(TOE_EV_SEND);
	ASSERT_TRUE(send);
	EXPECT_EQ(send->status, -ECONNABORTED);
	auto recv = t.event(TOE_EV_RECV);
	ASSERT_TRUE(recv);
	EXPECT_TRUE(t.event(TOE_EV_CLOSED));
}

TEST(TcpClose, OwnerReleaseResetsItsConnections)
{
	TcpHarness t;
	Conn c = t.open_active();
	toe_owner_release(t.eng(), kOwner, -ECONNABORTED);
	Frame rst = t.tx(c);
	EXPECT_TRUE(rst.has(TH_RST));
	EXPECT_EQ(t.port().counters().sockets, 0u);
}

TEST(TcpClose, CloseOfListenerResetsHalfOpenConnections)
{
	TcpHarness t;
	uint32_t l = t.listen();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 100;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = tcp_options({tcpopt::mss(1460)});
	t.inject(s);
	t.tx(c);
	EXPECT_EQ(t.port().counters().syn_queue, 1u);
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, l), 0);
	Frame rst = t.tx(c);
	EXPECT_TRUE(rst.has(TH_RST));
	EXPECT_EQ(t.port().counters().syn_queue, 0u);
	EXPECT_EQ(t.port().counters().sockets, 0u);
}

// The right edge of the receive window: the edge the engine keeps (and
// accepts segments up to) is the largest edge any segment it transmitted
// advertised, never more, and it never moves left (RFC 7323 2.4 (1) and
// (2), RFC 9293 3.8.6). Every test reads the edges off the frames the
// engine transmitted, ack + (window << shift), and compares them with the
// edge in the control block.
#include "tcp_harness.hpp"

#include <cerrno>

using namespace toe::test;

namespace {

constexpr uint8_t kShift = 7; // the engine's window scale (tun.rcv_wscale)

// The edges the engine advertised on one connection.
struct Edges {
	uint16_t peer_port = kPeerPort;
	bool any = false;
	uint32_t max = 0; // the largest edge advertised
	uint32_t last = 0; // the edge of the latest segment

	// Notes f's edge when it is a segment of this connection with an ACK.
	void see(const Frame &f)
	{
		if (f.dst_port != peer_port || !f.has(TH_ACK) || f.has(TH_RST))
			return;
		// RFC 7323 2.2: a SYN's window is never scaled
		uint32_t w = f.has(TH_SYN) ? f.window : uint32_t(f.window) << kShift;
		last = f.ack + w;
		if (!any || int32_t(last - max) > 0)
			max = last;
		any = true;
	}
};

toe_engine_config small_sockets(uint32_t buflets_per_sock)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.sock_buflets_max = buflets_per_sock;
	return cfg;
}

// A passive connection with window scaling (both sides shift by 7) and
// timestamps, whose every transmitted frame goes through edges.
struct EdgeConn {
	explicit EdgeConn(const toe_engine_config &cfg) : t(cfg)
	{
		uint32_t l = t.listen();
		c.peer = t.port().peer(kPeerIp, kPeerPort);
		c.snd = 7000000;
		PeerOpts o;
		o.wscale = kShift;
		TcpSpec s = t.seg(c, TH_SYN);
		s.options = TcpHarness::syn_options(c, o);
		t.inject(s);
		c.snd++;
		Frame sa = t.tx(c);
		EXPECT_TRUE(sa.has(TH_SYN | TH_ACK)) << sa;
		EXPECT_EQ(sa.opt_wscale(), kShift);
		e.see(sa);
		c.rcv = sa.seq + 1;
		c.ts = true;
		c.peer_ws = kShift;
		c.eng_ws = kShift;
		c.peer_window = 65535u << kShift;
		t.ack(c);
		EXPECT_EQ(toe_sock_accept(t.eng(), kOwner, l, 55), 0);
		auto ev = t.event(TOE_EV_ACCEPT);
		EXPECT_TRUE(ev);
		if (ev)
			c.h = ev->sock;
		seen();
	}

	toe_tcp_cb *tp() { return t.tcb(c.h); }

	// Takes the transmitted frames into edges and checks the edge kept:
	// the largest one advertised, exactly.
	void seen()
	{
		for (const Frame &f : t.drain(c))
			e.see(f);
		ASSERT_TRUE(e.any);
		EXPECT_EQ(tp()->rcv_adv, e.max)
			<< "the kept edge is the largest advertised, not more";
	}

	// The peer sends n bytes and the engine answers (at once or when the
	// delayed ACK fires).
	void data(uint32_t n, uint8_t extra = 0)
	{
		t.send_data(c, pattern(n), extra);
		t.run_until_tx();
		seen();
	}

	TcpHarness t;
	Conn c;
	Edges e;
};

// Fills the window to within one segment of the largest edge, so that the
// latest ACK shows an edge short of it; returns the largest edge.
uint32_t fill_to_last_segment(EdgeConn &w)
{
	const uint32_t edge = w.e.max;
	EXPECT_EQ(edge - w.c.snd, 4u * 2048) << "four buflets, no buffer posted";
	w.data(1000); // rcv_nxt moves by other than whole scale units
	EXPECT_LT(int32_t(w.e.last - edge), 0)
		<< "the field rounds down: the latest ACK shows a shorter edge";
	while (edge - w.c.snd > 1448)
		w.data(1448);
	EXPECT_EQ(w.e.max, edge) << "no space appeared";
	EXPECT_LT(int32_t(w.e.last - edge), 0)
		<< "the last segment ends beyond the latest ACK's edge";
	return edge;
}

// The peers' buflets: a first connection holds ten of the engine's 24
// buflets (each socket may hold 16), so the space a new connection sees
// falls between two of its segments.
struct BusyPool {
	static toe_engine_config config(uint32_t syn_queue_max)
	{
		toe_engine_config cfg = TestPort::default_config();
		cfg.buflet_count = 24;
		cfg.sock_buflets_max = 16;
		cfg.syn_queue_max = syn_queue_max;
		return cfg;
	}
	// The first connection takes ten buflets of unread data.
	static void take_buflets(TcpHarness &t, Conn &a)
	{
		for (uint32_t left = 10 * 2048; left;) {
			uint32_t n = std::min<uint32_t>(1448, left);
			t.send_data(a, pattern(n), 0);
			left -= n;
		}
		EXPECT_GE(t.info(a.h).buflets_held, 10u);
	}
};

// A SYN from peer port to the listener on 80; returns the SYN-ACK.
Frame syn_to_listener(TcpHarness &t, Conn &c, uint16_t port)
{
	PeerOpts o;
	o.wscale = kShift;
	c.peer = t.port().peer(kPeerIp, port);
	c.snd = 90000;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = TcpHarness::syn_options(c, o);
	t.inject(s);
	c.snd++;
	Frame sa;
	while (!t.port().tx_empty()) {
		Frame f = t.port().pop_tx();
		if (f.dst_port == port)
			sa = f;
	}
	EXPECT_TRUE(sa.has(TH_SYN | TH_ACK)) << sa;
	c.rcv = sa.seq + 1;
	c.ts = true;
	if (auto ts = sa.opt_timestamps())
		c.echo = ts->first;
	c.peer_ws = kShift;
	c.eng_ws = kShift;
	c.peer_window = 65535u << kShift;
	return sa;
}

// A segment of 50 bytes starting 100 bytes before edge, out of order:
// queued when edge is inside the window, refused when beyond it.
void out_of_order_below(TcpHarness &t, const Conn &c, uint32_t edge)
{
	TcpSpec s = t.seg(c, TH_ACK, pattern(50));
	s.seq = edge - 100;
	t.inject(s);
}

} // namespace

// With window scaling the field rounds down, so after rcv_nxt moves by
// other than whole scale units the latest ACK shows an edge up to one unit
// short of an earlier one. RFC 7323 2.4 (1) has the receiver accept what
// any ACK it sent allowed, and (2) has it keep that largest edge: a
// segment ending there is taken in full, and the byte beyond it is not.
TEST(TcpWindowEdge, ScaledWindowKeepsTheLargestAdvertisedEdgeNotMore)
{
	EdgeConn w(small_sockets(4));
	ASSERT_EQ(w.tp()->rcv_wscale, kShift);
	const uint32_t edge = fill_to_last_segment(w);
	w.data(edge - w.c.snd);
	EXPECT_EQ(w.tp()->rcv_nxt, edge) << "the segment up to the edge was taken";
	EXPECT_EQ(w.e.last, edge) << "and acknowledged, with a zero window";
	EXPECT_EQ(w.t.port().counters().drop_no_buflet, 0u);
	// one byte beyond: not taken, and not acknowledged
	w.data(1);
	EXPECT_EQ(w.tp()->rcv_nxt, edge);
	EXPECT_EQ(w.e.max, edge);
	// what arrived is what the host reads
	HostMem &m = w.t.post(w.c.h, 3 * 4096);
	EXPECT_EQ(m.slice(0, 1000), pattern(1000));
	EXPECT_EQ(w.t.info(w.c.h).buflets_held, 0u);
}

TEST(TcpWindowEdge, ScaledWindowTrimsTheSegmentEndingOneByteBeyondTheLargestEdge)
{
	EdgeConn w(small_sockets(4));
	const uint32_t edge = fill_to_last_segment(w);
	const uint32_t last = edge - w.c.snd;
	w.data(last + 1);
	EXPECT_EQ(w.tp()->rcv_nxt, edge) << "trimmed to the edge";
	EXPECT_EQ(w.e.last, edge) << "the byte beyond is not acknowledged";
	EXPECT_EQ(w.e.max, edge);
	EXPECT_EQ(w.tp()->stats.bytes_in, uint64_t(4 * 2048));
}

// A slow reader: the peer keeps sending up to the largest edge while the
// host posts small buffers now and then, some returned early by PSH
// (taking their unused space with them). The kept edge only ever moves
// right; the edges on the wire never fall back by a whole scale unit or
// more (only the rounding of the field), and every byte inside the kept
// edge is taken.
TEST(TcpWindowEdge, AdvertisedEdgeNeverMovesLeftAcrossASlowReader)
{
	EdgeConn w(small_sockets(8));
	uint32_t kept = w.tp()->rcv_adv;
	uint32_t moved = 0;
	for (int i = 0; i < 120; i++) {
		if (i % 7 == 3 || w.c.snd == w.e.max) {
			w.t.post(w.c.h, 3000 + 100 * (i % 5));
			w.seen();
		}
		uint32_t room = w.e.max - w.c.snd;
		if (room) {
			w.data(std::min<uint32_t>(1000, room),
			       i % 3 == 0 ? TH_PSH : 0);
			EXPECT_EQ(w.tp()->rcv_nxt, w.c.snd)
				<< "a byte inside the kept edge was refused at " << i;
		}
		EXPECT_LT(w.e.max - w.e.last, 1u << kShift)
			<< "an edge on the wire fell back by a whole unit at " << i;
		uint32_t now = w.tp()->rcv_adv;
		EXPECT_GE(int32_t(now - kept), 0) << "the kept edge moved left at " << i;
		if (now != kept)
			moved++;
		kept = now;
		while (auto ev = w.t.event(TOE_EV_RECV)) {
		}
	}
	EXPECT_GT(moved, 10u) << "the window opened and closed along the way";
	EXPECT_EQ(w.t.port().counters().drop_no_buflet, 0u);
}

// A window update that never reached the wire (the port refused the frame)
// promised nothing: the edge kept stays the one last advertised, so the
// peer's bytes beyond it are refused until an update goes out.
TEST(TcpWindowEdge, AnEdgeThatWasNeverTransmittedIsNotKept)
{
	EdgeConn w(small_sockets(4));
	const uint32_t edge = w.e.max;
	while (w.c.snd != edge)
		w.data(std::min<uint32_t>(1448, edge - w.c.snd));
	ASSERT_EQ(w.e.last, edge) << "the window is shut";
	w.t.port().xmit_result = -ENOBUFS;
	w.t.post(w.c.h, 50000); // the window update is refused by the port
	EXPECT_GT(w.t.port().counters().tx_errors, 0u);
	EXPECT_EQ(w.tp()->rcv_adv, edge) << "the refused update moved nothing";
	w.t.port().xmit_result = 0;
	// the peer sends beyond the edge anyway: refused, and the answer
	// carries the open window
	TcpSpec s = w.t.seg(w.c, TH_ACK, pattern(1000));
	w.t.inject(s);
	w.seen();
	EXPECT_EQ(w.tp()->rcv_nxt, edge) << "nothing beyond the advertised edge";
	EXPECT_GT(int32_t(w.e.max - edge), 0) << "the answer opened the window";
	// inside the new edge the same bytes are taken
	w.data(1000);
	EXPECT_EQ(w.tp()->rcv_nxt, edge + 1000);
}

// A retransmitted SYN-ACK offers less than the first (another connection
// took buflets meanwhile); the peer may still send into the first one's
// window, so that edge is kept.
TEST(TcpWindowEdge, ARetransmittedSynAckDoesNotPullTheEdgeBack)
{
	TcpHarness t(BusyPool::config(64));
	uint32_t l = t.listen();
	Conn b;
	Frame sa1 = syn_to_listener(t, b, 41000);
	Conn a = t.open_active();
	BusyPool::take_buflets(t, a);
	Frame sa2;
	for (int i = 0; i < 20 && !sa2.has(TH_SYN); i++) {
		t.fire_next();
		while (!t.port().tx_empty()) {
			Frame f = t.port().pop_tx();
			if (f.dst_port == 41000 && f.has(TH_SYN))
				sa2 = f;
		}
	}
	ASSERT_TRUE(sa2.has(TH_SYN | TH_ACK)) << "the SYN-ACK was sent again";
	ASSERT_EQ(sa2.ack, sa1.ack);
	ASSERT_LT(sa2.window, sa1.window) << "the second SYN-ACK offers less";
	const uint32_t edge = sa1.ack + sa1.window;
	t.ack(b);
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 56), 0);
	auto ev = t.event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	b.h = ev->sock;
	EXPECT_EQ(t.tcb(b.h)->rcv_adv, edge) << "the first SYN-ACK's edge";
	out_of_order_below(t, b, edge);
	EXPECT_EQ(t.tcb(b.h)->stats.ooo_segs_in, 1u)
		<< "a segment inside the first SYN-ACK's window is in the window";
}

// A SYN cookie's connection keeps the edge its SYN-ACK advertised, not one
// worked out again from the space when the cookie comes back.
TEST(TcpWindowEdge, ASynCookieConnectionKeepsTheEdgeItsSynAckAdvertised)
{
	TcpHarness t(BusyPool::config(0));
	uint32_t l = t.listen();
	Conn a = t.open_active();
	BusyPool::take_buflets(t, a);
	Conn b;
	Frame sa = syn_to_listener(t, b, 41000);
	ASSERT_EQ(t.engine_stats().syncookies_sent, 1u);
	const uint32_t edge = sa.ack + sa.window;
	ASSERT_EQ(toe_sock_accept(t.eng(), kOwner, l, 56), 0);
	t.ack(b);
	auto ev = t.event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	b.h = ev->sock;
	ASSERT_EQ(t.state(b.h), TOE_TCPS_ESTABLISHED);
	EXPECT_LT(t.info(b.h).buflets_held + toe_buflets_free(t.eng()), 16u)
		<< "the space now is less than the SYN-ACK offered";
	EXPECT_EQ(t.tcb(b.h)->rcv_adv, edge) << "the cookie SYN-ACK's edge";
	out_of_order_below(t, b, edge);
	EXPECT_EQ(t.tcb(b.h)->stats.ooo_segs_in, 1u);
}

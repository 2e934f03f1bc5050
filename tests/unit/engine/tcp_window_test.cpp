// Window scaling in both directions, the persist timer and zero-window
// probes, and window updates.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {
constexpr uint32_t kMss = 1448;

// Sockets of a few buflets, and a peer without window scaling or
// timestamps, so windows read as plain byte counts.
struct SmallWindows {
	explicit SmallWindows(uint32_t buflets_per_sock)
		: t(config(buflets_per_sock)), c(t.open_active(plain()))
	{
	}
	static toe_engine_config config(uint32_t buflets_per_sock)
	{
		toe_engine_config cfg = TestPort::default_config();
		cfg.sock_buflets_max = buflets_per_sock;
		return cfg;
	}
	static PeerOpts plain()
	{
		PeerOpts o;
		o.wscale.reset();
		o.timestamps = false;
		return o;
	}
	TcpHarness t;
	Conn c;
};

// A connection whose peer shut its window, with 1000 bytes waiting.
Conn shut_window_with_data_waiting(TcpHarness &t)
{
	Conn c = t.open_active();
	t.ack(c);
	c.peer_window = 0;
	t.ack(c);
	t.send(c.h, pattern(1000), 1);
	return c;
}
} // namespace

TEST(TcpWindow, PeerWindowIsScaledByItsShift)
{
	TcpHarness t;
	PeerOpts o;
	o.wscale = 4;
	Conn c = t.open_active(o);
	TcpSpec s = t.seg(c, TH_ACK);
	s.window = 1000; // 16000 bytes
	t.inject(s);
	EXPECT_EQ(t.info(c.h).snd_wnd, 16000u);
}

TEST(TcpWindow, SynWindowIsNeverScaled)
{
	TcpHarness t;
	PeerOpts o;
	o.wscale = 4;
	o.window = 1000;
	Conn c = t.open_active(o);
	EXPECT_EQ(t.info(c.h).snd_wnd, 1000u);
}

TEST(TcpWindow, OurWindowIsAdvertisedScaled)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 1 << 20);
	t.drain(c); // the window update for the post
	t.send_data(c, pattern(10), 0);
	t.run_until_tx();
	Frame a = t.tx(c);
	uint32_t space = t.info(c.h).rcv_wnd;
	EXPECT_GT(space, 65535u);
	// the field rounds down: the peer sees at most one scale unit less
	// than the edge we hold to, never more
	EXPECT_LE(uint32_t(a.window) << 7, space);
	EXPECT_GT((uint32_t(a.window) + 1) << 7, space);
}

TEST(TcpWindow, ZeroWindowStartsPersistProbesWithBackoff)
{
	TcpHarness t;
	Conn c = shut_window_with_data_waiting(t);
	EXPECT_TRUE(t.port().tx_empty()) << "the window is shut";
	uint64_t w1 = t.run_until_tx();
	Frame p1 = t.tx(c);
	EXPECT_EQ(p1.seq, t.tcb(c.h)->snd_una - 1) << "an ACK-eliciting probe";
	EXPECT_TRUE(p1.payload.empty());
	uint64_t w2 = t.run_until_tx();
	t.tx(c);
	EXPECT_EQ(w2, 2 * w1) << "probes back off";
	EXPECT_EQ(t.tcb(c.h)->stats.window_probes, 2u);
	// the peer answers each probe with its window still 0: it stays alive
	for (int i = 0; i < 30; i++) {
		t.ack(c);
		t.run_until_tx();
		t.tx(c);
	}
	EXPECT_EQ(t.state(c.h), TOE_TCPS_ESTABLISHED);
	// the window opens: the data goes
	c.peer_window = 65535u << 7;
	t.ack(c);
	EXPECT_EQ(t.take_data(c), pattern(1000));
}

// RFC 9293 3.8.6.1: a peer that answers every probe with its window still
// shut keeps the connection alive, but the probes still back off; they
// used to restart at the shortest interval after every answer.
TEST(TcpWindow, ZeroWindowProbesBackOffWhileThePeerAnswersWithAZeroWindow)
{
	TcpHarness t;
	Conn c = shut_window_with_data_waiting(t);
	uint64_t previous = t.run_until_tx();
	t.tx(c);
	// five doublings stay below the 60 s bound on the interval
	for (int i = 0; i < 5; i++) {
		t.ack(c); // the answer: still no room
		uint64_t wait = t.run_until_tx();
		t.tx(c);
		EXPECT_EQ(wait, 2 * previous) << "probe " << i + 2;
		previous = wait;
	}
	EXPECT_EQ(t.state(c.h), TOE_TCPS_ESTABLISHED);
	// once the window opens, a later shut window starts again from the
	// shortest interval
	c.peer_window = 65535u << 7;
	t.ack(c);
	EXPECT_EQ(t.take_data(c), pattern(1000));
	EXPECT_EQ(t.tcb(c.h)->persist_backoff, 0u);
}

TEST(TcpWindow, UnansweredZeroWindowProbesEventuallyTimeOut)
{
	TcpHarness t;
	t.eng()->tcp.tun.retries = 3;
	Conn c = shut_window_with_data_waiting(t);
	for (int i = 0; i < 10 && !t.event(TOE_EV_ERROR); i++) {
		t.run_until_tx();
		t.drain(c);
	}
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSED);
}

TEST(TcpWindow, SmallWindowIsUsedWhenThePersistTimerFires)
{
	TcpHarness t;
	PeerOpts o;
	o.wscale.reset();
	Conn c = t.open_active(o);
	t.ack(c); // largest window seen: 65535
	c.peer_window = 500;
	t.ack(c);
	t.send(c.h, pattern(3000), 1);
	EXPECT_TRUE(t.port().tx_empty()) << "500 < half the largest window";
	t.run_until_tx();
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	ASSERT_EQ(frames.size(), 1u);
	EXPECT_EQ(frames[0].payload.size(), 500u) << "the override sends what fits";
}

TEST(TcpWindow, WindowUpdateFromPeerReleasesData)
{
	TcpHarness t;
	PeerOpts o;
	o.wscale.reset();
	o.window = 2 * kMss;
	Conn c = t.open_active(o);
	c.peer_window = 2 * kMss;
	t.send(c.h, pattern(10 * kMss), 1);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	EXPECT_EQ(frames.size(), 2u);
	// acknowledged, and the window grows
	c.peer_window = 6 * kMss;
	t.ack(c);
	frames.clear();
	t.take_data(c, &frames);
	EXPECT_EQ(frames.size(), 6u);
}

TEST(TcpWindow, OldSegmentDoesNotMoveTheWindow)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.ack(c);
	uint32_t wnd = t.info(c.h).snd_wnd;
	// an older segment (lower seq) with a smaller window
	TcpSpec s = t.seg(c, TH_ACK);
	s.seq = c.snd - 1;
	s.window = 1;
	t.inject(s);
	EXPECT_EQ(t.info(c.h).snd_wnd, wnd);
}

TEST(TcpWindow, PostingBuffersSendsAWindowUpdateOnlyWhenItMatters)
{
	SmallWindows w(2);
	TcpHarness &t = w.t;
	Conn &c = w.c;
	EXPECT_EQ(t.info(c.h).rcv_wnd, 4096u);
	// a small buffer when the window is open: no update
	t.post(c.h, 100);
	EXPECT_TRUE(t.port().tx_empty());
	// a large one: the window doubles, so the peer hears of it; posted
	// space counts up to one bound of buflets
	t.post(c.h, 50000);
	Frame upd = t.tx(c);
	EXPECT_EQ(upd.flags, TH_ACK);
	EXPECT_EQ(upd.window, 2 * 4096);
}

// A buffer that comes back early (PSH here; a timeout or URG the same)
// takes its unused space with it, but that space was part of the window
// already promised: every byte inside the promise is still taken, in
// buflets beyond the socket's usual bound, and the edge never moves left.
TEST(TcpWindow, ABufferReturnedEarlyKeepsThePromisedWindow)
{
	SmallWindows w(8);
	TcpHarness &t = w.t;
	Conn &c = w.c;
	const uint32_t bound = 8 * t.port().config().buflet_size;
	t.post(c.h, 50000);
	Frame upd = t.tx(c);
	uint32_t edge = upd.ack + upd.window;
	ASSERT_EQ(edge - c.snd, 2 * bound) << "posted space counts up to one bound";
	t.send_data(c, pattern(1000)); // PSH: the buffer comes back
	auto ev = t.event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_PSH);
	t.drain(c);
	// the peer fills the rest of what it was promised
	while (c.snd != edge) {
		uint32_t n = std::min<uint32_t>(1448, edge - c.snd);
		t.send_data(c, pattern(n), 0);
		for (Frame &f : t.drain(c))
			EXPECT_GE(int32_t(f.ack + f.window - edge), 0)
				<< "the edge moved left";
	}
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, edge) << "every promised byte was taken";
	EXPECT_EQ(t.port().counters().drop_no_buflet, 0u);
	EXPECT_GT(t.info(c.h).buflets_held, 8u);
	EXPECT_LE(t.info(c.h).buflets_held, 2 * 8u + 2);
	EXPECT_EQ(t.info(c.h).rcv_wnd, 0u);
	// beyond the promise nothing is taken
	t.send_data(c, pattern(100), 0);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, edge);
	// a buffer takes the parked bytes
	t.post(c.h, edge - upd.ack);
	EXPECT_EQ(t.info(c.h).buflets_held, 0u);
}

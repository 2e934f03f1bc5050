// Receiving data: in-order placement, out-of-order reassembly, duplicates,
// trimming to the window, and the window closing and reopening as the
// host's buffers and the engine's buflets fill and free.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

toe_engine_config small_sock_config(uint32_t buflets_per_sock)
{
	toe_engine_config c = TestPort::default_config();
	c.sock_buflets_max = buflets_per_sock;
	return c;
}

} // namespace

TEST(TcpData, InOrderDataLandsInNamedBufferAndReturnsOnPsh)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.post(c.h, 100, 42);
	t.send_data(c, bytes("hello"));
	auto ev = t.event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->buf_ref, 42u);
	EXPECT_EQ(ev->bytes, 5u);
	EXPECT_EQ(ev->reason, TOE_RET_PSH);
	EXPECT_EQ(m.str(0, 5), "hello");
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, c.snd);
}

TEST(TcpData, OutOfOrderSegmentIsHeldAndDuplicateAckSentAtOnce)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.post(c.h, 100, 1);
	uint32_t base = c.snd;
	c.snd = base + 5;
	t.send_data(c, bytes("world"));
	Frame dup = t.tx(c);
	EXPECT_EQ(dup.flags, TH_ACK);
	EXPECT_EQ(dup.ack, base) << "a duplicate ACK for the hole";
	EXPECT_FALSE(t.event(TOE_EV_RECV));
	EXPECT_EQ(t.tcb(c.h)->ooo_segs, 1u);
	EXPECT_EQ(t.info(c.h).buflets_held, 1u);

	c.snd = base;
	t.send_data(c, bytes("hello"), 0);
	Frame ack = t.tx(c);
	EXPECT_EQ(ack.ack, base + 10) << "filling the hole is acked at once";
	auto ev = t.event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->bytes, 10u);
	EXPECT_EQ(m.str(0, 10), "helloworld");
	EXPECT_EQ(t.tcb(c.h)->ooo_segs, 0u);
	EXPECT_EQ(t.info(c.h).buflets_held, 0u);
}

TEST(TcpData, ManyOutOfOrderSegmentsReassembleInAnyOrder)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.post(c.h, 4000, 1);
	Bytes all = pattern(3000, 3);
	uint32_t base = c.snd;
	// segments of 300 bytes, sent in the order 9 3 5 0 1 7 2 8 4 6
	int order[] = {9, 3, 5, 0, 1, 7, 2, 8, 4, 6};
	for (int i : order) {
		c.snd = base + uint32_t(i) * 300;
		Bytes part(all.begin() + i * 300, all.begin() + (i + 1) * 300);
		t.send_data(c, part, 0);
	}
	t.drain(c);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, base + 3000);
	EXPECT_EQ(m.slice(0, 3000), all);
	EXPECT_EQ(t.tcb(c.h)->ooo_segs, 0u);
}

TEST(TcpData, OverlappingSegmentsDeliverEachByteOnce)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.post(c.h, 100, 1);
	Bytes all = bytes("abcdefghijklmnopqrstuvwxyz");
	uint32_t base = c.snd;
	auto piece = [&](uint32_t from, uint32_t to) {
		c.snd = base + from;
		t.send_data(c, Bytes(all.begin() + from, all.begin() + to), 0);
	};
	piece(10, 15);
	piece(12, 20); // overlaps the held one's end
	piece(8, 22); // covers both
	piece(3, 9);
	piece(0, 5); // in order, partly overlapping the held [3, 9)
	piece(0, 26); // everything again
	t.drain(c);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, base + 26);
	EXPECT_EQ(m.str(0, 26), "abcdefghijklmnopqrstuvwxyz");
	EXPECT_EQ(t.info(c.h).bytes_placed, 26u);
}

TEST(TcpData, OldDuplicateSegmentIsAckedAndDropped)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.post(c.h, 100, 1);
	uint32_t base = c.snd;
	t.send_data(c, bytes("hello"));
	t.drain(c);
	c.snd = base;
	t.send_data(c, bytes("HELLO"));
	Frame a = t.tx(c);
	EXPECT_EQ(a.ack, base + 5);
	EXPECT_EQ(m.str(0, 5), "hello");
	EXPECT_EQ(t.tcb(c.h)->stats.dup_segs_in, 1u);
}

TEST(TcpData, DataWithoutBufferIsParkedThenPlacedWhenPosted)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.send_data(c, bytes("parked data"));
	EXPECT_EQ(t.info(c.h).bytes_parked, 11u);
	HostMem &m = t.post(c.h, 64, 5);
	auto ev = t.event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->bytes, 11u);
	EXPECT_EQ(m.str(0, 11), "parked data");
}

TEST(TcpData, SegmentBeyondWindowIsTrimmedToTheWindow)
{
	TcpHarness t(small_sock_config(2));
	PeerOpts o;
	o.wscale.reset(); // unscaled windows make the arithmetic exact
	o.timestamps = false;
	Conn c = t.open_active(o);
	uint32_t wnd = t.tcb(c.h)->rcv_adv - t.tcb(c.h)->rcv_nxt;
	ASSERT_EQ(wnd, 4096u);
	Bytes big = pattern(5000);
	TcpSpec s = t.seg(c, TH_ACK, big);
	t.inject(s);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, c.snd + 4096) << "only the window's worth";
}

TEST(TcpData, WindowClosesAsBufletsFillAndReopensWhenBufferPosted)
{
	TcpHarness t(small_sock_config(4));
	PeerOpts o;
	o.wscale.reset();
	o.timestamps = false;
	Conn c = t.open_active(o);
	// the window is what four buflets hold
	EXPECT_EQ(t.info(c.h).rcv_wnd, 8192u);
	Bytes chunk = pattern(1460);
	uint16_t last_window = 0;
	uint32_t sent = 0;
	while (sent + 1460 <= 8192) {
		t.send_data(c, chunk, 0);
		sent += 1460;
		for (auto &f : t.drain(c))
			last_window = f.window;
	}
	t.port().run_for(50'000); // the delayed ACK
	for (auto &f : t.drain(c))
		last_window = f.window;
	EXPECT_LT(last_window, 1460) << "the advertised window shrank";
	EXPECT_GT(last_window, 0);
	// the peer may fill exactly what is left
	uint32_t before = t.tcb(c.h)->rcv_nxt;
	t.send_data(c, chunk, 0);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, before + last_window);
	Frame shut = t.tx(c); // at once: the segment overran the window
	EXPECT_EQ(shut.ack, before + last_window);
	EXPECT_EQ(shut.window, 0) << "the window is closed";
	// and nothing more
	before += last_window;
	c.snd = before;
	t.send_data(c, chunk, 0);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, before);
	Frame again = t.tx(c);
	EXPECT_EQ(again.ack, before);
	EXPECT_EQ(again.window, 0);
	c.snd = before;

	// posting a buffer drains the parked data and opens the window
	HostMem &m = t.post(c.h, 64 * 1024, 9);
	auto ev = t.event(TOE_EV_RECV);
	(void)ev;
	Frame upd = t.tx(c);
	EXPECT_EQ(upd.flags, TH_ACK);
	EXPECT_EQ(upd.ack, before);
	EXPECT_GE(upd.window, 8192) << "a window update follows the post";
	EXPECT_EQ(m.slice(0, 1460), chunk);
	// and the peer's data now fits
	t.send_data(c, chunk);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, before + 1460);
}

TEST(TcpData, ZeroWindowStillAcceptsAckAndFinAtRcvNxt)
{
	TcpHarness t(small_sock_config(1));
	PeerOpts o;
	o.wscale.reset();
	o.timestamps = false;
	Conn c = t.open_active(o);
	t.send_data(c, pattern(2048), 0);
	t.port().run_for(50'000);
	auto frames = t.drain(c);
	ASSERT_FALSE(frames.empty());
	EXPECT_EQ(frames.back().window, 0);
	// a FIN needs no space
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	Frame a = t.tx(c);
	EXPECT_EQ(a.ack, c.snd);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSE_WAIT);
}

TEST(TcpData, OutOfOrderFinWaitsForTheGap)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100, 1);
	uint32_t base = c.snd;
	c.snd = base + 3;
	t.inject(t.seg(c, TH_ACK | TH_FIN, bytes("def")));
	EXPECT_EQ(t.state(c.h), TOE_TCPS_ESTABLISHED);
	EXPECT_FALSE(t.event(TOE_EV_PEER_CLOSED));
	t.drain(c);
	c.snd = base;
	t.send_data(c, bytes("abc"), 0);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSE_WAIT);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, base + 7);
	auto ev = t.event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_FIN);
	EXPECT_EQ(ev->bytes, 6u);
	EXPECT_TRUE(t.event(TOE_EV_PEER_CLOSED));
}

TEST(TcpData, UrgentDataReturnsTheBuffer)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100, 1);
	t.send_data(c, bytes("!"), TH_URG);
	auto ev = t.event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_URG);
}

TEST(TcpData, GroSuperFrameIsPlacedWhole)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.post(c.h, 10000, 1);
	Bytes big = pattern(6000, 9);
	TcpSpec s = t.seg(c, TH_ACK | TH_PSH, big);
	Bytes frame = build_tcp(s);
	t.port().inject_segments(frame, {100, 3000});
	c.snd += 6000;
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, c.snd);
	EXPECT_EQ(m.slice(0, 6000), big);
	Frame a = t.tx(c);
	EXPECT_EQ(a.ack, c.snd) << "several segments' worth is acked at once";
}

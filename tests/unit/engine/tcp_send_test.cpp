// The send path: segmentation at the MSS within cwnd and the peer's window,
// completion of each request once fully acknowledged, no copy of host data
// (frames and retransmissions read the host's memory), GSO super-frames.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

// MSS 1460 minus the timestamp option.
constexpr uint32_t kMss = 1448;

} // namespace

TEST(TcpSend, DataIsSegmentedAtMssWithPshOnTheLast)
{
	TcpHarness t;
	Conn c = t.open_active();
	Bytes data = pattern(5000, 1);
	t.send(c.h, data, 11);
	std::vector<Frame> frames;
	Bytes got = t.take_data(c, &frames);
	ASSERT_EQ(frames.size(), 4u);
	EXPECT_EQ(frames[0].payload.size(), kMss);
	EXPECT_EQ(frames[3].payload.size(), 5000 - 3 * kMss);
	EXPECT_FALSE(frames[0].has(TH_PSH));
	EXPECT_TRUE(frames[3].has(TH_PSH));
	for (auto &f : frames)
		EXPECT_TRUE(f.l4_csum_ok);
	EXPECT_EQ(got, data);
}

TEST(TcpSend, RequestCompletesOnlyWhenFullyAcknowledged)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.send(c.h, pattern(3000), 21);
	EXPECT_EQ(m.refs(), 1) << "the engine holds the memory";
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	ASSERT_EQ(frames.size(), 3u);
	t.ack_to(c, frames[1].seq);
	EXPECT_FALSE(t.event(TOE_EV_SEND));
	t.ack_to(c, frames[2].seq + uint32_t(frames[2].payload.size()));
	auto ev = t.event(TOE_EV_SEND);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->buf_ref, 21u);
	EXPECT_EQ(ev->bytes, 3000u);
	EXPECT_EQ(ev->status, 0);
	EXPECT_EQ(m.refs(), 0) << "released once acknowledged";
}

TEST(TcpSend, SeveralRequestsCompleteInOrder)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_NODELAY, 1), 0);
	t.send(c.h, pattern(100), 1);
	t.send(c.h, pattern(200), 2);
	t.send(c.h, pattern(300), 3);
	t.take_data(c);
	uint32_t start = t.tcb(c.h)->snd_una;
	t.ack_to(c, start + 150);
	auto e1 = t.event(TOE_EV_SEND);
	ASSERT_TRUE(e1);
	EXPECT_EQ(e1->buf_ref, 1u);
	EXPECT_FALSE(t.event(TOE_EV_SEND));
	t.ack_to(c, start + 600);
	EXPECT_EQ(t.port().count_events(TOE_EV_SEND), 2u);
	EXPECT_EQ(t.event(TOE_EV_SEND)->buf_ref, 2u);
	EXPECT_EQ(t.event(TOE_EV_SEND)->buf_ref, 3u);
}

TEST(TcpSend, InitialWindowIsTenSegmentsThenSlowStartGrows)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.send(c.h, pattern(100000), 1);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	EXPECT_EQ(frames.size(), 10u);
	EXPECT_EQ(t.info(c.h).cwnd, 10 * kMss);
	// one ACK for two segments grows cwnd by two segments (RFC 3465 L=2)
	t.ack_to(c, frames[2].seq);
	EXPECT_EQ(t.info(c.h).cwnd, 12 * kMss);
	frames.clear();
	t.take_data(c, &frames);
	EXPECT_EQ(frames.size(), 4u) << "two acked plus two more of cwnd";
}

TEST(TcpSend, PeerWindowLimitsWhatIsInFlight)
{
	TcpHarness t;
	PeerOpts o;
	o.wscale.reset();
	o.window = 3 * kMss;
	Conn c = t.open_active(o);
	t.send(c.h, pattern(20000), 1);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	EXPECT_EQ(frames.size(), 3u);
	// the window moves with the ACK
	t.ack_to(c, frames[1].seq);
	frames.clear();
	t.take_data(c, &frames);
	EXPECT_EQ(frames.size(), 1u);
}

TEST(TcpSend, SmallWindowRemainderWaitsForSenderSwsAvoidance)
{
	TcpHarness t;
	PeerOpts o;
	o.wscale.reset();
	o.window = 4000; // 2 segments and 1104 bytes
	Conn c = t.open_active(o);
	t.send(c.h, pattern(20000), 1);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	EXPECT_EQ(frames.size(), 2u) << "1104 < half the largest window: wait";
}

TEST(TcpSend, SendBeforeHandshakeIsSentOnceEstablished)
{
	TcpHarness t;
	uint32_t h = t.create();
	ASSERT_EQ(toe_sock_bind(t.eng(), kOwner, h, 0, kLocalPort), 0);
	ASSERT_EQ(toe_sock_connect(t.eng(), kOwner, h, kPeerIp, kPeerPort), 0);
	t.send(h, bytes("early"), 1);
	Frame syn = t.port().pop_tx();
	EXPECT_TRUE(syn.payload.empty());
	EXPECT_TRUE(t.port().tx_empty());
	Conn c;
	c.peer = t.port().peer();
	c.h = h;
	c.snd = 10;
	c.rcv = syn.seq + 1;
	TcpSpec sa = t.seg(c, TH_SYN | TH_ACK);
	sa.options = tcp_options({tcpopt::mss(1460)});
	t.inject(sa);
	c.snd++;
	std::vector<Frame> frames;
	EXPECT_EQ(t.take_data(c, &frames), bytes("early"));
	EXPECT_EQ(frames[0].seq, syn.seq + 1);
	EXPECT_EQ(frames[0].ack, 11u);
}

TEST(TcpSend, RetransmissionReadsTheHostMemoryAgainNothingIsCopied)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.send(c.h, Bytes(1000, 'a'), 1);
	Bytes first = t.take_data(c);
	EXPECT_EQ(first, Bytes(1000, 'a'));
	// the frames point into host memory: what is there now goes out
	m.write(0, Bytes(1000, 'b'));
	t.run_until_tx();
	Bytes again = t.take_data(c);
	EXPECT_EQ(again, Bytes(1000, 'b'));
}

TEST(TcpSend, GsoSuperFramesCarryGsoSizeOfMss)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.tx_features = TOE_TXF_GSO_TCPV4 | TOE_TXF_CSUM_PARTIAL;
	cfg.gso_max_size = 65535;
	TcpHarness t(cfg);
	t.port().keep_raw_tx = true;
	Conn c = t.open_active();
	t.port().raw_tx.clear();
	Bytes data = pattern(10000, 4);
	t.send(c.h, data, 1);
	ASSERT_EQ(t.port().raw_tx.size(), 1u) << "one super-frame";
	EXPECT_EQ(t.port().raw_tx[0].gso_size, kMss);
	EXPECT_EQ(t.port().raw_tx[0].payload_len, 10000u);
	std::vector<Frame> frames;
	EXPECT_EQ(t.take_data(c, &frames), data);
	EXPECT_EQ(frames.size(), 7u) << "the port cut it at the MSS";
	EXPECT_EQ(t.tcb(c.h)->stats.segs_out, 7u + 2u) << "counted as segments";
}

TEST(TcpSend, SendOnListenerOrClosedSocketFails)
{
	TcpHarness t;
	uint32_t l = t.listen();
	t.send(l, bytes("x"), 1, 0, -ENOTCONN);
	uint32_t h = t.create();
	t.send(h, bytes("x"), 1, 0, -ENOTCONN);
}

TEST(TcpSend, SendAfterShutdownWriteFailsWithEpipe)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_shutdown(t.eng(), kOwner, c.h, TOE_SHUT_WR), 0);
	t.send(c.h, bytes("late"), 1, 0, -EPIPE);
}

TEST(TcpSend, ManySmallRequestsShareSegments)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_NODELAY, 0), 0);
	t.send(c.h, pattern(10), 1); // goes at once: nothing in flight
	Bytes more;
	for (int i = 0; i < 20; i++) {
		Bytes p = pattern(10, uint8_t(i + 2));
		more.insert(more.end(), p.begin(), p.end());
		t.send(c.h, p, uint64_t(i + 2), TOE_SEND_MORE);
	}
	t.take_data(c);
	t.ack(c);
	std::vector<Frame> frames;
	Bytes got = t.take_data(c, &frames);
	EXPECT_EQ(got.size(), more.size());
	EXPECT_EQ(got, more);
	EXPECT_EQ(frames.size(), 1u) << "200 bytes from 20 requests, one segment";
}

TEST(TcpSend, FrameTakesAtMostTheFragmentLimitOfRequests)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_NODELAY, 1), 0);
	Bytes first = pattern(15000, 1);
	t.send(c.h, first, 1); // 10 segments fill the initial window
	Bytes rest(first.begin() + 10 * kMss, first.end());
	t.take_data(c);
	for (int i = 0; i < 50; i++) {
		Bytes p = pattern(10, uint8_t(i + 2));
		rest.insert(rest.end(), p.begin(), p.end());
		t.send(c.h, p, uint64_t(i + 2));
	}
	EXPECT_TRUE(t.port().tx_empty()) << "cwnd-limited";
	t.ack(c);
	std::vector<Frame> frames;
	EXPECT_EQ(t.take_data(c, &frames), rest);
	ASSERT_EQ(frames.size(), 2u);
	// 520 bytes of the first request and 31 requests of 10 bytes
	EXPECT_EQ(frames[0].payload.size(), 15000 - 10 * kMss + 310);
}

TEST(TcpSend, GsoSuperFrameFitsTheIpv4TotalLength)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.tx_features = TOE_TXF_GSO_TCPV4 | TOE_TXF_CSUM_PARTIAL;
	cfg.gso_max_size = 65535;
	cfg.sock_buflets_max = 256;
	TcpHarness t(cfg);
	t.port().keep_raw_tx = true;
	PeerOpts o;
	o.mss = 1456; // 65535 is 15 bytes above a multiple of it
	o.timestamps = false;
	Conn c = t.open_active(o);
	t.ack(c); // a scaled window: 8 MiB
	// open the congestion window wide enough for a full super-frame
	t.tcb(c.h)->cc.cwnd = 1u << 20;
	t.tcb(c.h)->last_send_us = TestPort::now(); // not idle
	t.port().raw_tx.clear();
	t.send(c.h, pattern(200000, 7), 1);
	ASSERT_FALSE(t.port().raw_tx.empty());
	auto &frames = t.port().raw_tx;
	for (size_t i = 0; i < frames.size(); i++) {
		EXPECT_LE(frames[i].hdr_len - frames[i].l3_off + frames[i].payload_len,
			  65535u);
		if (i + 1 < frames.size()) {
			EXPECT_EQ(frames[i].payload_len % 1456, 0u);
		}
	}
	EXPECT_GT(frames[0].payload_len, 60000u) << "and as large as allowed";
}

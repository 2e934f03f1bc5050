// Delayed ACKs: at most 40 ms, at once for every second full-sized
// segment, at once for out-of-order data, and piggybacked on data.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {
constexpr uint32_t kMss = 1448;
} // namespace

TEST(TcpDelayedAck, SingleSegmentIsAckedWithinFortyMilliseconds)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100000);
	t.send_data(c, pattern(100), 0);
	EXPECT_TRUE(t.port().tx_empty()) << "the ACK waits";
	uint64_t waited = t.run_until_tx();
	EXPECT_EQ(waited, 40'000u);
	Frame a = t.tx(c);
	EXPECT_EQ(a.flags, TH_ACK);
	EXPECT_EQ(a.ack, c.snd);
	EXPECT_EQ(t.tcb(c.h)->stats.delayed_acks, 1u);
}

TEST(TcpDelayedAck, EverySecondFullSizedSegmentIsAckedAtOnce)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100000);
	Bytes seg = pattern(kMss);
	t.send_data(c, seg, 0); // the first teaches the peer's segment size
	t.run_until_tx();
	t.drain(c);
	for (int i = 0; i < 3; i++) {
		t.send_data(c, seg, 0);
		EXPECT_TRUE(t.port().tx_empty()) << "first of a pair: wait";
		t.send_data(c, seg, 0);
		Frame a = t.tx(c);
		EXPECT_EQ(a.ack, c.snd) << "second of a pair: at once";
	}
}

TEST(TcpDelayedAck, OutOfOrderSegmentIsAckedAtOnce)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100000);
	uint32_t base = c.snd;
	c.snd += 100;
	t.send_data(c, pattern(50), 0);
	Frame a = t.tx(c);
	EXPECT_EQ(a.ack, base);
}

TEST(TcpDelayedAck, AckRidesOnOutgoingData)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100000);
	t.send_data(c, bytes("request"), TH_PSH);
	EXPECT_TRUE(t.port().tx_empty());
	t.send(c.h, bytes("response"), 1);
	Frame d = t.tx(c);
	EXPECT_EQ(d.payload_str(), "response");
	EXPECT_EQ(d.ack, c.snd) << "the pending ACK goes with the data";
	t.port().run_for(100'000);
	EXPECT_TRUE(t.port().tx_empty()) << "no separate delayed ACK follows";
}

TEST(TcpDelayedAck, FinIsAckedAtOnce)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	Frame a = t.tx(c);
	EXPECT_EQ(a.ack, c.snd);
}

// Nagle's algorithm (Minshall's form), switchable per socket with
// TOE_OPT_NODELAY, and TOE_SEND_MORE.
#include "tcp_harness.hpp"

using namespace toe::test;

TEST(TcpNagle, SmallSegmentWaitsWhileAnEarlierSmallOneIsUnacked)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.send(c.h, bytes("one"), 1);
	EXPECT_EQ(t.take_data(c), bytes("one")) << "nothing in flight: goes";
	t.send(c.h, bytes("two"), 2);
	t.send(c.h, bytes("three"), 3);
	EXPECT_TRUE(t.port().tx_empty()) << "Nagle holds them";
	t.ack(c);
	std::vector<Frame> frames;
	EXPECT_EQ(t.take_data(c, &frames), bytes("twothree"));
	EXPECT_EQ(frames.size(), 1u) << "coalesced into one segment";
}

TEST(TcpNagle, NodelaySendsSmallSegmentsAtOnce)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_NODELAY, 1), 0);
	uint64_t v = 0;
	ASSERT_EQ(toe_sock_getopt(t.eng(), kOwner, c.h, TOE_OPT_NODELAY, &v), 0);
	EXPECT_EQ(v, 1u);
	t.send(c.h, bytes("one"), 1);
	t.send(c.h, bytes("two"), 2);
	std::vector<Frame> frames;
	EXPECT_EQ(t.take_data(c, &frames), bytes("onetwo"));
	EXPECT_EQ(frames.size(), 2u);
}

TEST(TcpNagle, TurningNodelayOnReleasesHeldData)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.send(c.h, bytes("one"), 1);
	t.take_data(c);
	t.send(c.h, bytes("two"), 2);
	EXPECT_TRUE(t.port().tx_empty());
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_NODELAY, 1), 0);
	EXPECT_EQ(t.take_data(c), bytes("two"));
}

TEST(TcpNagle, TailOfALargeWriteIsNotHeld)
{
	TcpHarness t;
	Conn c = t.open_active();
	Bytes data = pattern(3000);
	t.send(c.h, data, 1);
	EXPECT_EQ(t.take_data(c), data) << "no earlier small segment in flight";
}

TEST(TcpNagle, SendMoreHoldsTheTailEvenWithNodelay)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_NODELAY, 1), 0);
	t.send(c.h, pattern(2000), 1);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	t.send(c.h, bytes("head"), 2, TOE_SEND_MORE);
	EXPECT_TRUE(t.port().tx_empty()) << "more is coming and data is in flight";
	t.send(c.h, bytes("tail"), 3);
	std::vector<Frame> more;
	EXPECT_EQ(t.take_data(c, &more), bytes("headtail"));
	EXPECT_EQ(more.size(), 1u);
	EXPECT_TRUE(more[0].has(TH_PSH));
}

TEST(TcpNagle, SendMoreSuppressesPsh)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.send(c.h, bytes("part"), 1, TOE_SEND_MORE);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	ASSERT_EQ(frames.size(), 1u) << "nothing in flight: it goes";
	EXPECT_FALSE(frames[0].has(TH_PSH));
}

TEST(TcpNagle, ClosingSendsTheHeldTailWithTheFin)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.send(c.h, bytes("one"), 1);
	t.take_data(c);
	t.send(c.h, bytes("last"), 2);
	EXPECT_TRUE(t.port().tx_empty());
	ASSERT_EQ(toe_sock_shutdown(t.eng(), kOwner, c.h, TOE_SHUT_WR), 0);
	Frame f = t.tx(c);
	EXPECT_EQ(f.payload_str(), "last");
	EXPECT_TRUE(f.has(TH_FIN));
}

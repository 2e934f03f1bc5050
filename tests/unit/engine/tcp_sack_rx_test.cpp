// The SACK blocks the engine's ACKs carry (RFC 2018 section 4) and D-SACK
// (RFC 2883), against a peer that offered SACK-permitted; and none for a
// peer that did not.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

using Blocks = SackBlocks;

struct SackPeer {
	TcpHarness t;
	Conn c;
	uint32_t base = 0;

	explicit SackPeer(bool sack = true)
	{
		PeerOpts o;
		o.sack = sack;
		c = t.open_active(o);
		t.post(c.h, 64 * 1024, 1);
		base = c.snd;
	}
	// The peer's bytes [from, from + len) relative to base, sent out of turn.
	Frame send_at(uint32_t from, uint32_t len)
	{
		TcpSpec s = t.seg(c, TH_ACK, pattern(len, uint8_t(from)));
		s.seq = base + from;
		t.inject(s);
		auto frames = t.drain(c);
		EXPECT_FALSE(frames.empty());
		return frames.empty() ? Frame{} : frames.back();
	}
	std::pair<uint32_t, uint32_t> rel(uint32_t a, uint32_t b) const
	{
		return {base + a, base + b};
	}
};

} // namespace

TEST(TcpSackRx, OutOfOrderDataIsReportedWithTheLatestBlockFirst)
{
	SackPeer p;
	Frame a = p.send_at(1000, 100);
	EXPECT_EQ(a.ack, p.base);
	EXPECT_EQ(a.opt_sack(), (Blocks{p.rel(1000, 1100)}));
	Frame b = p.send_at(2000, 100);
	EXPECT_EQ(b.opt_sack(), (Blocks{p.rel(2000, 2100), p.rel(1000, 1100)}));
	// joining the first run makes it the first block again, merged
	Frame c = p.send_at(1100, 100);
	EXPECT_EQ(c.opt_sack(), (Blocks{p.rel(1000, 1200), p.rel(2000, 2100)}));
	EXPECT_GE(p.t.tcb(p.c.h)->stats.sack_blocks_out, 5u);
}

TEST(TcpSackRx, FillingTheGapDropsTheBlocksTheAckPassed)
{
	SackPeer p;
	p.send_at(1000, 100);
	p.send_at(3000, 100);
	Frame f = p.send_at(0, 1100); // fills up to 1100
	EXPECT_EQ(f.ack, p.base + 1100);
	EXPECT_EQ(f.opt_sack(), (Blocks{p.rel(3000, 3100)}));
}

TEST(TcpSackRx, ADuplicateSegmentIsReportedOnceAsADsack)
{
	SackPeer p;
	p.t.send_data(p.c, pattern(500, 0)); // in order: rcv_nxt = base + 500
	p.t.drain(p.c);
	Frame f = p.send_at(100, 200); // all below rcv_nxt
	EXPECT_EQ(f.opt_sack(), (Blocks{p.rel(100, 300)}));
	EXPECT_EQ(p.t.tcb(p.c.h)->stats.dsacks_out, 1u);
	// a duplicate of queued out-of-order data: D-SACK, then its run
	p.send_at(1000, 100);
	Frame g = p.send_at(1000, 100);
	EXPECT_EQ(g.opt_sack(), (Blocks{p.rel(1000, 1100), p.rel(1000, 1100)}));
	p.t.send_data(p.c, pattern(10, 1)); // in order again
	for (const Frame &fr : p.t.drain(p.c)) {
		Blocks b = fr.opt_sack();
		EXPECT_EQ(b, (Blocks{p.rel(1000, 1100)})) << "a D-SACK is reported once";
	}
}

TEST(TcpSackRx, APeerWithoutSackPermittedGetsNoBlocks)
{
	SackPeer p(false);
	Frame f = p.send_at(1000, 100);
	EXPECT_TRUE(f.opt_sack().empty());
	EXPECT_FALSE(p.t.tcb(p.c.h)->flags & TOE_TCB_SACK_OK);
}

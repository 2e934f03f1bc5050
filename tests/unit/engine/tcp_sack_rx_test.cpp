// The SACK blocks the engine's ACKs carry (RFC 2018 section 4) and D-SACK
// (RFC 2883), against a peer that offered SACK-permitted; and none for a
// peer that did not.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

using Blocks = std::vector<std::pair<uint32_t, uint32_t>>;

// The SACK option's blocks in a frame (kind 5).
Blocks sack_blocks(const Frame &f)
{
	Blocks out;
	const Bytes &o = f.tcp_opts;
	for (size_t i = 0; i < o.size();) {
		uint8_t kind = o[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= o.size() || o[i + 1] < 2)
			break;
		uint8_t len = o[i + 1];
		if (kind == 5)
			for (size_t b = i + 2; b + 8 <= i + len; b += 8) {
				auto get = [&](size_t at) {
					return uint32_t(o[at]) << 24 | uint32_t(o[at + 1]) << 16 |
					       uint32_t(o[at + 2]) << 8 | o[at + 3];
				};
				out.emplace_back(get(b), get(b + 4));
			}
		i += len;
	}
	return out;
}

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
	EXPECT_EQ(sack_blocks(a), (Blocks{p.rel(1000, 1100)}));
	Frame b = p.send_at(2000, 100);
	EXPECT_EQ(sack_blocks(b), (Blocks{p.rel(2000, 2100), p.rel(1000, 1100)}));
	// joining the first run makes it the first block again, merged
	Frame c = p.send_at(1100, 100);
	EXPECT_EQ(sack_blocks(c), (Blocks{p.rel(1000, 1200), p.rel(2000, 2100)}));
	EXPECT_GE(p.t.tcb(p.c.h)->stats.sack_blocks_out, 5u);
}

TEST(TcpSackRx, FillingTheGapDropsTheBlocksTheAckPassed)
{
	SackPeer p;
	p.send_at(1000, 100);
	p.send_at(3000, 100);
	Frame f = p.send_at(0, 1100); // fills up to 1100
	EXPECT_EQ(f.ack, p.base + 1100);
	EXPECT_EQ(sack_blocks(f), (Blocks{p.rel(3000, 3100)}));
}

TEST(TcpSackRx, ADuplicateSegmentIsReportedOnceAsADsack)
{
	SackPeer p;
	p.t.send_data(p.c, pattern(500, 0)); // in order: rcv_nxt = base + 500
	p.t.drain(p.c);
	Frame f = p.send_at(100, 200); // all below rcv_nxt
	EXPECT_EQ(sack_blocks(f), (Blocks{p.rel(100, 300)}));
	EXPECT_EQ(p.t.tcb(p.c.h)->stats.dsacks_out, 1u);
	// a duplicate of queued out-of-order data: D-SACK, then its run
	p.send_at(1000, 100);
	Frame g = p.send_at(1000, 100);
	EXPECT_EQ(sack_blocks(g), (Blocks{p.rel(1000, 1100), p.rel(1000, 1100)}));
	p.t.send_data(p.c, pattern(10, 1)); // in order again
	for (const Frame &fr : p.t.drain(p.c)) {
		Blocks b = sack_blocks(fr);
		EXPECT_EQ(b, (Blocks{p.rel(1000, 1100)})) << "a D-SACK is reported once";
	}
}

TEST(TcpSackRx, APeerWithoutSackPermittedGetsNoBlocks)
{
	SackPeer p(false);
	Frame f = p.send_at(1000, 100);
	EXPECT_TRUE(sack_blocks(f).empty());
	EXPECT_FALSE(p.t.tcb(p.c.h)->flags & TOE_TCB_SACK_OK);
}

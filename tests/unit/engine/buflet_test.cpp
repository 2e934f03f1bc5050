// The buflet pool and buflet segments: bounded per socket and in total,
// trimming from either end, and no cell lost.
#include <gtest/gtest.h>

#include "test_port.hpp"

extern "C" {
#include "engine_priv.h"
}

using namespace toe::test;

namespace {

class Buflet : public ::testing::Test {
protected:
	void SetUp() override
	{
		sk = toe_sock_alloc(port.eng(), TOE_PROTO_TCP);
		ASSERT_NE(sk, nullptr);
	}
	void TearDown() override { toe_sock_free(port.eng(), sk); }
	// A parsed packet carrying payload (kept alive with its frame).
	const toe_pkt &pkt_with(const Bytes &payload)
	{
		frame_bytes = build_tcp({.src = port.peer(), .dst = port.local(80),
					 .flags = TH_ACK, .payload = payload});
		seg = {frame_bytes.data(), uint32_t(frame_bytes.size())};
		frame = {&seg, 1, uint32_t(frame_bytes.size()), 0};
		EXPECT_EQ(toe_pkt_parse(&frame, kLocalMac.data(), 0, &pkt), TOE_PARSE_OK);
		return pkt;
	}
	Bytes contents(const toe_buflet *s)
	{
		Bytes out(s->seg_len);
		EXPECT_EQ(toe_buflet_seg_copy(s, 0, out.data(), s->seg_len), 0);
		return out;
	}

	TestPort port;
	toe_sock *sk = nullptr;
	Bytes frame_bytes;
	toe_rx_seg seg{};
	toe_rx_frame frame{};
	toe_pkt pkt{};
};

} // namespace

TEST_F(Buflet, SegmentHoldsThePayloadAcrossBuflets)
{
	Bytes data = pattern(5000);
	toe_buflet *s = toe_buflet_seg_from_pkt(port.eng(), sk, &pkt_with(data), 0,
						 5000, 777, TOE_SEGF_PSH);
	ASSERT_NE(s, nullptr);
	EXPECT_EQ(s->seq, 777u);
	EXPECT_EQ(s->seg_len, 5000u);
	EXPECT_EQ(s->seg_flags, TOE_SEGF_PSH);
	EXPECT_EQ(sk->buflets_held, 3u);
	EXPECT_EQ(contents(s), data);
	toe_buflet_seg_free(port.eng(), sk, s);
	EXPECT_EQ(sk->buflets_held, 0u);
	EXPECT_EQ(toe_buflets_free(port.eng()), port.config().buflet_count);
}

TEST_F(Buflet, TrimFrontAdvancesSeqAndFreesEmptiedBuflets)
{
	Bytes data = pattern(5000);
	toe_buflet *s = toe_buflet_seg_from_pkt(port.eng(), sk, &pkt_with(data), 0,
						 5000, 100, TOE_SEGF_FIN);
	s = toe_buflet_seg_trim_front(port.eng(), sk, s, 2048);
	ASSERT_NE(s, nullptr);
	EXPECT_EQ(s->seq, 2148u);
	EXPECT_EQ(s->seg_len, 2952u);
	EXPECT_EQ(s->seg_flags, TOE_SEGF_FIN) << "the flags stay with the end";
	EXPECT_EQ(sk->buflets_held, 2u);
	EXPECT_EQ(contents(s), Bytes(data.begin() + 2048, data.end()));
	s = toe_buflet_seg_trim_front(port.eng(), sk, s, 1);
	EXPECT_EQ(contents(s), Bytes(data.begin() + 2049, data.end()));
	EXPECT_EQ(toe_buflet_seg_trim_front(port.eng(), sk, s, 5000), nullptr);
	EXPECT_EQ(sk->buflets_held, 0u);
}

TEST_F(Buflet, TrimBackDropsTheEndAndItsFlags)
{
	Bytes data = pattern(5000);
	toe_buflet *s = toe_buflet_seg_from_pkt(port.eng(), sk, &pkt_with(data), 0,
						 5000, 100,
						 TOE_SEGF_PSH | TOE_SEGF_FIN | TOE_SEGF_URG);
	s = toe_buflet_seg_trim_back(port.eng(), sk, s, 3000);
	ASSERT_NE(s, nullptr);
	EXPECT_EQ(s->seg_len, 2000u);
	EXPECT_EQ(s->seq, 100u);
	EXPECT_EQ(s->seg_flags, TOE_SEGF_URG);
	EXPECT_EQ(sk->buflets_held, 1u);
	EXPECT_EQ(contents(s), Bytes(data.begin(), data.begin() + 2000));
	EXPECT_EQ(toe_buflet_seg_trim_back(port.eng(), sk, s, 2000), nullptr);
	EXPECT_EQ(sk->buflets_held, 0u);
}

TEST_F(Buflet, PartOfThePayloadCanBeTaken)
{
	Bytes data = pattern(100);
	toe_buflet *s = toe_buflet_seg_from_pkt(port.eng(), sk, &pkt_with(data), 40,
						 50, 0, 0);
	ASSERT_NE(s, nullptr);
	EXPECT_EQ(contents(s), Bytes(data.begin() + 40, data.begin() + 90));
	EXPECT_EQ(toe_buflet_seg_from_pkt(port.eng(), sk, &pkt_with(data), 60, 50,
					  0, 0), nullptr)
		<< "range beyond the payload";
	toe_buflet_seg_free(port.eng(), sk, s);
}

TEST_F(Buflet, PerSocketBoundIsAllOrNothing)
{
	uint32_t max = port.config().sock_buflets_max;
	Bytes data = pattern(2048);
	std::vector<toe_buflet *> held;
	for (uint32_t i = 0; i < max; i++) {
		toe_buflet *s = toe_buflet_seg_from_pkt(port.eng(), sk, &pkt_with(data),
							 0, 2048, i, 0);
		ASSERT_NE(s, nullptr) << i;
		held.push_back(s);
	}
	EXPECT_EQ(toe_buflets_allowed(port.eng(), sk), 0u);
	EXPECT_EQ(toe_buflet_seg_from_pkt(port.eng(), sk, &pkt_with(data), 0, 1, 0, 0),
		  nullptr);
	EXPECT_EQ(port.counters().drop_no_buflet, 1u);
	// another socket still gets its share
	toe_sock *other = toe_sock_alloc(port.eng(), TOE_PROTO_TCP);
	toe_buflet *o = toe_buflet_seg_from_pkt(port.eng(), other, &pkt_with(data), 0,
						 100, 0, 0);
	EXPECT_NE(o, nullptr);
	toe_buflet_seg_free(port.eng(), other, o);
	toe_sock_free(port.eng(), other);
	toe_buflet_seg_free(port.eng(), sk, held.back());
	held.pop_back();
	// a 2-buflet segment does not fit in the 1 left: nothing is taken
	Bytes big = pattern(3000);
	EXPECT_EQ(toe_buflet_seg_from_pkt(port.eng(), sk, &pkt_with(big), 0, 3000, 0, 0),
		  nullptr);
	EXPECT_EQ(sk->buflets_held, max - 1);
	for (toe_buflet *s : held)
		toe_buflet_seg_free(port.eng(), sk, s);
	EXPECT_EQ(toe_buflets_free(port.eng()), port.config().buflet_count);
}

TEST_F(Buflet, PoolExhaustionAcrossSocketsIsSafe)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.buflet_count = 4;
	cfg.sock_buflets_max = 4;
	TestPort small(cfg);
	toe_sock *a = toe_sock_alloc(small.eng(), TOE_PROTO_TCP);
	toe_sock *b = toe_sock_alloc(small.eng(), TOE_PROTO_TCP);
	Bytes data = pattern(2048 * 3);
	Bytes f = build_tcp({.src = small.peer(), .dst = small.local(80),
			     .flags = TH_ACK, .payload = data});
	toe_rx_seg sg{f.data(), uint32_t(f.size())};
	toe_rx_frame fr{&sg, 1, uint32_t(f.size()), 0};
	toe_pkt p;
	ASSERT_EQ(toe_pkt_parse(&fr, kLocalMac.data(), 0, &p), TOE_PARSE_OK);
	toe_buflet *sa = toe_buflet_seg_from_pkt(small.eng(), a, &p, 0, 6144, 0, 0);
	ASSERT_NE(sa, nullptr);
	EXPECT_EQ(toe_buflet_seg_from_pkt(small.eng(), b, &p, 0, 4096, 0, 0), nullptr);
	toe_buflet *sb = toe_buflet_seg_from_pkt(small.eng(), b, &p, 0, 2048, 0, 0);
	ASSERT_NE(sb, nullptr);
	EXPECT_EQ(toe_buflets_free(small.eng()), 0u);
	toe_buflet_seg_free(small.eng(), a, sa);
	toe_buflet_seg_free(small.eng(), b, sb);
	EXPECT_EQ(toe_buflets_free(small.eng()), 4u);
	toe_sock_free(small.eng(), a);
	toe_sock_free(small.eng(), b);
}

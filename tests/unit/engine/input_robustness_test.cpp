// Input never trusts the wire: mutated and random frames against an engine
// with live sockets neither crash nor corrupt it (run under ASan/UBSan).
#include <gtest/gtest.h>

#include <random>

#include "peer_conn.hpp"

using namespace toe::test;

TEST(InputRobustness, MutatedFramesAreHandledAndTheEngineStaysSound)
{
	TestPort port;
	PeerConn c(port, 1);
	uint32_t u;
	ASSERT_EQ(toe_sock_create(port.eng(), 1, TOE_PROTO_UDP, 0, &u), 0);
	ASSERT_EQ(toe_sock_bind(port.eng(), 1, u, 0, 53), 0);
	c.post(4096, 1);
	uint64_t frames_before = port.counters().frames_in;
	std::mt19937 rng(1234);
	std::vector<Bytes> seeds = {
		build_tcp({.src = c.peer, .dst = c.local, .seq = c.snd, .ack = c.rcv,
			   .flags = TH_ACK | TH_PSH,
			   .options = tcp_options({tcpopt::timestamps(1, 2)}),
			   .payload = pattern(300)}),
		build_tcp({.src = c.peer, .dst = c.local, .seq = c.snd, .flags = TH_SYN,
			   .options = tcp_options({tcpopt::mss(1460), tcpopt::wscale(9)})}),
		build_udp({.src = port.peer(kPeerIp, 9), .dst = port.local(53),
			   .payload = pattern(100)}),
		build_udp({.src = port.peer(kPeerIp, 9), .dst = port.local(53),
			   .payload = pattern(100), .vlan = 3}),
	};
	for (int i = 0; i < 20000; i++) {
		Bytes f = seeds[rng() % seeds.size()];
		int flips = 1 + int(rng() % 8);
		for (int k = 0; k < flips; k++)
			f[rng() % f.size()] ^= uint8_t(1u << (rng() % 8));
		if (rng() % 4 == 0)
			f.resize(rng() % (f.size() + 1));
		if (rng() % 3 == 0)
			fix_checksums(f); // get past the checksums to the logic
		// an exact-size heap copy, split at a random point
		std::vector<uint8_t> copy(f.begin(), f.end());
		size_t cut = copy.empty() ? 0 : rng() % copy.size();
		toe_rx_seg segs[2] = {{copy.data(), uint32_t(cut)},
				      {copy.data() + cut, uint32_t(copy.size() - cut)}};
		toe_rx_frame fr{segs, 2, uint32_t(copy.size()), 0};
		int cls = toe_engine_classify(port.eng(), &fr);
		int r = toe_engine_input(port.eng(), &fr);
		EXPECT_TRUE(r == TOE_RX_CONSUMED || r == TOE_RX_NOT_MINE);
		EXPECT_TRUE(cls == TOE_RX_MINE || cls == TOE_RX_SHARE ||
			    cls == TOE_RX_NOT_MINE);
		if (i % 1000 == 0)
			port.advance(10'000);
		port.clear_tx();
		port.clear_events();
	}
	toe_engine_counters ctr = port.counters();
	EXPECT_EQ(ctr.frames_in - frames_before, 20000u);
	EXPECT_EQ(ctr.buflets_free + ctr.buflets_in_use, ctr.buflets_total);
	// random bytes too
	for (int i = 0; i < 5000; i++) {
		std::vector<uint8_t> junk(rng() % 200);
		for (auto &b : junk)
			b = uint8_t(rng());
		if (junk.size() >= 6 && rng() % 2)
			std::copy(kLocalMac.begin(), kLocalMac.end(), junk.begin());
		port.inject(Bytes(junk.begin(), junk.end()));
	}
	toe_owner_release(port.eng(), 1, -ECONNABORTED);
	EXPECT_EQ(port.counters().buflets_in_use, 0u);
	EXPECT_EQ(port.counters().sockets, 0u);
}

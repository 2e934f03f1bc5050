// A minimal TCP peer for the engine-core tests: a passive open through a
// listener, then in-order segments with chosen flags. The TCP engine's own
// tests have the full-featured harness; this one only needs enough TCP to
// exercise receive placement, buffers and ownership.
#pragma once

#include <gtest/gtest.h>

#include "test_port.hpp"

namespace toe::test {

struct PeerConn {
	TestPort &port;
	uint32_t owner;
	uint32_t listener = 0;
	uint32_t h = 0; // the accepted socket
	Endpoint peer;
	Endpoint local;
	uint32_t snd = 500000; // the peer's next sequence number
	uint32_t rcv = 0; // the next sequence number the peer expects

	PeerConn(TestPort &p, uint32_t own, uint16_t lport = 80,
		 uint16_t pport = 40000, uint64_t sock_ref = 21)
		: port(p), owner(own), peer(p.peer(kPeerIp, pport)), local(p.local(lport))
	{
		EXPECT_EQ(toe_sock_create(port.eng(), owner, TOE_PROTO_TCP, 20, &listener), 0);
		EXPECT_EQ(toe_sock_bind(port.eng(), owner, listener, 0, lport), 0);
		EXPECT_EQ(toe_sock_listen(port.eng(), owner, listener, 8), 0);
		port.clear_tx(); // the SYN-ACK is the next frame
		inject(TH_SYN, {}, tcp_options({tcpopt::mss(1460)}));
		snd++;
		Frame sa = port.pop_tx();
		EXPECT_TRUE(sa.has(TH_SYN | TH_ACK)) << sa;
		rcv = sa.seq + 1;
		inject(TH_ACK);
		EXPECT_EQ(toe_sock_accept(port.eng(), owner, listener, sock_ref), 0);
		auto ev = port.take_event(TOE_EV_ACCEPT);
		EXPECT_TRUE(ev.has_value());
		if (ev)
			h = ev->sock;
		port.clear_tx();
	}

	int inject(uint8_t flags, const Bytes &payload = {}, const Bytes &opts = {})
	{
		return port.inject(build_tcp({.src = peer, .dst = local, .seq = snd,
					      .ack = rcv, .flags = flags,
					      .options = opts, .payload = payload}));
	}

	// In-order data from the peer.
	void data(const Bytes &payload, uint8_t flags = TH_ACK | TH_PSH)
	{
		inject(flags, payload);
		snd += uint32_t(payload.size());
	}
	void fin(uint8_t extra = 0)
	{
		inject(TH_FIN | TH_ACK | extra);
		snd++;
	}
	void rst() { inject(TH_RST | TH_ACK); }

	toe_sock_info info()
	{
		toe_sock_info i{};
		EXPECT_EQ(toe_sock_get_info(port.eng(), h, &i), 0);
		return i;
	}

	HostMem &post(uint32_t len, uint64_t ref, uint32_t threshold = 0,
		      uint32_t timeout_ms = 0, int expect = 0)
	{
		HostMem &m = port.mem(len);
		toe_named_buffer_req r{.mem = m.mem(), .offset = 0, .length = len,
				       .threshold = threshold,
				       .timeout_ms = timeout_ms, .user_ref = ref};
		EXPECT_EQ(toe_sock_post_buffer(port.eng(), owner, h, &r), expect);
		return m;
	}
};

} // namespace toe::test

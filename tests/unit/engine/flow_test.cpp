// The flow table and classification: exact 5-tuples, listeners on ip:port
// or the wildcard, bound ports, and what is left to the host stack.
#include <gtest/gtest.h>

#include <set>

#include "test_port.hpp"

extern "C" {
#include "engine_priv.h"
}

using namespace toe::test;

namespace {

constexpr uint32_t kOwner = 3;
constexpr uint32_t kSecondIp = ip4(10, 0, 0, 9);

class Flow : public ::testing::Test {
protected:
	uint32_t sock(int proto)
	{
		uint32_t h = 0;
		EXPECT_EQ(toe_sock_create(port.eng(), kOwner, proto, 0, &h), 0);
		return h;
	}
	uint32_t listener(uint32_t ip, uint16_t p)
	{
		uint32_t h = sock(TOE_PROTO_TCP);
		EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, h, ip, p), 0);
		EXPECT_EQ(toe_sock_listen(port.eng(), kOwner, h, 4), 0);
		return h;
	}
	Bytes syn_to(uint32_t ip, uint16_t p, uint16_t from_port = 40000)
	{
		return build_tcp({.src = port.peer(kPeerIp, from_port),
				  .dst = {kLocalMac, ip, p}, .seq = 1,
				  .flags = TH_SYN});
	}
	Bytes udp_to(uint32_t ip, uint16_t p, uint16_t from_port = 5000)
	{
		return build_udp({.src = port.peer(kPeerIp, from_port),
				  .dst = {kLocalMac, ip, p}, .payload = bytes("d")});
	}

	TestPort port{[] {
		toe_engine_config c = TestPort::default_config();
		c.local_ips[1] = kSecondIp;
		c.nr_local_ips = 2;
		return c;
	}()};
};

} // namespace

TEST_F(Flow, NothingBoundMeansNothingIsMine)
{
	EXPECT_EQ(port.classify(syn_to(kLocalIp, 80)), TOE_RX_NOT_MINE);
	EXPECT_EQ(port.inject(syn_to(kLocalIp, 80)), TOE_RX_NOT_MINE);
	auto c = port.counters();
	EXPECT_EQ(c.not_mine, 1u);
	EXPECT_EQ(c.no_socket, 1u);
	EXPECT_TRUE(port.tx_empty()) << "the host stack answers, not the engine";
}

TEST_F(Flow, WildcardListenerTakesEveryLocalAddressButNoOther)
{
	listener(0, 80);
	EXPECT_EQ(port.classify(syn_to(kLocalIp, 80)), TOE_RX_MINE);
	EXPECT_EQ(port.classify(syn_to(kSecondIp, 80)), TOE_RX_MINE);
	EXPECT_EQ(port.classify(syn_to(ip4(10, 0, 0, 77), 80)), TOE_RX_NOT_MINE);
	EXPECT_EQ(port.classify(syn_to(kLocalIp, 81)), TOE_RX_NOT_MINE);
}

// RFC 9293 MUST-57: a SYN to a broadcast or multicast address is no
// connection attempt; a wildcard listener takes the engine's own addresses
// only, so the engine neither answers nor keeps state.
TEST_F(Flow, SynToABroadcastOrMulticastAddressIsNotTaken)
{
	listener(0, 80);
	for (uint32_t ip : {0xffffffffu, ip4(10, 0, 0, 255), ip4(224, 0, 0, 1),
			    ip4(239, 1, 2, 3)}) {
		EXPECT_EQ(port.inject(syn_to(ip, 80)), TOE_RX_NOT_MINE) << ip;
	}
	EXPECT_TRUE(port.tx_empty());
	EXPECT_EQ(port.counters().syn_queue, 0u);
}

TEST_F(Flow, SpecificListenerTakesOnlyItsAddress)
{
	listener(kSecondIp, 80);
	EXPECT_EQ(port.classify(syn_to(kSecondIp, 80)), TOE_RX_MINE);
	EXPECT_EQ(port.classify(syn_to(kLocalIp, 80)), TOE_RX_NOT_MINE);
}

TEST_F(Flow, WildcardAndSpecificListenersOnOnePortConflict)
{
	listener(0, 80);
	uint32_t spec = sock(TOE_PROTO_TCP);
	EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, spec, kSecondIp, 80), -EADDRINUSE);
	toe_engine *e = port.eng();
	toe_sock *l = toe_listener_lookup(e, TOE_PROTO_TCP, kSecondIp, 80);
	ASSERT_NE(l, nullptr);
	EXPECT_EQ(l->local_ip, 0u);
	listener(kSecondIp, 81);
	uint32_t w81 = sock(TOE_PROTO_TCP);
	EXPECT_EQ(toe_sock_bind(e, kOwner, w81, 0, 81), -EADDRINUSE);
	EXPECT_EQ(toe_listener_lookup(e, TOE_PROTO_TCP, kSecondIp, 81)->local_ip,
		  kSecondIp);
}

TEST_F(Flow, BindRefusesForeignAddressesAndTakenPorts)
{
	uint32_t a = sock(TOE_PROTO_UDP);
	uint32_t b = sock(TOE_PROTO_UDP);
	uint32_t t = sock(TOE_PROTO_TCP);
	EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, a, ip4(192, 168, 1, 1), 53),
		  -EADDRNOTAVAIL);
	EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, a, kLocalIp, 53), 0);
	EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, a, kLocalIp, 54), -EINVAL)
		<< "already bound";
	EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, b, 0, 53), -EADDRINUSE);
	EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, b, kSecondIp, 53), 0);
	EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, t, kLocalIp, 53), 0)
		<< "TCP and UDP ports are separate";
}

TEST_F(Flow, EphemeralBindPicksAFreePortInTheRange)
{
	std::set<uint16_t> seen;
	for (int i = 0; i < 50; i++) {
		uint32_t h = sock(TOE_PROTO_UDP);
		ASSERT_EQ(toe_sock_bind(port.eng(), kOwner, h, 0, 0), 0);
		toe_sock_info info;
		ASSERT_EQ(toe_sock_get_info(port.eng(), h, &info), 0);
		EXPECT_GE(info.local_port, port.config().ephemeral_port_min);
		EXPECT_LE(info.local_port, port.config().ephemeral_port_max);
		EXPECT_TRUE(seen.insert(info.local_port).second) << "port reused";
	}
}

TEST_F(Flow, ExhaustedEphemeralRangeIsReported)
{
	toe_engine_config c = TestPort::default_config();
	c.ephemeral_port_min = 50000;
	c.ephemeral_port_max = 50002;
	TestPort small(c);
	for (int i = 0; i < 3; i++) {
		uint32_t h;
		ASSERT_EQ(toe_sock_create(small.eng(), kOwner, TOE_PROTO_UDP, 0, &h), 0);
		ASSERT_EQ(toe_sock_bind(small.eng(), kOwner, h, 0, 0), 0);
	}
	uint32_t h;
	ASSERT_EQ(toe_sock_create(small.eng(), kOwner, TOE_PROTO_UDP, 0, &h), 0);
	EXPECT_EQ(toe_sock_bind(small.eng(), kOwner, h, 0, 0), -EADDRINUSE);
}

TEST_F(Flow, ConnectedUdpTakesOnlyItsPeer)
{
	uint32_t h = sock(TOE_PROTO_UDP);
	ASSERT_EQ(toe_sock_bind(port.eng(), kOwner, h, 0, 7000), 0);
	EXPECT_EQ(port.classify(udp_to(kLocalIp, 7000, 1111)), TOE_RX_MINE);
	ASSERT_EQ(toe_sock_connect(port.eng(), kOwner, h, kPeerIp, 5000), 0);
	EXPECT_EQ(port.classify(udp_to(kLocalIp, 7000, 5000)), TOE_RX_MINE);
	// another source to a port of ours: still ours (dropped by the
	// engine, not bounced by the host stack), but never delivered
	Bytes other = udp_to(kLocalIp, 7000, 1111);
	EXPECT_EQ(port.inject(other), TOE_RX_CONSUMED);
	auto &m = port.mem(64);
	toe_named_buffer_req r{.mem = m.mem(), .offset = 0, .length = 64};
	ASSERT_EQ(toe_sock_post_buffer(port.eng(), kOwner, h, &r), 0);
	EXPECT_FALSE(port.take_event(TOE_EV_RECV)) << "a stranger's datagram arrived";
	EXPECT_EQ(port.inject(udp_to(kLocalIp, 7000, 5000)), TOE_RX_CONSUMED);
	EXPECT_TRUE(port.take_event(TOE_EV_RECV));
	toe_sock_close(port.eng(), kOwner, h);
}

TEST_F(Flow, ClosedSocketLeavesTheTables)
{
	uint32_t l = listener(0, 8080);
	EXPECT_EQ(port.classify(syn_to(kLocalIp, 8080)), TOE_RX_MINE);
	ASSERT_EQ(toe_sock_close(port.eng(), kOwner, l), 0);
	EXPECT_EQ(port.classify(syn_to(kLocalIp, 8080)), TOE_RX_NOT_MINE);
	// and the port is free again
	listener(0, 8080);
}

TEST_F(Flow, FlowTableLookupIsExactAndInsertRefusesDuplicates)
{
	toe_engine *e = port.eng();
	toe_sock *a = toe_sock_alloc(e, TOE_PROTO_TCP);
	toe_sock *b = toe_sock_alloc(e, TOE_PROTO_TCP);
	ASSERT_TRUE(a && b);
	for (toe_sock *s : {a, b}) {
		s->local_ip = kLocalIp;
		s->local_port = 80;
		s->remote_ip = kPeerIp;
		s->remote_port = 1234;
	}
	ASSERT_EQ(toe_flow_insert(e, a), 0);
	EXPECT_EQ(toe_flow_insert(e, b), -EADDRINUSE);
	EXPECT_EQ(toe_flow_lookup(e, TOE_PROTO_TCP, kLocalIp, 80, kPeerIp, 1234), a);
	EXPECT_EQ(toe_flow_lookup(e, TOE_PROTO_UDP, kLocalIp, 80, kPeerIp, 1234), nullptr);
	EXPECT_EQ(toe_flow_lookup(e, TOE_PROTO_TCP, kLocalIp, 80, kPeerIp, 1235), nullptr);
	b->remote_port = 1235;
	ASSERT_EQ(toe_flow_insert(e, b), 0);
	toe_flow_remove(e, a);
	EXPECT_EQ(toe_flow_lookup(e, TOE_PROTO_TCP, kLocalIp, 80, kPeerIp, 1234), nullptr);
	EXPECT_EQ(toe_flow_lookup(e, TOE_PROTO_TCP, kLocalIp, 80, kPeerIp, 1235), b);
	toe_sock_free(e, a);
	toe_sock_free(e, b);
}

TEST_F(Flow, ManyFlowsAllFoundAfterChurn)
{
	toe_engine *e = port.eng();
	std::vector<toe_sock *> socks;
	for (int i = 0; i < 200; i++) {
		toe_sock *s = toe_sock_alloc(e, TOE_PROTO_TCP);
		ASSERT_NE(s, nullptr);
		s->local_ip = kLocalIp;
		s->local_port = 80;
		s->remote_ip = kPeerIp + uint32_t(i % 7);
		s->remote_port = uint16_t(1000 + i);
		ASSERT_EQ(toe_flow_insert(e, s), 0);
		socks.push_back(s);
	}
	for (size_t i = 0; i < socks.size(); i += 2) {
		toe_sock_free(e, socks[i]);
		socks[i] = nullptr;
	}
	for (int i = 0; i < 200; i++) {
		toe_sock *f = toe_flow_lookup(e, TOE_PROTO_TCP, kLocalIp, 80,
					      kPeerIp + uint32_t(i % 7), uint16_t(1000 + i));
		EXPECT_EQ(f, socks[size_t(i)]) << i;
	}
	for (toe_sock *s : socks)
		if (s)
			toe_sock_free(e, s);
}

TEST_F(Flow, FramesThatAreNotOursAreCountedByReason)
{
	listener(0, 80);
	Bytes frag = build_ipv4(kPeerMac, kLocalMac, kPeerIp, kLocalIp, 6,
				bytes("xxxxxxxxxxxxxxxxxxxx"), 0, 0x2000);
	EXPECT_EQ(port.inject(frag), TOE_RX_NOT_MINE);
	Bytes arp(42, 0);
	arp[0] = 0xff;
	arp[12] = 0x08;
	arp[13] = 0x06;
	EXPECT_EQ(port.inject(arp), TOE_RX_NOT_MINE);
	TcpSpec bad{.src = port.peer(), .dst = port.local(80), .flags = TH_SYN,
		    .bad_tcp_csum = true};
	EXPECT_EQ(port.inject(build_tcp(bad)), TOE_RX_CONSUMED)
		<< "a bad checksum on a flow of ours is dropped here";
	TcpSpec bad_other{.src = port.peer(), .dst = port.local(99),
			  .flags = TH_SYN, .bad_tcp_csum = true};
	EXPECT_EQ(port.inject(build_tcp(bad_other)), TOE_RX_NOT_MINE);
	auto c = port.counters();
	EXPECT_EQ(c.fragments, 1u);
	EXPECT_EQ(c.not_ipv4, 1u);
	EXPECT_EQ(c.bad_csum, 2u);
	EXPECT_EQ(c.not_mine, 3u);
	EXPECT_EQ(c.frames_in, 4u);
	EXPECT_TRUE(port.tx_empty());
}

TEST_F(Flow, LocalAddressesCanBeAddedAndRemoved)
{
	listener(0, 80);
	uint32_t extra = ip4(10, 0, 0, 50);
	EXPECT_EQ(port.classify(syn_to(extra, 80)), TOE_RX_NOT_MINE);
	EXPECT_EQ(toe_engine_add_local_ip(port.eng(), extra), 0);
	EXPECT_EQ(toe_engine_add_local_ip(port.eng(), extra), -EEXIST);
	EXPECT_EQ(port.classify(syn_to(extra, 80)), TOE_RX_MINE);
	EXPECT_EQ(toe_engine_del_local_ip(port.eng(), extra), 0);
	EXPECT_EQ(toe_engine_del_local_ip(port.eng(), extra), -ENOENT);
	EXPECT_EQ(port.classify(syn_to(extra, 80)), TOE_RX_NOT_MINE);
	EXPECT_EQ(port.classify(syn_to(kSecondIp, 80)), TOE_RX_MINE);
}

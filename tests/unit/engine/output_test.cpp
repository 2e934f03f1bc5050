// Frame output: Ethernet and IPv4 headers, 802.1Q tagging, checksums
// completed by the engine or left partial for the port, GSO super-frames,
// and transmit failures counted.
#include <gtest/gtest.h>

#include "peer_conn.hpp"

extern "C" {
#include "engine.h"
}

using namespace toe::test;

namespace {

constexpr uint32_t kOwner = 2;

uint32_t udp_sock(TestPort &port, uint16_t p)
{
	uint32_t h;
	EXPECT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_UDP, 0, &h), 0);
	EXPECT_EQ(toe_sock_bind(port.eng(), kOwner, h, 0, p), 0);
	return h;
}

int udp_send(TestPort &port, uint32_t h, const Bytes &data, uint16_t to = 9)
{
	HostMem &m = port.mem(data.size());
	m.write(0, data);
	toe_send_req r{.mem = m.mem(), .offset = 0, .length = uint32_t(data.size()),
		       .dst_ip = kPeerIp, .dst_port = to};
	return toe_sock_send(port.eng(), kOwner, h, &r);
}

} // namespace

TEST(Output, Ipv4HeaderIsCompleteAndCorrect)
{
	TestPort port;
	uint32_t h = udp_sock(port, 1000);
	ASSERT_EQ(toe_sock_setopt(port.eng(), kOwner, h, TOE_OPT_TOS, 0x10), 0);
	ASSERT_EQ(toe_sock_setopt(port.eng(), kOwner, h, TOE_OPT_TTL, 5), 0);
	ASSERT_EQ(udp_send(port, h, bytes("abc")), 0);
	Frame f = port.pop_tx();
	EXPECT_EQ(f.ethertype, 0x0800);
	EXPECT_FALSE(f.has_vlan);
	EXPECT_EQ(f.ip_hlen, 20);
	EXPECT_EQ(f.ip_total_len, 20 + 8 + 3);
	EXPECT_EQ(f.tos, 0x10);
	EXPECT_EQ(f.ttl, 5);
	EXPECT_EQ(f.proto, 17);
	EXPECT_TRUE(f.ip_csum_ok);
	EXPECT_TRUE(f.l4_csum_ok);
	EXPECT_EQ(f.raw.size(), 14u + 31u);
}

TEST(Output, IpIdsDifferBetweenFrames)
{
	TestPort port;
	uint32_t h = udp_sock(port, 1000);
	udp_send(port, h, bytes("a"));
	udp_send(port, h, bytes("b"));
	Frame a = port.pop_tx();
	Frame b = port.pop_tx();
	EXPECT_NE(a.ip_id, b.ip_id);
}

TEST(Output, VlanEngineTagsEveryFrameAndTakesOnlyItsTag)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.vlan_id = 100;
	TestPort port(cfg);
	uint32_t h = udp_sock(port, 1000);
	ASSERT_EQ(udp_send(port, h, bytes("tagged")), 0);
	Frame f = port.pop_tx();
	EXPECT_TRUE(f.has_vlan);
	EXPECT_EQ(f.vlan, 100);
	EXPECT_EQ(f.payload_str(), "tagged");
	EXPECT_TRUE(f.l4_csum_ok);
	HostMem &m = port.mem(64);
	toe_named_buffer_req r{.mem = m.mem(), .offset = 0, .length = 64};
	ASSERT_EQ(toe_sock_post_buffer(port.eng(), kOwner, h, &r), 0);
	UdpSpec in{.src = port.peer(kPeerIp, 9), .dst = port.local(1000),
		   .payload = bytes("in")};
	EXPECT_EQ(port.inject(build_udp(in)), TOE_RX_NOT_MINE) << "untagged";
	in.vlan = 101;
	EXPECT_EQ(port.inject(build_udp(in)), TOE_RX_NOT_MINE) << "another VLAN";
	in.vlan = 100;
	EXPECT_EQ(port.inject(build_udp(in)), TOE_RX_CONSUMED);
	EXPECT_TRUE(port.take_event(TOE_EV_RECV));
}

TEST(Output, VlanTcpHandshakeIsTaggedBothWays)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.vlan_id = 7;
	TestPort port(cfg);
	uint32_t l;
	ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_TCP, 0, &l), 0);
	ASSERT_EQ(toe_sock_bind(port.eng(), kOwner, l, 0, 80), 0);
	ASSERT_EQ(toe_sock_listen(port.eng(), kOwner, l, 4), 0);
	TcpSpec syn{.src = port.peer(), .dst = port.local(80), .seq = 1,
		    .flags = TH_SYN, .vlan = 7};
	ASSERT_EQ(port.inject(build_tcp(syn)), TOE_RX_CONSUMED);
	Frame sa = port.pop_tx();
	EXPECT_TRUE(sa.has(TH_SYN | TH_ACK)) << sa;
	EXPECT_TRUE(sa.has_vlan);
	EXPECT_EQ(sa.vlan, 7);
}

TEST(Output, TcpChecksumIsLeftPartialWhenThePortOffloadsIt)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.tx_features = TOE_TXF_CSUM_PARTIAL;
	TestPort port(cfg);
	PeerConn c(port, kOwner);
	HostMem &m = port.mem(1000);
	m.write(0, pattern(1000));
	toe_send_req r{.mem = m.mem(), .offset = 0, .length = 1000};
	ASSERT_EQ(toe_sock_send(port.eng(), kOwner, c.h, &r), 0);
	Frame f = port.pop_tx();
	ASSERT_EQ(f.payload.size(), 1000u) << f;
	EXPECT_TRUE(f.csum_was_partial);
	EXPECT_TRUE(f.l4_csum_ok) << "finished by the port as a NIC would";
	// UDP checksums are always complete
	uint32_t u = udp_sock(port, 1000);
	udp_send(port, u, bytes("x"));
	Frame uf = port.pop_tx();
	EXPECT_FALSE(uf.csum_was_partial);
	EXPECT_TRUE(uf.l4_csum_ok);
}

TEST(Output, TcpChecksumOverHostMemoryAtOddOffsetsIsComplete)
{
	TestPort port;
	PeerConn c(port, kOwner);
	ASSERT_EQ(toe_sock_setopt(port.eng(), kOwner, c.h, TOE_OPT_NODELAY, 1), 0);
	HostMem &m = port.mem(2001);
	m.write(0, pattern(2001, 3));
	toe_send_req r{.mem = m.mem(), .offset = 1, .length = 1001,
		       .flags = TOE_SEND_MORE};
	ASSERT_EQ(toe_sock_send(port.eng(), kOwner, c.h, &r), 0);
	r = {.mem = m.mem(), .offset = 1002, .length = 333};
	ASSERT_EQ(toe_sock_send(port.eng(), kOwner, c.h, &r), 0);
	size_t total = 0;
	while (!port.tx_empty()) {
		Frame f = port.pop_tx();
		EXPECT_FALSE(f.csum_was_partial);
		EXPECT_TRUE(f.l4_csum_ok) << f;
		total += f.payload.size();
	}
	EXPECT_EQ(total, 1334u);
}

TEST(Output, GsoSuperFrameCarriesManySegmentsInOneXmit)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.tx_features = TOE_TXF_CSUM_PARTIAL | TOE_TXF_GSO_TCPV4;
	cfg.gso_max_size = 65000;
	TestPort port(cfg);
	PeerConn c(port, kOwner);
	port.keep_raw_tx = true;
	HostMem &m = port.mem(8000);
	Bytes data = pattern(8000);
	m.write(0, data);
	toe_send_req r{.mem = m.mem(), .offset = 0, .length = 8000};
	ASSERT_EQ(toe_sock_send(port.eng(), kOwner, c.h, &r), 0);
	ASSERT_FALSE(port.raw_tx.empty());
	EXPECT_GT(port.raw_tx[0].gso_size, 0u);
	EXPECT_GT(port.raw_tx[0].payload_len, port.raw_tx[0].gso_size);
	EXPECT_EQ(port.raw_tx[0].flags & TOE_TX_GSO_TCPV4, TOE_TX_GSO_TCPV4);
	// segmented by the port, the wire sees valid MSS-sized segments
	Bytes got;
	uint32_t seq = 0;
	bool first = true;
	while (!port.tx_empty()) {
		Frame f = port.pop_tx();
		EXPECT_TRUE(f.l4_csum_ok) << f;
		EXPECT_TRUE(f.ip_csum_ok) << f;
		EXPECT_LE(f.payload.size(), 1460u);
		if (!first) {
			EXPECT_EQ(f.seq, seq);
		}
		first = false;
		seq = f.seq + uint32_t(f.payload.size());
		got.insert(got.end(), f.payload.begin(), f.payload.end());
	}
	EXPECT_EQ(got, data);
}

TEST(Output, TransmitFailureIsCountedNotFatal)
{
	TestPort port;
	uint32_t h = udp_sock(port, 1000);
	port.xmit_result = -ENOBUFS;
	ASSERT_EQ(udp_send(port, h, bytes("lost")), 0);
	auto ev = port.take_event(TOE_EV_SEND);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, -ENOBUFS);
	EXPECT_EQ(port.counters().tx_errors, 1u);
	port.xmit_result = 0;
	ASSERT_EQ(udp_send(port, h, bytes("ok")), 0);
	EXPECT_EQ(port.counters().frames_out, 1u);
}

TEST(Output, RequestsOutsideTheRegionAreRefused)
{
	TestPort port;
	uint32_t h = udp_sock(port, 1000);
	HostMem &m = port.mem(10);
	toe_send_req r{.mem = m.mem(), .offset = 8, .length = 3, .dst_ip = kPeerIp,
		       .dst_port = 9};
	EXPECT_EQ(toe_sock_send(port.eng(), kOwner, h, &r), -EFAULT);
	r = {.mem = nullptr, .offset = 0, .length = 3, .dst_ip = kPeerIp, .dst_port = 9};
	EXPECT_EQ(toe_sock_send(port.eng(), kOwner, h, &r), -EINVAL);
	EXPECT_EQ(m.refs(), 0);
	EXPECT_TRUE(port.tx_empty());
}

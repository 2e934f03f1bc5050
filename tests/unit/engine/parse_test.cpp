// Frame parsing: what the engine accepts from the wire, and the exact
// reason it refuses the rest. Nothing from a frame is trusted.
#include <gtest/gtest.h>

#include "test_port.hpp"

extern "C" {
#include "pkt.h"
}

using namespace toe::test;

namespace {

const Endpoint kPeer{kPeerMac, kPeerIp, 40000};
const Endpoint kUs{kLocalMac, kLocalIp, 80};

// A parsed packet points into its frame descriptor: keep both alive.
toe_rx_seg g_seg;
toe_rx_frame g_frame;

toe_parse_result parse(const Bytes &f, toe_pkt *pkt, uint16_t vlan = 0,
		       uint32_t flags = 0)
{
	g_seg = {f.data(), uint32_t(f.size())};
	g_frame = {&g_seg, 1, uint32_t(f.size()), flags};
	return toe_pkt_parse(&g_frame, kLocalMac.data(), vlan, pkt);
}

Bytes tcp_frame(const Bytes &payload = bytes("hello"), uint16_t vlan = 0)
{
	return build_tcp({.src = kPeer, .dst = kUs, .seq = 100, .ack = 200,
			  .flags = TH_ACK | TH_PSH, .window = 1234,
			  .options = tcp_options({tcpopt::mss(1460)}),
			  .payload = payload, .vlan = vlan});
}

} // namespace

TEST(Parse, TcpFieldsComeOutInHostOrder)
{
	Bytes f = tcp_frame();
	toe_pkt pkt;
	ASSERT_EQ(parse(f, &pkt), TOE_PARSE_OK);
	EXPECT_EQ(pkt.proto, TOE_PROTO_TCP);
	EXPECT_EQ(pkt.src_ip, kPeerIp);
	EXPECT_EQ(pkt.dst_ip, kLocalIp);
	EXPECT_EQ(pkt.src_port, 40000);
	EXPECT_EQ(pkt.dst_port, 80);
	EXPECT_EQ(pkt.seq, 100u);
	EXPECT_EQ(pkt.ack, 200u);
	EXPECT_EQ(pkt.window, 1234);
	EXPECT_EQ(pkt.tcp_flags, TH_ACK | TH_PSH);
	EXPECT_EQ(pkt.tcp_opts_len, 4);
	EXPECT_EQ(pkt.tcp_opts[0], 2);
	EXPECT_EQ(pkt.payload_len, 5u);
	EXPECT_EQ(pkt.payload_off, 14u + 20u + 24u);
	EXPECT_EQ(pkt.has_vlan, 0);
	char buf[5];
	ASSERT_EQ(toe_pkt_copy_payload(&pkt, 0, buf, 5), 0);
	EXPECT_EQ(std::string(buf, 5), "hello");
}

TEST(Parse, UdpFieldsAndLengthComeFromTheUdpHeader)
{
	Bytes f = build_udp({.src = kPeer, .dst = kUs, .payload = bytes("datagram")});
	toe_pkt pkt;
	ASSERT_EQ(parse(f, &pkt), TOE_PARSE_OK);
	EXPECT_EQ(pkt.proto, TOE_PROTO_UDP);
	EXPECT_EQ(pkt.udp_len, 16);
	EXPECT_EQ(pkt.payload_len, 8u);
	EXPECT_EQ(pkt.l4_hdr_len, 8);
}

TEST(Parse, EthernetPaddingIsNotPayload)
{
	Bytes f = build_udp({.src = kPeer, .dst = kUs, .payload = bytes("x")});
	f.resize(60, 0xee); // minimum Ethernet frame
	toe_pkt pkt;
	ASSERT_EQ(parse(f, &pkt), TOE_PARSE_OK);
	EXPECT_EQ(pkt.payload_len, 1u);
}

TEST(Parse, UdpWithoutChecksumIsAccepted)
{
	Bytes f = build_udp({.src = kPeer, .dst = kUs, .payload = bytes("abc"),
			     .no_udp_csum = true});
	toe_pkt pkt;
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_OK);
}

TEST(Parse, BadTcpChecksumIsRefused)
{
	TcpSpec s{.src = kPeer, .dst = kUs, .flags = TH_ACK,
		  .payload = bytes("x"), .bad_tcp_csum = true};
	toe_pkt pkt;
	EXPECT_EQ(parse(build_tcp(s), &pkt), TOE_PARSE_BAD_CSUM);
}

TEST(Parse, BadUdpChecksumIsRefused)
{
	Bytes f = build_udp({.src = kPeer, .dst = kUs, .payload = bytes("abc"),
			     .bad_udp_csum = true});
	toe_pkt pkt;
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_BAD_CSUM);
}

TEST(Parse, VerifiedFlagSkipsTheL4Checksum)
{
	TcpSpec s{.src = kPeer, .dst = kUs, .flags = TH_ACK,
		  .payload = bytes("x"), .bad_tcp_csum = true};
	toe_pkt pkt;
	EXPECT_EQ(parse(build_tcp(s), &pkt, 0, TOE_RX_CSUM_VERIFIED), TOE_PARSE_OK);
}

TEST(Parse, BadIpHeaderChecksumIsRefusedEvenWhenL4IsVerified)
{
	TcpSpec s{.src = kPeer, .dst = kUs, .flags = TH_ACK, .bad_ip_csum = true};
	toe_pkt pkt;
	EXPECT_EQ(parse(build_tcp(s), &pkt, 0, TOE_RX_CSUM_VERIFIED),
		  TOE_PARSE_BAD_IP);
}

TEST(Parse, IpOptionsAreSkipped)
{
	Bytes tcp(20, 0);
	tcp[1] = 80;
	tcp[0] = 0x9c;
	tcp[1] = 0x40; // src port 40000
	tcp[2] = 0;
	tcp[3] = 80;
	tcp[12] = 5 << 4;
	tcp[13] = TH_ACK;
	tcp.push_back('z');
	Bytes f = build_ipv4(kPeerMac, kLocalMac, kPeerIp, kLocalIp, 6, tcp, 0,
			     0x4000, Bytes{0x94, 0x04, 0, 0} /* router alert */);
	fix_checksums(f);
	toe_pkt pkt;
	ASSERT_EQ(parse(f, &pkt), TOE_PARSE_OK);
	EXPECT_EQ(pkt.ip_hdr_len, 24);
	EXPECT_EQ(pkt.l4_off, 14u + 24u);
	EXPECT_EQ(pkt.src_port, 40000);
	EXPECT_EQ(pkt.payload_len, 1u);
}

TEST(Parse, FragmentsAreRefusedFirstAndLater)
{
	Bytes l4 = bytes("fragment-data");
	toe_pkt pkt;
	Bytes first = build_ipv4(kPeerMac, kLocalMac, kPeerIp, kLocalIp, 17, l4, 0,
				 0x2000 /* MF */);
	EXPECT_EQ(parse(first, &pkt), TOE_PARSE_FRAGMENT);
	Bytes later = build_ipv4(kPeerMac, kLocalMac, kPeerIp, kLocalIp, 17, l4, 0,
				 0x0010 /* offset 128 */);
	EXPECT_EQ(parse(later, &pkt), TOE_PARSE_FRAGMENT);
}

TEST(Parse, NonIpv4IsNotMine)
{
	Bytes arp(42, 0);
	std::copy(kLocalMac.begin(), kLocalMac.end(), arp.begin());
	arp[12] = 0x08;
	arp[13] = 0x06;
	toe_pkt pkt;
	EXPECT_EQ(parse(arp, &pkt), TOE_PARSE_NOT_IPV4);
	Bytes f = tcp_frame();
	f[14] = 0x60; // IPv6 version nibble behind an IPv4 ethertype
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_BAD_IP);
}

TEST(Parse, OtherProtocolsAreRefused)
{
	Bytes icmp{8, 0, 0, 0, 0, 1, 0, 1};
	Bytes f = build_ipv4(kPeerMac, kLocalMac, kPeerIp, kLocalIp, 1, icmp);
	toe_pkt pkt;
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_OTHER_PROTO);
}

TEST(Parse, UnicastForAnotherMacIsRefusedButBroadcastPasses)
{
	Bytes f = build_udp({.src = kPeer,
			     .dst = {Mac{0x02, 9, 9, 9, 9, 9}, kLocalIp, 53},
			     .payload = bytes("q")});
	toe_pkt pkt;
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_BAD_L2);
	Bytes b = build_udp({.src = kPeer,
			     .dst = {Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kLocalIp, 53},
			     .payload = bytes("q")});
	EXPECT_EQ(parse(b, &pkt), TOE_PARSE_OK);
}

TEST(Parse, VlanTagMustMatchTheEngines)
{
	toe_pkt pkt;
	Bytes tagged = tcp_frame(bytes("v"), 42);
	ASSERT_EQ(parse(tagged, &pkt, 42), TOE_PARSE_OK);
	EXPECT_EQ(pkt.has_vlan, 1);
	EXPECT_EQ(pkt.vlan_id, 42);
	EXPECT_EQ(pkt.l3_off, 18u);
	EXPECT_EQ(pkt.payload_len, 1u);
	EXPECT_EQ(parse(tagged, &pkt, 0), TOE_PARSE_BAD_L2) << "tagged, engine untagged";
	EXPECT_EQ(parse(tagged, &pkt, 7), TOE_PARSE_BAD_L2) << "another VLAN";
	EXPECT_EQ(parse(tcp_frame(), &pkt, 42), TOE_PARSE_BAD_L2) << "untagged";
}

TEST(Parse, EveryTruncationIsRefusedWithoutReadingPastTheEnd)
{
	Bytes full = tcp_frame(pattern(100));
	for (size_t len = 0; len < full.size(); len++) {
		// an exact-size copy so that any over-read is caught by ASan
		std::vector<uint8_t> cut(full.begin(), full.begin() + len);
		toe_pkt pkt;
		toe_parse_result r = parse(cut, &pkt);
		EXPECT_NE(r, TOE_PARSE_OK) << "length " << len;
	}
}

TEST(Parse, IpTotalLengthBeyondTheFrameIsRefused)
{
	Bytes f = tcp_frame();
	f[16] = 0x05; // total length 1280+, frame is shorter
	fix_checksums(f);
	f[16] = 0x05;
	toe_pkt pkt;
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_BAD_IP);
}

TEST(Parse, TcpDataOffsetOutsideTheSegmentIsRefused)
{
	Bytes f = build_tcp({.src = kPeer, .dst = kUs, .flags = TH_ACK});
	f[14 + 20 + 12] = 15 << 4; // 60-byte header in a 20-byte segment
	fix_checksums(f);
	toe_pkt pkt;
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_BAD_L4);
	f[14 + 20 + 12] = 4 << 4; // below the minimum
	fix_checksums(f);
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_BAD_L4);
}

TEST(Parse, UdpLengthLongerThanTheDatagramIsRefused)
{
	Bytes f = build_udp({.src = kPeer, .dst = kUs, .payload = bytes("abcd")});
	f[14 + 20 + 5] = 200; // UDP length 200 > 12
	toe_pkt pkt;
	EXPECT_EQ(parse(f, &pkt), TOE_PARSE_BAD_L4);
}

TEST(Parse, FrameLengthDisagreeingWithSegmentsIsRefused)
{
	Bytes f = tcp_frame();
	toe_rx_seg seg{f.data(), uint32_t(f.size())};
	toe_rx_frame fr{&seg, 1, uint32_t(f.size() + 10), 0};
	toe_pkt pkt;
	EXPECT_EQ(toe_pkt_parse(&fr, kLocalMac.data(), 0, &pkt), TOE_PARSE_BAD_L2);
	toe_rx_frame none{nullptr, 0, 0, 0};
	EXPECT_EQ(toe_pkt_parse(&none, kLocalMac.data(), 0, &pkt), TOE_PARSE_BAD_L2);
}

TEST(Parse, HeadersSplitAcrossSegmentsAreReassembled)
{
	Bytes payload = pattern(3000);
	Bytes f = tcp_frame(payload);
	// cut inside the Ethernet, IP and TCP headers and across the payload,
	// at odd offsets so the checksum has to combine odd-length blocks
	std::vector<size_t> cuts{5, 21, 41, 61, 1001, 2003};
	std::vector<toe_rx_seg> segs;
	size_t prev = 0;
	for (size_t c : cuts) {
		segs.push_back({f.data() + prev, uint32_t(c - prev)});
		prev = c;
	}
	segs.push_back({f.data() + prev, uint32_t(f.size() - prev)});
	toe_rx_frame fr{segs.data(), uint32_t(segs.size()), uint32_t(f.size()), 0};
	toe_pkt pkt;
	ASSERT_EQ(toe_pkt_parse(&fr, kLocalMac.data(), 0, &pkt), TOE_PARSE_OK);
	EXPECT_EQ(pkt.payload_len, 3000u);
	Bytes out(3000);
	ASSERT_EQ(toe_pkt_copy_payload(&pkt, 0, out.data(), 3000), 0);
	EXPECT_EQ(out, payload);
	EXPECT_EQ(toe_pkt_copy_payload(&pkt, 2999, out.data(), 2), -EINVAL);
}

TEST(Parse, OddSplitWithBadChecksumIsStillCaught)
{
	TcpSpec s{.src = kPeer, .dst = kUs, .flags = TH_ACK,
		  .payload = pattern(777), .bad_tcp_csum = true};
	Bytes f = build_tcp(s);
	toe_rx_seg segs[2] = {{f.data(), 333}, {f.data() + 333, uint32_t(f.size() - 333)}};
	toe_rx_frame fr{segs, 2, uint32_t(f.size()), 0};
	toe_pkt pkt;
	EXPECT_EQ(toe_pkt_parse(&fr, kLocalMac.data(), 0, &pkt), TOE_PARSE_BAD_CSUM);
}

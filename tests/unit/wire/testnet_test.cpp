// The test ports' helpers are themselves checked: a wrong checksum or a
// bad software TSO here would blame the engine for the port's mistakes.
#include <gtest/gtest.h>

#include <string>

#include "inet.hpp"
#include "sha256.hpp"

namespace toe::testnet {
namespace {

std::string sha256_of(const std::string &text)
{
	Sha256 hash;
	hash.update(text.data(), text.size());
	return hash.hex_finish();
}

TEST(Sha256, KnownAnswers)
{
	EXPECT_EQ(sha256_of(""),
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	EXPECT_EQ(sha256_of("abc"),
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	EXPECT_EQ(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalEqualsOneShot)
{
	std::string million(1'000'000, 'a');
	Sha256 pieces;
	for (std::size_t off = 0; off < million.size(); off += 777)
		pieces.update(million.data() + off,
			      std::min<std::size_t>(777, million.size() - off));
	EXPECT_EQ(pieces.hex_finish(),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	EXPECT_EQ(sha256_of(million),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

FrameSpec spec(std::uint16_t vlan = 0)
{
	FrameSpec s;
	s.dst_mac[5] = 2;
	s.src_mac[5] = 1;
	s.vlan_id = vlan;
	s.src_ip = 0x0a000001;
	s.dst_ip = 0x0a000002;
	s.src_port = 1234;
	s.dst_port = 80;
	return s;
}

TEST(Inet, BuiltFramesParseAndCarryValidChecksums)
{
	std::vector<std::uint8_t> payload(101, 0x77);
	Bytes tcp = build_tcp_frame(spec(7), 1000, 2000, tcpflag::ack, 512,
				    std::vector<std::uint8_t>{2, 4, 5, 0xb4},
				    payload);
	auto info = parse_frame(tcp);
	ASSERT_TRUE(info);
	EXPECT_TRUE(info->vlan_tagged);
	EXPECT_EQ(info->vlan_id, 7);
	EXPECT_TRUE(info->is_tcp);
	EXPECT_EQ(info->seq, 1000u);
	EXPECT_EQ(info->ack, 2000u);
	EXPECT_EQ(info->payload_len, payload.size());
	EXPECT_TRUE(checksums_valid(tcp));

	Bytes udp = build_udp_frame(spec(), payload);
	EXPECT_TRUE(checksums_valid(udp));
	for (std::size_t i = 14; i < udp.size(); i += 13) {
		Bytes broken = udp;
		broken[i] ^= 0x10;
		EXPECT_FALSE(checksums_valid(broken)) << "byte " << i;
	}
}

TEST(Inet, PartialChecksumIsCompletedLikeANic)
{
	std::vector<std::uint8_t> payload(333, 0x5a);
	Bytes frame = build_tcp_frame(spec(), 1, 2, tcpflag::ack, 100, {},
				      payload);
	auto info = parse_frame(frame);
	std::size_t l4_len = frame.size() - info->l4_off;
	std::uint16_t seed = std::uint16_t(~csum_fold(pseudo_header_sum(
		info->src_ip, info->dst_ip, ipproto_tcp,
		std::uint32_t(l4_len))));
	store_be16(&frame[info->l4_off + 16], seed);
	EXPECT_FALSE(checksums_valid(frame));
	complete_partial_checksum(frame, info->l4_off, 16);
	EXPECT_TRUE(checksums_valid(frame));
}

TEST(Inet, SoftwareTsoCutsAtMssAndKeepsTheStream)
{
	std::vector<std::uint8_t> payload(10000);
	for (std::size_t i = 0; i < payload.size(); i++)
		payload[i] = std::uint8_t(i * 7);
	Bytes super = build_tcp_frame(spec(), 5000, 9,
				      tcpflag::ack | tcpflag::psh | tcpflag::fin |
					      tcpflag::cwr,
				      100, {}, payload);
	auto segments = segment_frame(super, 1448);
	ASSERT_EQ(segments.size(), 7u);
	std::vector<std::uint8_t> joined;
	for (std::size_t i = 0; i < segments.size(); i++) {
		auto info = parse_frame(segments[i]);
		ASSERT_TRUE(info);
		EXPECT_TRUE(checksums_valid(segments[i])) << i;
		EXPECT_EQ(info->seq, 5000 + 1448 * i);
		bool last = i + 1 == segments.size();
		EXPECT_EQ(bool(info->tcp_flags & tcpflag::fin), last);
		EXPECT_EQ(bool(info->tcp_flags & tcpflag::psh), last);
		EXPECT_EQ(bool(info->tcp_flags & tcpflag::cwr), i == 0);
		EXPECT_LE(info->payload_len, 1448u);
		joined.insert(joined.end(),
			      segments[i].begin() + std::ptrdiff_t(info->payload_off),
			      segments[i].end());
	}
	EXPECT_EQ(joined, payload);
}

TEST(Inet, AddressesRoundTrip)
{
	EXPECT_EQ(parse_ip("10.77.0.2"), 0x0a4d0002u);
	EXPECT_FALSE(parse_ip("10.77.0.256"));
	EXPECT_FALSE(parse_ip("10.77.0"));
	EXPECT_EQ(ip_to_string(0xc0a80101), "192.168.1.1");
	std::uint8_t mac[6];
	ASSERT_TRUE(parse_mac("02:00:0a:ff:00:01", mac));
	EXPECT_EQ(mac_to_string(mac), "02:00:0a:ff:00:01");
	EXPECT_FALSE(parse_mac("02:00:0a:ff:00", mac));
}

} // namespace
} // namespace toe::testnet

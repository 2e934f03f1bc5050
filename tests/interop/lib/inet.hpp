// Ethernet/IPv4/TCP/UDP helpers for the test ports: parsing frames for
// tracing and checks, finishing checksums the engine left partial, software
// segmentation of GSO frames (what a NIC's TSO would do), and builders for
// hand-made frames. Independent of the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace toe::testnet {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_arp = 0x0806;
inline constexpr std::uint16_t ethertype_vlan = 0x8100;
inline constexpr std::uint8_t ipproto_tcp = 6;
inline constexpr std::uint8_t ipproto_udp = 17;

namespace tcpflag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
} // namespace tcpflag

inline std::uint16_t load_be16(const std::uint8_t *p)
{
	return std::uint16_t(p[0] << 8 | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t *p)
{
	return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 |
	       std::uint32_t(p[2]) << 8 | p[3];
}
inline void store_be16(std::uint8_t *p, std::uint16_t v)
{
	p[0] = std::uint8_t(v >> 8);
	p[1] = std::uint8_t(v);
}
inline void store_be32(std::uint8_t *p, std::uint32_t v)
{
	p[0] = std::uint8_t(v >> 24);
	p[1] = std::uint8_t(v >> 16);
	p[2] = std::uint8_t(v >> 8);
	p[3] = std::uint8_t(v);
}

// One's-complement sum of 16-bit big-endian words, not yet folded.
std::uint32_t csum_partial(std::span<const std::uint8_t> data,
			   std::uint32_t sum = 0);
// Folds a 32-bit sum to 16 bits and complements it.
std::uint16_t csum_fold(std::uint32_t sum);
// The pseudo-header sum for an IPv4 L4 checksum (addresses in host order).
std::uint32_t pseudo_header_sum(std::uint32_t src_ip, std::uint32_t dst_ip,
				std::uint8_t proto, std::uint32_t l4_len);

// What a frame is, as far as a test port cares. Offsets are from the start
// of the frame; nothing points into it.
struct FrameInfo {
	std::uint8_t dst_mac[6]{};
	std::uint8_t src_mac[6]{};
	std::uint16_t vlan_id = 0; // 0: untagged
	bool vlan_tagged = false;
	std::uint16_t ethertype = 0;
	std::size_t l3_off = 0;

	// IPv4 (valid when is_ipv4)
	bool is_ipv4 = false;
	std::uint32_t src_ip = 0, dst_ip = 0; // host order
	std::uint8_t proto = 0;
	std::uint16_t ip_id = 0;
	bool ip_fragment = false;
	std::size_t ip_total_len = 0;
	std::size_t l4_off = 0;

	// TCP/UDP (valid when is_tcp / is_udp)
	bool is_tcp = false, is_udp = false;
	std::uint16_t src_port = 0, dst_port = 0;
	std::uint32_t seq = 0, ack = 0;
	std::uint8_t tcp_flags = 0;
	std::uint16_t window = 0;
	std::size_t payload_off = 0;
	std::size_t payload_len = 0;
};

// Parses headers; nullopt if the frame is too short for its own headers.
std::optional<FrameInfo> parse_frame(std::span<const std::uint8_t> frame);

// One line, tcpdump-like, for traces.
std::string describe_frame(std::span<const std::uint8_t> frame);

// True if the IPv4 header checksum and the TCP/UDP checksum of a complete
// frame are right (a UDP checksum of 0 counts as right).
bool checksums_valid(std::span<const std::uint8_t> frame);

// Writes the final L4 checksum of a frame whose checksum was left partial:
// the field at csum_start + csum_offset holds the pseudo-header sum and the
// sum runs from csum_start to the end of the IP packet.
void complete_partial_checksum(Bytes &frame, std::size_t csum_start,
			       std::size_t csum_offset);

// Rewrites the IPv4 header checksum and the TCP/UDP checksum from scratch.
void fill_checksums(Bytes &frame);

// Splits a TCP frame whose payload exceeds mss into MTU-sized frames, as a
// NIC doing TSO would: sequence numbers advance, IP ids increase, FIN and
// PSH only on the last, CWR only on the first, every checksum complete.
// A UDP frame is split into datagrams of mss payload bytes (UDP GSO).
// A frame that needs no split comes back alone with checksums filled.
std::vector<Bytes> segment_frame(const Bytes &frame, std::size_t mss);

std::string ip_to_string(std::uint32_t ip_host_order);
// Parses dotted quad into host order; nullopt on bad input.
std::optional<std::uint32_t> parse_ip(const std::string &text);
std::string mac_to_string(const std::uint8_t mac[6]);
bool parse_mac(const std::string &text, std::uint8_t mac_out[6]);

// Builders for hand-made frames (fuzz seeds, negative tests).
struct FrameSpec {
	std::uint8_t dst_mac[6]{};
	std::uint8_t src_mac[6]{};
	std::uint16_t vlan_id = 0; // nonzero: 802.1Q tag
	std::uint32_t src_ip = 0, dst_ip = 0; // host order
	std::uint16_t src_port = 0, dst_port = 0;
	std::uint8_t ttl = 64;
	std::uint16_t ip_id = 0;
};
Bytes build_tcp_frame(const FrameSpec &spec, std::uint32_t seq,
		      std::uint32_t ack, std::uint8_t flags,
		      std::uint16_t window, std::span<const std::uint8_t> options,
		      std::span<const std::uint8_t> payload);
Bytes build_udp_frame(const FrameSpec &spec,
		      std::span<const std::uint8_t> payload);

} // namespace toe::testnet

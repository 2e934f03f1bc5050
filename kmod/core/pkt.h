/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Received frame parsing: Ethernet II, 802.1Q, IPv4 (header checksum
 * verified, options skipped, fragments refused), TCP and UDP (checksums
 * verified unless the port already did). The result, struct toe_pkt,
 * describes one frame's headers in host byte order and locates its payload,
 * which may span the frame's segments (GRO).
 *
 * Nothing here trusts a length or offset from the wire: every one is
 * checked against the frame before use.
 */
#ifndef TOE_PKT_H
#define TOE_PKT_H

#include "toe_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TOE_ETH_HLEN 14
#define TOE_VLAN_HLEN 4
#define TOE_ETH_P_IP 0x0800
#define TOE_ETH_P_8021Q 0x8100
#define TOE_IP_HLEN_MIN 20
#define TOE_TCP_HLEN_MIN 20
#define TOE_UDP_HLEN 8
#define TOE_ICMP_HLEN 8
#define TOE_IPPROTO_ICMP 1

/* ICMP "destination unreachable", "fragmentation needed and DF set" */
#define TOE_ICMP_DEST_UNREACH 3
#define TOE_ICMP_FRAG_NEEDED 4

/* TCP header flags (byte 13). */
#define TOE_TCPF_FIN 0x01
#define TOE_TCPF_SYN 0x02
#define TOE_TCPF_RST 0x04
#define TOE_TCPF_PSH 0x08
#define TOE_TCPF_ACK 0x10
#define TOE_TCPF_URG 0x20
#define TOE_TCPF_ECE 0x40
#define TOE_TCPF_CWR 0x80

/* The longest header chain: Ethernet, 802.1Q, IPv4 with 40 bytes of
 * options, TCP with 40 bytes of options.
 */
#define TOE_PKT_HDR_MAX (TOE_ETH_HLEN + TOE_VLAN_HLEN + 60 + 60)

/* toe_pkt_parse() results */
enum toe_parse_result {
	TOE_PARSE_OK = 0,
	TOE_PARSE_NOT_IPV4, /* not IPv4 (ARP, IPv6, ...) */
	TOE_PARSE_BAD_L2, /* runt, wrong VLAN, not our MAC */
	TOE_PARSE_BAD_IP, /* bad version, lengths, or header checksum */
	TOE_PARSE_FRAGMENT, /* an IPv4 fragment */
	TOE_PARSE_OTHER_PROTO, /* IPv4 but neither TCP nor UDP */
	TOE_PARSE_BAD_L4, /* truncated or malformed TCP/UDP header */
	TOE_PARSE_BAD_CSUM, /* TCP/UDP checksum mismatch */
	/*
	 * An ICMP "fragmentation needed" about a TCP segment: pkt->icmp says
	 * which (icmp.c). The host stack gets ICMP as well.
	 */
	TOE_PARSE_ICMP,
};

/* What an ICMP error quotes of the datagram that caused it (icmp.c). */
struct toe_pkt_icmp {
	u8 type;
	u8 code;
	u16 mtu; /* next-hop MTU (RFC 1191), 0 from older routers */
	u16 orig_len; /* the quoted IPv4 header's total length */
	u8 orig_proto;
	u32 orig_src_ip; /* the quoted datagram's addresses, host order */
	u32 orig_dst_ip;
	u16 orig_src_port;
	u16 orig_dst_port;
	u32 orig_seq; /* TCP: the quoted sequence number */
};

struct toe_pkt {
	const struct toe_rx_frame *frame;
	const u8 *eth; /* Ethernet header */
	const u8 *ip; /* IPv4 header */
	const u8 *l4; /* TCP or UDP header */
	u32 l3_off; /* offsets from the frame's first byte */
	u32 l4_off;
	u32 payload_off;
	u32 payload_len; /* L4 payload bytes, bounded by the IP length */
	u16 vlan_id; /* 0 when untagged */
	u8 has_vlan;
	u8 proto; /* TOE_PROTO_TCP or TOE_PROTO_UDP */
	u8 tos;
	u8 ttl;
	u8 ip_hdr_len;
	u8 l4_hdr_len;
	u32 src_ip; /* host order, as everywhere */
	u32 dst_ip;
	u16 src_port;
	u16 dst_port;
	u16 ip_id;
	u16 ip_total_len;
	/* TCP only */
	u32 seq;
	u32 ack;
	u16 window; /* unscaled, as on the wire */
	u16 urg_ptr;
	u8 tcp_flags; /* TOE_TCPF_* */
	u8 tcp_opts_len;
	const u8 *tcp_opts; /* options, tcp_opts_len bytes, unparsed */
	/* UDP only */
	u16 udp_len; /* the UDP header's length field */
	/* TOE_PARSE_ICMP only (proto is TOE_IPPROTO_ICMP) */
	struct toe_pkt_icmp icmp;
	/* Headers copied out when the first segment doesn't hold them all. */
	u8 hdr_copy[TOE_PKT_HDR_MAX];
};

/*
 * Parses f. pkt points into f's data and into itself: don't copy it. With a nonzero vlan_id, only frames tagged with it are
 * accepted; with 0, only untagged ones. local_mac filters unicast frames
 * for other hosts (broadcast and multicast pass). Checks the L4 checksum
 * unless f says it was verified. pkt is filled as far as parsing got.
 */
enum toe_parse_result toe_pkt_parse(const struct toe_rx_frame *f,
				    const u8 local_mac[6], u16 vlan_id,
				    struct toe_pkt *pkt);

/* The same without the L4 checksum check (classification). */
enum toe_parse_result toe_pkt_parse_headers(const struct toe_rx_frame *f,
					    const u8 local_mac[6], u16 vlan_id,
					    struct toe_pkt *pkt);

/*
 * icmp.c: parses the ICMP message at pkt->l4_off of a datagram that ends
 * at frame offset end: TOE_PARSE_ICMP for a "fragmentation needed" quoting
 * a TCP header, TOE_PARSE_OTHER_PROTO for any other ICMP message (the
 * engine has no use for it) and for one too short to quote enough.
 */
enum toe_parse_result toe_icmp_parse(struct toe_pkt *pkt, u32 end);

/* Copies payload bytes [off, off + len) into dst. 0, or -EINVAL when the
 * range is outside the payload.
 */
int toe_pkt_copy_payload(const struct toe_pkt *pkt, u32 off, void *dst,
			 u32 len);

/* Copies payload bytes [off, off + len) into host memory at moff. 0,
 * -EINVAL (outside the payload) or -EFAULT (outside the region).
 */
int toe_pkt_payload_to_mem(const struct toe_pkt *pkt, u32 off,
			   struct toe_mem *mem, u64 moff, u32 len);

/* Copies len frame bytes from frame offset off; 0 or -EINVAL. */
int toe_frame_copy(const struct toe_rx_frame *f, u32 off, void *dst,
		   u32 len);

/* Partial checksum of frame bytes [off, off + len), continuing sum as if
 * the range started at an even offset.
 */
u32 toe_frame_csum(const struct toe_rx_frame *f, u32 off, u32 len, u32 sum);

/* The TCP/UDP pseudo-header's partial sum (addresses in host order). */
u32 toe_csum_pseudo(u32 src_ip, u32 dst_ip, u8 proto, u32 l4_len);

/* The limited broadcast or a multicast group (224.0.0.0/4). */
static inline bool toe_ipv4_is_group(u32 ip)
{
	return ip == 0xffffffffu || (ip >> 28) == 0xe;
}

/*
 * Sources a SYN must never come from (RFC 1122 3.2.1.3, RFC 9293
 * 3.10.7.2): unspecified, a group, or loopback.
 */
static inline bool toe_ipv4_never_tcp_peer(u32 ip)
{
	return ip == 0 || toe_ipv4_is_group(ip) || (ip >> 24) == 127;
}

#ifdef __cplusplus
}
#endif

#endif /* TOE_PKT_H */

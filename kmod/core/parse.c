// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Received frame parsing (see pkt.h). Every offset and length taken from
 * the frame is bounded by what the frame really holds before it is used.
 */
#include "pkt.h"
#include "toe_bytes.h"

int toe_frame_copy(const struct toe_rx_frame *f, u32 off, void *dst, u32 len)
{
	u8 *out = dst;
	u32 i;

	if (off > f->len || len > f->len - off)
		return -EINVAL;
	for (i = 0; i < f->nr_segs && len; i++) {
		const struct toe_rx_seg *s = &f->segs[i];
		u32 n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = TOE_MIN(s->len - off, len);
		memcpy(out, s->data + off, n);
		out += n;
		len -= n;
		off = 0;
	}
	return len ? -EINVAL : 0;
}

u32 toe_frame_csum(const struct toe_rx_frame *f, u32 off, u32 len, u32 sum)
{
	u32 done = 0;
	u32 i;

	for (i = 0; i < f->nr_segs && done < len; i++) {
		const struct toe_rx_seg *s = &f->segs[i];
		u32 n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = TOE_MIN(s->len - off, len - done);
		sum = toe_csum_block_add(
			sum, toe_os_csum_partial(s->data + off, n, 0), done);
		done += n;
		off = 0;
	}
	return sum;
}

u32 toe_csum_pseudo(u32 src_ip, u32 dst_ip, u8 proto, u32 l4_len)
{
	u8 ph[14];

	toe_put_be32(ph, src_ip);
	toe_put_be32(ph + 4, dst_ip);
	ph[8] = 0;
	ph[9] = proto;
	toe_put_be16(ph + 10, (u16)l4_len);
	/* Lengths past 16 bits (GSO super-frames) add their high word: the
	 * one's complement sum of the two words equals the sum of the value.
	 */
	toe_put_be16(ph + 12, (u16)(l4_len >> 16));
	return toe_os_csum_partial(ph, sizeof(ph), 0);
}

int toe_pkt_copy_payload(const struct toe_pkt *pkt, u32 off, void *dst,
			 u32 len)
{
	if (off > pkt->payload_len || len > pkt->payload_len - off)
		return -EINVAL;
	return toe_frame_copy(pkt->frame, pkt->payload_off + off, dst, len);
}

int toe_pkt_payload_to_mem(const struct toe_pkt *pkt, u32 off,
			   struct toe_mem *mem, u64 moff, u32 len)
{
	const struct toe_rx_frame *f = pkt->frame;
	u32 foff;
	u32 i;
	int err;

	if (off > pkt->payload_len || len > pkt->payload_len - off)
		return -EINVAL;
	if (!toe_os_mem_range_ok(mem, moff, len))
		return -EFAULT;
	foff = pkt->payload_off + off;
	for (i = 0; i < f->nr_segs && len; i++) {
		const struct toe_rx_seg *s = &f->segs[i];
		u32 n;

		if (foff >= s->len) {
			foff -= s->len;
			continue;
		}
		n = TOE_MIN(s->len - foff, len);
		err = toe_os_mem_write(mem, moff, s->data + foff, n);
		if (err)
			return err;
		moff += n;
		len -= n;
		foff = 0;
	}
	return len ? -EINVAL : 0;
}

static bool frame_len_ok(const struct toe_rx_frame *f)
{
	u64 total = 0;
	u32 i;

	if (!f->segs || !f->nr_segs)
		return false;
	for (i = 0; i < f->nr_segs; i++) {
		if (!f->segs[i].data && f->segs[i].len)
			return false;
		total += f->segs[i].len;
	}
	return total == f->len;
}

static bool mac_is_unicast(const u8 *mac)
{
	return !(mac[0] & 1);
}

static enum toe_parse_result parse_tcp(struct toe_pkt *pkt, const u8 *h,
				       u32 end)
{
	const u8 *th;
	u32 doff;

	if (pkt->l4_off + TOE_TCP_HLEN_MIN > end)
		return TOE_PARSE_BAD_L4;
	th = h + pkt->l4_off;
	doff = (u32)(th[12] >> 4) * 4;
	if (doff < TOE_TCP_HLEN_MIN || pkt->l4_off + doff > end)
		return TOE_PARSE_BAD_L4;
	pkt->l4 = th;
	pkt->l4_hdr_len = (u8)doff;
	pkt->src_port = toe_get_be16(th);
	pkt->dst_port = toe_get_be16(th + 2);
	pkt->seq = toe_get_be32(th + 4);
	pkt->ack = toe_get_be32(th + 8);
	pkt->tcp_flags = th[13];
	pkt->window = toe_get_be16(th + 14);
	pkt->urg_ptr = toe_get_be16(th + 18);
	pkt->tcp_opts = th + TOE_TCP_HLEN_MIN;
	pkt->tcp_opts_len = (u8)(doff - TOE_TCP_HLEN_MIN);
	pkt->payload_off = pkt->l4_off + doff;
	pkt->payload_len = end - pkt->payload_off;
	return TOE_PARSE_OK;
}

static enum toe_parse_result parse_udp(struct toe_pkt *pkt, const u8 *h,
				       u32 end)
{
	const u8 *uh;
	u32 ulen;

	if (pkt->l4_off + TOE_UDP_HLEN > end)
		return TOE_PARSE_BAD_L4;
	uh = h + pkt->l4_off;
	ulen = toe_get_be16(uh + 4);
	/* The UDP length may be shorter than the IP payload (trailing
	 * bytes are ignored), never longer.
	 */
	if (ulen < TOE_UDP_HLEN || pkt->l4_off + ulen > end)
		return TOE_PARSE_BAD_L4;
	pkt->l4 = uh;
	pkt->l4_hdr_len = TOE_UDP_HLEN;
	pkt->src_port = toe_get_be16(uh);
	pkt->dst_port = toe_get_be16(uh + 2);
	pkt->udp_len = (u16)ulen;
	pkt->payload_off = pkt->l4_off + TOE_UDP_HLEN;
	pkt->payload_len = ulen - TOE_UDP_HLEN;
	return TOE_PARSE_OK;
}

static bool l4_csum_ok(const struct toe_pkt *pkt)
{
	u32 l4_len = pkt->payload_off + pkt->payload_len - pkt->l4_off;
	u32 sum;

	/* UDP over IPv4 may go without a checksum (RFC 768). */
	if (pkt->proto == TOE_PROTO_UDP && toe_get_be16(pkt->l4 + 6) == 0)
		return true;
	sum = toe_csum_pseudo(pkt->src_ip, pkt->dst_ip, pkt->proto, l4_len);
	sum = toe_frame_csum(pkt->frame, pkt->l4_off, l4_len, sum);
	return toe_os_csum_fold(sum) == 0;
}

static enum toe_parse_result parse(const struct toe_rx_frame *f,
				   const u8 local_mac[6], u16 vlan_id,
				   struct toe_pkt *pkt, bool verify_csum)
{
	const u8 *h;
	const u8 *iph;
	u32 avail; /* bytes at h */
	u32 l3;
	u32 ihl;
	u32 tot_len;
	u32 end;
	u16 ethertype;
	u16 frag;
	enum toe_parse_result res;

	memset(pkt, 0, offsetof(struct toe_pkt, hdr_copy));
	pkt->frame = f;
	if (!frame_len_ok(f) || f->len < TOE_ETH_HLEN)
		return TOE_PARSE_BAD_L2;

	/* All headers in one contiguous place: the first segment, or a copy
	 * when the port split them.
	 */
	if (f->segs[0].len >= TOE_PKT_HDR_MAX || f->segs[0].len == f->len) {
		h = f->segs[0].data;
		avail = f->segs[0].len;
	} else {
		avail = TOE_MIN(f->len, (u32)TOE_PKT_HDR_MAX);
		if (toe_frame_copy(f, 0, pkt->hdr_copy, avail))
			return TOE_PARSE_BAD_L2;
		h = pkt->hdr_copy;
	}

	pkt->eth = h;
	if (mac_is_unicast(h) && memcmp(h, local_mac, 6) != 0)
		return TOE_PARSE_BAD_L2;
	ethertype = toe_get_be16(h + 12);
	l3 = TOE_ETH_HLEN;
	if (ethertype == TOE_ETH_P_8021Q) {
		if (avail < TOE_ETH_HLEN + TOE_VLAN_HLEN)
			return TOE_PARSE_BAD_L2;
		pkt->has_vlan = 1;
		pkt->vlan_id = toe_get_be16(h + 14) & 0x0fff;
		ethertype = toe_get_be16(h + 16);
		l3 += TOE_VLAN_HLEN;
	}
	if (pkt->has_vlan ? pkt->vlan_id != vlan_id : vlan_id != 0)
		return TOE_PARSE_BAD_L2;
	if (ethertype != TOE_ETH_P_IP)
		return TOE_PARSE_NOT_IPV4;

	pkt->l3_off = l3;
	if (avail < l3 + TOE_IP_HLEN_MIN)
		return TOE_PARSE_BAD_IP;
	iph = h + l3;
	pkt->ip = iph;
	ihl = (u32)(iph[0] & 0x0f) * 4;
	tot_len = toe_get_be16(iph + 2);
	if ((iph[0] >> 4) != 4 || ihl < TOE_IP_HLEN_MIN || avail < l3 + ihl ||
	    tot_len < ihl || l3 + tot_len > f->len)
		return TOE_PARSE_BAD_IP;
	if (toe_os_ip_fast_csum(iph, ihl / 4) != 0)
		return TOE_PARSE_BAD_IP;
	pkt->ip_hdr_len = (u8)ihl;
	pkt->ip_total_len = (u16)tot_len;
	pkt->tos = iph[1];
	pkt->ip_id = toe_get_be16(iph + 4);
	pkt->ttl = iph[8];
	pkt->proto = iph[9];
	pkt->src_ip = toe_get_be32(iph + 12);
	pkt->dst_ip = toe_get_be32(iph + 16);
	frag = toe_get_be16(iph + 6);
	if (frag & 0x3fff) /* more fragments, or an offset */
		return TOE_PARSE_FRAGMENT;
	pkt->l4_off = l3 + ihl;
	if (pkt->proto == TOE_IPPROTO_ICMP) {
		end = l3 + tot_len;
		res = toe_icmp_parse(pkt, end);
		/* ICMP checksums are never offloaded: always checked. */
		if (res == TOE_PARSE_ICMP && verify_csum &&
		    toe_os_csum_fold(toe_frame_csum(f, pkt->l4_off,
						    end - pkt->l4_off, 0)))
			return TOE_PARSE_BAD_CSUM;
		return res;
	}
	if (pkt->proto != TOE_PROTO_TCP && pkt->proto != TOE_PROTO_UDP)
		return TOE_PARSE_OTHER_PROTO;

	/*
	 * Ethernet padding beyond the IP datagram is not payload. h holds at
	 * least min(len, TOE_PKT_HDR_MAX) bytes and the longest header chain
	 * fits in TOE_PKT_HDR_MAX, so headers that end within the datagram
	 * are within h.
	 */
	end = l3 + tot_len;
	if (pkt->proto == TOE_PROTO_TCP)
		res = parse_tcp(pkt, h, end);
	else
		res = parse_udp(pkt, h, end);
	if (res != TOE_PARSE_OK)
		return res;
	if (verify_csum && !(f->flags & TOE_RX_CSUM_VERIFIED) &&
	    !l4_csum_ok(pkt))
		return TOE_PARSE_BAD_CSUM;
	return TOE_PARSE_OK;
}

enum toe_parse_result toe_pkt_parse(const struct toe_rx_frame *f,
				    const u8 local_mac[6], u16 vlan_id,
				    struct toe_pkt *pkt)
{
	return parse(f, local_mac, vlan_id, pkt, true);
}

enum toe_parse_result toe_pkt_parse_headers(const struct toe_rx_frame *f,
					    const u8 local_mac[6], u16 vlan_id,
					    struct toe_pkt *pkt)
{
	return parse(f, local_mac, vlan_id, pkt, false);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Frame output: Ethernet (+802.1Q) and IPv4 headers in front of a TCP or
 * UDP header, payload fragments pointing into host memory, the L4 checksum
 * completed here or left to the port, one frame or a GSO super-frame.
 */
#include "engine_priv.h"
#include "toe_bytes.h"

#define IPV4_DF 0x4000
#define IPV4_HLEN 20
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

u32 toe_engine_mtu(const struct toe_engine *eng)
{
	return eng->cfg.mtu - IPV4_HLEN - TOE_TCP_HLEN_MIN;
}

u32 toe_engine_gso_max(const struct toe_engine *eng)
{
	if (!(eng->cfg.tx_features & TOE_TXF_GSO_TCPV4) ||
	    !(eng->cfg.tx_features & TOE_TXF_CSUM_PARTIAL))
		return 0;
	return eng->cfg.gso_max_size;
}

void toe_pkt_reply_addr(const struct toe_pkt *pkt, struct toe_l3_addr *a)
{
	a->src_ip = pkt->dst_ip;
	a->dst_ip = pkt->src_ip;
	memcpy(a->dst_mac, pkt->eth + 6, 6);
	a->reserved = 0;
}

static int output(struct toe_engine *eng, u32 src_ip, u32 dst_ip,
		  const u8 dst_mac[6], u8 tos, u8 ttl,
		  const struct toe_l4_out *l4)
{
	struct toe_tx_frame *f = &eng->tx_frame;
	u32 l2_len = eng->cfg.vlan_id ? TOE_ETH_HLEN + TOE_VLAN_HLEN :
					TOE_ETH_HLEN;
	u32 l4_len = l4->hdr_len + l4->payload_len;
	u32 csum_off = l4->proto == TOE_PROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF;
	bool partial;
	u32 frag_total = 0;
	u32 i;
	u8 *p;
	u32 sum;
	int err;

	if (l4->hdr_len < csum_off + 2 ||
	    l2_len + IPV4_HLEN + l4->hdr_len > TOE_TX_HDR_MAX ||
	    l4->nr_frags > TOE_TX_MAX_FRAGS ||
	    (l4->nr_frags && !l4->frags))
		return -EINVAL;
	for (i = 0; i < l4->nr_frags; i++) {
		const struct toe_tx_frag *fr = &l4->frags[i];

		if (!fr->mem || !toe_os_mem_range_ok(fr->mem, fr->off, fr->len))
			return -EFAULT;
		frag_total += fr->len;
	}
	if (frag_total != l4->payload_len)
		return -EINVAL;
	if (l4->gso_size) {
		if (l4->proto != TOE_PROTO_TCP || !toe_engine_gso_max(eng) ||
		    l4->payload_len > toe_engine_gso_max(eng))
			return -EINVAL;
	} else if (IPV4_HLEN + l4_len > eng->cfg.mtu) {
		return -EMSGSIZE;
	}
	if (IPV4_HLEN + l4_len > 0xffff)
		return -EMSGSIZE;

	memset(f, 0, offsetof(struct toe_tx_frame, frags));
	p = f->hdr;
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, eng->cfg.mac, 6);
	if (eng->cfg.vlan_id) {
		toe_put_be16(p + 12, TOE_ETH_P_8021Q);
		toe_put_be16(p + 14, eng->cfg.vlan_id);
		toe_put_be16(p + 16, TOE_ETH_P_IP);
	} else {
		toe_put_be16(p + 12, TOE_ETH_P_IP);
	}
	p += l2_len;
	p[0] = 0x45;
	p[1] = tos;
	toe_put_be16(p + 2, (u16)(IPV4_HLEN + l4_len));
	toe_put_be16(p + 4, eng->ip_id);
	eng->ip_id += l4->gso_size ?
			      (u16)((l4->payload_len + l4->gso_size - 1) /
				    l4->gso_size) :
			      1;
	toe_put_be16(p + 6, l4->df ? IPV4_DF : 0);
	p[8] = ttl;
	p[9] = l4->proto;
	toe_put_be32(p + 12, src_ip);
	toe_put_be32(p + 16, dst_ip);
	toe_put_csum(p + 10, toe_os_ip_fast_csum(p, 5));

	p += IPV4_HLEN;
	memcpy(p, l4->hdr, l4->hdr_len);
	p[csum_off] = 0;
	p[csum_off + 1] = 0;

	f->hdr_len = l2_len + IPV4_HLEN + l4->hdr_len;
	f->l3_off = l2_len;
	f->l4_off = l2_len + IPV4_HLEN;
	f->payload_len = l4->payload_len;
	f->nr_frags = l4->nr_frags;
	for (i = 0; i < l4->nr_frags; i++)
		f->frags[i] = l4->frags[i];

	sum = toe_csum_pseudo(src_ip, dst_ip, l4->proto, l4_len);
	partial = l4->proto == TOE_PROTO_TCP &&
		  (eng->cfg.tx_features & TOE_TXF_CSUM_PARTIAL);
	if (partial) {
		/* The port sums from csum_start and stores the complement;
		 * the field starts out as the folded pseudo-header sum.
		 */
		f->flags |= TOE_TX_CSUM_PARTIAL;
		f->csum_start = (u16)f->l4_off;
		f->csum_offset = (u16)csum_off;
		toe_put_csum(p + csum_off, (u16)~toe_os_csum_fold(sum));
	} else {
		u64 pos = l4->hdr_len;
		u16 csum;

		sum = toe_csum_add(sum, toe_os_csum_partial(p, l4->hdr_len, 0));
		for (i = 0; i < l4->nr_frags; i++) {
			const struct toe_tx_frag *fr = &l4->frags[i];

			sum = toe_csum_block_add(
				sum, toe_os_mem_csum(fr->mem, fr->off, fr->len, 0),
				pos);
			pos += fr->len;
		}
		csum = toe_os_csum_fold(sum);
		if (l4->proto == TOE_PROTO_UDP && csum == 0)
			csum = 0xffff; /* 0 would mean "no checksum" */
		toe_put_csum(p + csum_off, csum);
	}
	if (l4->gso_size) {
		f->flags |= TOE_TX_GSO_TCPV4;
		f->gso_size = l4->gso_size;
	}

	err = eng->ops.xmit(eng->port, f);
	if (err) {
		TOE_CTR_INC(eng, tx_errors);
		return err;
	}
	TOE_CTR_INC(eng, frames_out);
	TOE_CTR_ADD(eng, bytes_out, f->hdr_len + f->payload_len);
	return 0;
}

int toe_ip_output(struct toe_engine *eng, const struct toe_sock *sk,
		  const struct toe_l4_out *l4)
{
	u8 ttl = l4->ttl ? l4->ttl : sk->ttl ? sk->ttl : eng->cfg.ip_ttl;
	u8 tos = l4->tos ? l4->tos : sk->tos;

	if (!(sk->flags & TOE_SKF_L2_OK)) {
		TOE_CTR_INC(eng, tx_no_l2);
		return -EHOSTUNREACH;
	}
	return output(eng, sk->local_ip, sk->remote_ip, sk->remote_mac, tos,
		      ttl, l4);
}

int toe_ip_output_addr(struct toe_engine *eng, const struct toe_l3_addr *a,
		       const struct toe_l4_out *l4)
{
	return output(eng, a->src_ip, a->dst_ip, a->dst_mac, l4->tos,
		      l4->ttl ? l4->ttl : eng->cfg.ip_ttl, l4);
}

int toe_sock_resolve_l2(struct toe_engine *eng, struct toe_sock *sk)
{
	int err = eng->ops.resolve_l2(eng->port, sk->remote_ip,
				      sk->remote_mac);

	if (!err)
		sk->flags |= TOE_SKF_L2_OK;
	else
		sk->flags &= ~TOE_SKF_L2_OK;
	return err;
}

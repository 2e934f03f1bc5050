// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: the engine's frames onto the attached device.
 *
 * The engine builds complete headers; the payload is a list of fragments of
 * host memory (pinned application pages or the anonymous pool). When the
 * device does scatter-gather, those pages go out as skb page fragments, with
 * a page reference each (the engine keeps the region itself referenced until
 * the data is acknowledged), and no copy. Otherwise, or when the pieces
 * exceed an skb's fragment slots, the payload is copied.
 *
 * An acknowledgement ends the application's promise to leave the pages
 * alone, but a frame delivered on this host (veth, a packet tap) may sit in
 * a receive queue far longer, reading pages the application has reused.
 * Zero-copy skbs therefore carry a ubuf_info, as MSG_ZEROCOPY's do: the core
 * copies their fragments before it delivers them locally
 * (skb_orphan_frags_rx), while segmentation and real devices use the pages
 * as they are (SKBFL_DONT_ORPHAN).
 *
 * The engine is told at attach that checksums may be left partial and that
 * TCP super-frames may be handed over for segmentation: the core finishes
 * both in software for a device that cannot (validate_xmit_skb), exactly as
 * for the host's own TCP, so the device's features only decide where the
 * work happens.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/highmem.h>
#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "toe_priv.h"

/* Payloads up to this size are copied into the linear area. */
#define TOE_XMIT_LINEAR_COPY_MAX 2048u

/* Zero-copy skbs in flight: the module may only go once they are freed. */
static atomic_t toe_xmit_zc_inflight = ATOMIC_INIT(0);

static void toe_xmit_zc_done(struct sk_buff *skb, struct ubuf_info *uarg,
			     bool zerocopy_success)
{
	if (!refcount_dec_and_test(&uarg->refcnt))
		return;
	kfree(uarg);
	if (atomic_dec_and_test(&toe_xmit_zc_inflight))
		wake_up_var(&toe_xmit_zc_inflight);
}

TOE_UBUF_OPS(toe_xmit_zc_ops, toe_xmit_zc_done);

void toe_xmit_wait_inflight(void)
{
	while (!wait_var_event_timeout(&toe_xmit_zc_inflight,
				       !atomic_read(&toe_xmit_zc_inflight),
				       10 * HZ))
		pr_warn("waiting for %d zero-copy frames to be freed\n",
			atomic_read(&toe_xmit_zc_inflight));
}

static u32 toe_xmit_pieces(const struct toe_tx_frag *frag)
{
	u64 pos = frag->mem->first_off + frag->off;

	return DIV_ROUND_UP((pos & ~PAGE_MASK) + frag->len, PAGE_SIZE);
}

/*
 * The engine is trusted code, but a frame it got wrong must only cost the
 * frame. Returns the number of page pieces of the payload, or 0.
 */
static u32 toe_xmit_check(const struct toe_tx_frame *f)
{
	u64 total = 0;
	u32 pieces = 0;
	u32 i;

	if (f->hdr_len < ETH_HLEN || f->hdr_len > TOE_TX_HDR_MAX ||
	    f->l3_off < ETH_HLEN || f->l4_off <= f->l3_off ||
	    f->l4_off >= f->hdr_len || f->nr_frags > TOE_TX_MAX_FRAGS)
		return 0;
	if ((f->flags & TOE_TX_CSUM_PARTIAL) &&
	    (u32)f->csum_start + f->csum_offset + sizeof(__sum16) > f->hdr_len)
		return 0;
	if (f->gso_size && (!(f->flags & TOE_TX_GSO_TCPV4) ||
			    !(f->flags & TOE_TX_CSUM_PARTIAL)))
		return 0;
	for (i = 0; i < f->nr_frags; i++) {
		const struct toe_tx_frag *frag = &f->frags[i];

		if (!frag->mem || !frag->len ||
		    !toe_os_mem_range_ok(frag->mem, frag->off, frag->len))
			return 0;
		total += frag->len;
		pieces += toe_xmit_pieces(frag);
	}
	if (total != f->payload_len || total > GSO_LEGACY_MAX_SIZE)
		return 0;
	return pieces ? pieces : 1;
}

static int toe_xmit_attach_pages(struct sk_buff *skb,
				 const struct toe_tx_frame *f)
{
	struct ubuf_info *uarg;
	u32 i, nr = 0;

	uarg = kmalloc(sizeof(*uarg), GFP_KERNEL);
	if (!uarg)
		return -ENOMEM;
	toe_ubuf_set_complete(uarg, toe_xmit_zc_ops);
	refcount_set(&uarg->refcnt, 1);
	uarg->flags = SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN;

	for (i = 0; i < f->nr_frags; i++) {
		const struct toe_tx_frag *frag = &f->frags[i];
		const struct toe_mem *mem = frag->mem;
		u64 pos = mem->first_off + frag->off;
		u32 left = frag->len;

		while (left) {
			struct page *page = mem->pages[pos >> PAGE_SHIFT];
			u32 in_page = pos & ~PAGE_MASK;
			u32 n = min_t(u32, PAGE_SIZE - in_page, left);

			if (nr && skb_can_coalesce(skb, nr, page, in_page)) {
				skb_frag_size_add(
					&skb_shinfo(skb)->frags[nr - 1], n);
			} else {
				get_page(page);
				skb_fill_page_desc(skb, nr++, page, in_page, n);
			}
			pos += n;
			left -= n;
		}
	}
	skb->len += f->payload_len;
	skb->data_len += f->payload_len;
	skb->truesize += f->payload_len;
	/* Last: skb_can_coalesce() refuses to merge into zero-copy skbs. */
	atomic_inc(&toe_xmit_zc_inflight);
	skb_zcopy_init(skb, uarg);
	return 0;
}

static int toe_xmit_copy_linear(struct sk_buff *skb,
				const struct toe_tx_frame *f)
{
	u8 *dst = skb_put(skb, f->payload_len);
	u32 i;

	for (i = 0; i < f->nr_frags; i++) {
		const struct toe_tx_frag *frag = &f->frags[i];

		if (toe_os_mem_read(frag->mem, frag->off, dst, frag->len))
			return -EFAULT;
		dst += frag->len;
	}
	return 0;
}

/* Copies the payload into freshly allocated pages attached as frags. */
static int toe_xmit_copy_pages(struct sk_buff *skb,
			       const struct toe_tx_frame *f)
{
	u32 i, nr = 0, page_used = PAGE_SIZE;
	struct page *page = NULL;

	if (f->payload_len > MAX_SKB_FRAGS * PAGE_SIZE)
		return -EMSGSIZE;
	for (i = 0; i < f->nr_frags; i++) {
		const struct toe_tx_frag *frag = &f->frags[i];
		u64 off = frag->off;
		u32 left = frag->len;

		while (left) {
			u32 n;

			if (page_used == PAGE_SIZE) {
				page = alloc_page(GFP_KERNEL);
				if (!page)
					return -ENOMEM;
				skb_fill_page_desc(skb, nr++, page, 0, 0);
				skb->truesize += PAGE_SIZE;
				page_used = 0;
			}
			n = min_t(u32, PAGE_SIZE - page_used, left);
			if (toe_os_mem_read(
				    frag->mem, off,
				    (u8 *)page_address(page) + page_used, n))
				return -EFAULT;
			skb_frag_size_add(&skb_shinfo(skb)->frags[nr - 1], n);
			skb->len += n;
			skb->data_len += n;
			page_used += n;
			off += n;
			left -= n;
		}
	}
	return 0;
}

int toe_xmit(void *port, const struct toe_tx_frame *f)
{
	struct toe_dev *dev = port;
	struct net_device *ndev = dev->ndev;
	unsigned int headroom = LL_RESERVED_SPACE(ndev);
	bool zerocopy, linear_copy;
	struct sk_buff *skb;
	u32 pieces, linear;
	int err, rc;

	pieces = toe_xmit_check(f);
	if (!pieces) {
		dev->ctr.tx_bad_frame++;
		return -EINVAL;
	}
	zerocopy = f->payload_len && (ndev->features & NETIF_F_SG) &&
		   pieces <= MAX_SKB_FRAGS;
	linear_copy = !zerocopy && f->payload_len <= TOE_XMIT_LINEAR_COPY_MAX;
	linear = f->hdr_len + (linear_copy ? f->payload_len : 0);

	skb = alloc_skb(headroom + linear + ndev->needed_tailroom, GFP_KERNEL);
	if (!skb) {
		dev->ctr.tx_no_memory++;
		return -ENOMEM;
	}
	skb_reserve(skb, headroom);
	skb_put_data(skb, f->hdr, f->hdr_len);
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, f->l3_off);
	skb_set_transport_header(skb, f->l4_off);
	skb->protocol = eth_hdr(skb)->h_proto;

	if (zerocopy && !toe_xmit_attach_pages(skb, f)) {
		dev->ctr.tx_zerocopy++;
	} else if (f->payload_len) {
		err = linear_copy ? toe_xmit_copy_linear(skb, f) :
				    toe_xmit_copy_pages(skb, f);
		if (err) {
			kfree_skb(skb);
			dev->ctr.tx_no_memory++;
			return err;
		}
		dev->ctr.tx_copied++;
	}

	if (f->flags & TOE_TX_CSUM_PARTIAL) {
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_headroom(skb) + f->csum_start;
		skb->csum_offset = f->csum_offset;
	} else {
		skb->ip_summed = CHECKSUM_NONE;
	}
	if (f->gso_size && f->payload_len > f->gso_size) {
		skb_shinfo(skb)->gso_size = f->gso_size;
		skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
		skb_shinfo(skb)->gso_segs =
			DIV_ROUND_UP(f->payload_len, f->gso_size);
		dev->ctr.tx_gso++;
	}
	skb->dev = ndev;

	dev->ctr.tx_frames++;
	dev->ctr.tx_bytes += skb->len;
	rc = dev_queue_xmit(skb);
	if (unlikely(rc != NET_XMIT_SUCCESS) && net_xmit_eval(rc)) {
		dev->ctr.tx_drops++;
		return -ENOBUFS;
	}
	return 0;
}

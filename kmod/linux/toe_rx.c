// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: the rx_handler on the attached device, and the engine thread's
 * side of the hand-off queue.
 *
 * The rx_handler runs in softirq on any CPU. It asks the engine, read-only
 * and concurrently with the engine thread, whether the frame belongs to one
 * of its sockets or listeners (toe_engine_classify). A frame that does is
 * queued for the engine thread and consumed; anything else (ARP, ICMP,
 * other ports, frames while the queue is full of someone else's ...) is
 * passed to the host stack untouched. An ICMP "fragmentation needed"
 * about one of the engine's connections (TOE_RX_SHARE) is passed as
 * well, and a clone of it queued: the engine learns the path MTU, the
 * host's own sockets still see their errors. The queue is bounded
 * (toe_rx_queue_len): a full queue drops and counts, and TCP's
 * retransmission recovers.
 *
 * The engine sees a frame as segments over the skb's memory, starting at
 * the Ethernet header: the linear part, then each page fragment, then the
 * same for each skb on the frag list. Headers are pulled into the linear
 * part first when they are not there already.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "toe_priv.h"

/*
 * Segments of one frame view: the linear part and the fragments of the
 * head skb, plus a few frag-list members; more and the frame is
 * linearised.
 */
#define TOE_RX_SEGS_MAX (MAX_SKB_FRAGS + 8)

struct toe_rx_view {
	struct toe_rx_seg segs[TOE_RX_SEGS_MAX];
	struct toe_rx_frame frame;
};

static bool toe_rx_add_seg(struct toe_rx_view *v, const void *data, u32 len)
{
	if (!len)
		return true;
	if (v->frame.nr_segs == TOE_RX_SEGS_MAX)
		return false;
	v->segs[v->frame.nr_segs].data = data;
	v->segs[v->frame.nr_segs].len = len;
	v->frame.nr_segs++;
	v->frame.len += len;
	return true;
}

static bool toe_rx_add_skb_data(struct toe_rx_view *v, struct sk_buff *skb,
				bool head)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);
	u32 i;

	/* The head skb's view starts at its MAC header, right before data. */
	if (head) {
		if (!toe_rx_add_seg(v, skb_mac_header(skb),
				    ETH_HLEN + skb_headlen(skb)))
			return false;
	} else if (!toe_rx_add_seg(v, skb->data, skb_headlen(skb))) {
		return false;
	}
	for (i = 0; i < shinfo->nr_frags; i++) {
		const skb_frag_t *frag = &shinfo->frags[i];

		if (!toe_rx_add_seg(v, skb_frag_address(frag),
				    skb_frag_size(frag)))
			return false;
	}
	return true;
}

/* -E2BIG when the frame has more pieces than a view holds. */
static int toe_rx_view_build(struct sk_buff *skb, struct toe_rx_view *v)
{
	struct sk_buff *iter;

	v->frame.segs = v->segs;
	v->frame.nr_segs = 0;
	v->frame.len = 0;
	v->frame.flags = 0;
	/*
	 * A checksum verified by the device, or a frame from this host
	 * (veth) whose checksum was never computed: either way trusted, as
	 * the host stack would trust it.
	 */
	if (skb->ip_summed == CHECKSUM_UNNECESSARY ||
	    skb->ip_summed == CHECKSUM_PARTIAL)
		v->frame.flags |= TOE_RX_CSUM_VERIFIED;

	if (!toe_rx_add_skb_data(v, skb, true))
		return -E2BIG;
	skb_walk_frags(skb, iter) {
		if (!toe_rx_add_skb_data(v, iter, false))
			return -E2BIG;
	}
	return 0;
}

/*
 * Bytes of IPv4 and TCP/UDP headers at skb->data, or 0 when the frame is
 * nothing the engine could want. Reads only.
 */
static u32 toe_rx_header_len(const struct sk_buff *skb)
{
	const struct iphdr *iph;
	const struct tcphdr *th;
	const struct icmphdr *ich;
	struct iphdr iph_buf;
	struct tcphdr th_buf;
	struct icmphdr ich_buf;
	u32 ihl;

	iph = skb_header_pointer(skb, 0, sizeof(iph_buf), &iph_buf);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return 0;
	ihl = iph->ihl * 4;
	switch (iph->protocol) {
	case IPPROTO_TCP:
		th = skb_header_pointer(skb, ihl, sizeof(th_buf), &th_buf);
		if (!th || th->doff < 5)
			return 0;
		return ihl + th->doff * 4;
	case IPPROTO_UDP:
		return ihl + sizeof(struct udphdr);
	case IPPROTO_ICMP:
		/* Only "fragmentation needed" interests the engine. */
		ich = skb_header_pointer(skb, ihl, sizeof(ich_buf), &ich_buf);
		if (!ich || ich->type != ICMP_DEST_UNREACH ||
		    ich->code != ICMP_FRAG_NEEDED)
			return 0;
		iph = skb_header_pointer(skb, ihl + sizeof(*ich),
					 sizeof(iph_buf), &iph_buf);
		if (!iph || iph->ihl < 5)
			return 0;
		/* The quoted IPv4 header and 8 bytes of TCP. */
		return ihl + sizeof(*ich) + iph->ihl * 4 + 8;
	default:
		return 0;
	}
}

/*
 * The engine wants to read a frame the host stack keeps: a clone shares
 * the data, which neither side writes (the stack copies before it
 * modifies a cloned skb's headers). Best effort: a full queue or no
 * memory only costs the engine this one hint.
 */
static void toe_rx_queue_copy(struct toe_dev *dev, struct sk_buff *skb)
{
	struct sk_buff *copy;

	if (skb_queue_len_lockless(&dev->rxq) >= READ_ONCE(toe_rx_queue_len)) {
		atomic64_inc(&dev->rx_ctr.queue_full);
		return;
	}
	copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy) {
		atomic64_inc(&dev->rx_ctr.no_memory);
		return;
	}
	skb_queue_tail(&dev->rxq, copy);
	atomic64_inc(&dev->rx_ctr.copied);
	toe_dev_wake_for_rx(dev);
}

rx_handler_result_t toe_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct toe_dev *dev = rcu_dereference(skb->dev->rx_handler_data);
	struct toe_rx_view view;
	u32 hdr_len;
	int mine;

	if (unlikely(!dev) || skb->protocol != htons(ETH_P_IP) ||
	    skb->pkt_type == PACKET_OTHERHOST ||
	    skb->pkt_type == PACKET_LOOPBACK || skb_vlan_tag_present(skb) ||
	    !skb_mac_header_was_set(skb) ||
	    skb_mac_header(skb) + ETH_HLEN != skb->data)
		goto pass;

	hdr_len = toe_rx_header_len(skb);
	if (!hdr_len)
		goto pass;
	if (skb_headlen(skb) < hdr_len) {
		/*
		 * Pulling may reallocate the head, which only the skb's sole
		 * owner may do; a clone is cheap and leaves the other
		 * holders' copy as it was.
		 */
		skb = skb_share_check(skb, GFP_ATOMIC);
		*pskb = skb;
		if (!skb) {
			atomic64_inc(&dev->rx_ctr.no_memory);
			return RX_HANDLER_CONSUMED;
		}
		if (!pskb_may_pull(skb, hdr_len))
			goto pass;
	}
	if (toe_rx_view_build(skb, &view) == -E2BIG) {
		skb = skb_share_check(skb, GFP_ATOMIC);
		*pskb = skb;
		if (!skb || skb_linearize(skb)) {
			atomic64_inc(&dev->rx_ctr.no_memory);
			return skb ? RX_HANDLER_PASS : RX_HANDLER_CONSUMED;
		}
		if (toe_rx_view_build(skb, &view))
			goto pass;
	}

	mine = toe_engine_classify(dev->eng, &view.frame);
	if (mine == TOE_RX_SHARE) {
		toe_rx_queue_copy(dev, skb);
		goto pass;
	}
	if (mine != TOE_RX_MINE)
		goto pass;

	/* The engine reads the frame later; nobody else may change it. */
	skb = skb_share_check(skb, GFP_ATOMIC);
	*pskb = skb;
	if (!skb) {
		atomic64_inc(&dev->rx_ctr.no_memory);
		return RX_HANDLER_CONSUMED;
	}
	if (skb_queue_len_lockless(&dev->rxq) >= READ_ONCE(toe_rx_queue_len)) {
		atomic64_inc(&dev->rx_ctr.queue_full);
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	skb_queue_tail(&dev->rxq, skb);
	atomic64_inc(&dev->rx_ctr.stolen);
	toe_dev_wake_for_rx(dev);
	return RX_HANDLER_CONSUMED;

pass:
	atomic64_inc(&dev->rx_ctr.passed);
	return RX_HANDLER_PASS;
}

u32 toe_rx_process(struct toe_dev *dev, u32 budget)
{
	struct toe_rx_view view;
	struct sk_buff *skb;
	u32 n = 0;

	while (n < budget && (skb = skb_dequeue(&dev->rxq))) {
		n++;
		if (toe_rx_view_build(skb, &view) == -E2BIG) {
			dev->ctr.rx_linearized++;
			if (skb_linearize(skb) ||
			    toe_rx_view_build(skb, &view)) {
				kfree_skb(skb);
				continue;
			}
		}
		dev->ctr.rx_processed++;
		/*
		 * "Not mine" here means the socket went away since the
		 * frame was classified. The host stack never saw the frame
		 * and must not see it twice, so it is dropped; the peer's
		 * retransmission meets the new state. (A copy of an ICMP
		 * error went to the host stack as well; it is only freed.)
		 */
		if (toe_engine_input(dev->eng, &view.frame) !=
		    TOE_RX_CONSUMED) {
			dev->ctr.rx_late_not_mine++;
			kfree_skb(skb);
			continue;
		}
		consume_skb(skb);
	}
	return n;
}

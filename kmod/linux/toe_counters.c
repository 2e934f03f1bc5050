// SPDX-License-Identifier: GPL-2.0
/*
 * Counters as toectl sees them: named (name, value) pairs in a
 * TOE_A_COUNTERS nest, from the engine, the glue and each context.
 *
 * A reset zeroes the glue's and the contexts' counters and remembers a
 * baseline for the engine's, which the engine cannot reset itself (its
 * counters are read on the engine thread's terms). Gauges, which are
 * levels rather than counts, are never reset.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/netlink.h>

#include "toe_priv.h"

struct toe_counter_desc {
	const char *name;
	u16 offset;
	u8 size; /* 4 or 8 */
	bool gauge; /* a level, not a count: never reset */
};

#define TOE_ENG_CTR(f) { #f, offsetof(struct toe_engine_counters, f), \
			 sizeof_field(struct toe_engine_counters, f), false }
#define TOE_ENG_GAUGE(f) { #f, offsetof(struct toe_engine_counters, f), \
			   sizeof_field(struct toe_engine_counters, f), true }

static const struct toe_counter_desc toe_engine_ctrs[] = {
	TOE_ENG_CTR(frames_in), TOE_ENG_CTR(frames_out),
	TOE_ENG_CTR(bytes_in), TOE_ENG_CTR(bytes_out),
	TOE_ENG_CTR(not_mine), TOE_ENG_CTR(not_ipv4),
	TOE_ENG_CTR(bad_l2), TOE_ENG_CTR(bad_ip), TOE_ENG_CTR(bad_csum),
	TOE_ENG_CTR(bad_l4), TOE_ENG_CTR(fragments), TOE_ENG_CTR(no_socket),
	TOE_ENG_CTR(tx_errors), TOE_ENG_CTR(tx_no_l2),
	TOE_ENG_CTR(drop_no_buflet), TOE_ENG_CTR(drop_rx_shutdown),
	TOE_ENG_CTR(drop_udp_no_room), TOE_ENG_CTR(drop_anon_empty),
	TOE_ENG_CTR(tcp_segs_in), TOE_ENG_CTR(tcp_segs_out),
	TOE_ENG_CTR(tcp_retransmits), TOE_ENG_CTR(tcp_rst_in),
	TOE_ENG_CTR(tcp_rst_out), TOE_ENG_CTR(tcp_drops),
	TOE_ENG_CTR(udp_in), TOE_ENG_CTR(udp_out),
	TOE_ENG_CTR(bytes_placed), TOE_ENG_CTR(bytes_copied),
	TOE_ENG_CTR(bytes_parked), TOE_ENG_CTR(named_returned),
	TOE_ENG_CTR(anon_returned), TOE_ENG_CTR(events),
	TOE_ENG_CTR(timers_fired),
	TOE_ENG_GAUGE(buflets_total), TOE_ENG_GAUGE(buflets_free),
	TOE_ENG_GAUGE(buflets_in_use), TOE_ENG_GAUGE(sockets),
	TOE_ENG_GAUGE(listeners), TOE_ENG_GAUGE(time_wait),
	TOE_ENG_GAUGE(syn_queue), TOE_ENG_GAUGE(owners),
	TOE_ENG_GAUGE(socket_bytes), TOE_ENG_GAUGE(table_bytes),
};

/*
 * TCP in detail, from the engine's struct toe_tcp_stats; the counts the
 * table above already has (segments, retransmissions, RSTs) are left out.
 */
#define TOE_TCP_CTR(f) { "tcp_" #f, \
			 offsetof(struct toe_engine_counters, tcp.f), 8, false }

static const struct toe_counter_desc toe_tcp_ctrs[] = {
	TOE_TCP_CTR(fast_retransmits), TOE_TCP_CTR(timeouts),
	TOE_TCP_CTR(dupacks_in), TOE_TCP_CTR(ooo_segs_in),
	TOE_TCP_CTR(dup_segs_in), TOE_TCP_CTR(challenge_acks),
	TOE_TCP_CTR(challenge_acks_suppressed),
	TOE_TCP_CTR(oow_acks_suppressed), TOE_TCP_CTR(paws_drops),
	TOE_TCP_CTR(bad_acks), TOE_TCP_CTR(window_probes),
	TOE_TCP_CTR(keepalive_probes), TOE_TCP_CTR(delayed_acks),
	TOE_TCP_CTR(active_opens), TOE_TCP_CTR(passive_opens),
	TOE_TCP_CTR(connect_failures), TOE_TCP_CTR(resets),
	TOE_TCP_CTR(aborts_timeout), TOE_TCP_CTR(syncookies_sent),
	TOE_TCP_CTR(syncookies_ok), TOE_TCP_CTR(syncookies_failed),
	TOE_TCP_CTR(listen_drops), TOE_TCP_CTR(time_wait_recycled),
	TOE_TCP_CTR(closed_port_rsts), TOE_TCP_CTR(sack_blocks_in),
	TOE_TCP_CTR(dsacks_in), TOE_TCP_CTR(sack_blocks_out),
	TOE_TCP_CTR(dsacks_out), TOE_TCP_CTR(sack_recoveries),
	TOE_TCP_CTR(rack_marked_lost), TOE_TCP_CTR(tlp_probes),
	TOE_TCP_CTR(tlp_recoveries), TOE_TCP_CTR(sack_work_max),
	TOE_TCP_CTR(pmtu_icmp_in), TOE_TCP_CTR(pmtu_icmp_ignored),
	TOE_TCP_CTR(pmtu_reductions), TOE_TCP_CTR(plpmtud_probes),
	TOE_TCP_CTR(plpmtud_probe_acked), TOE_TCP_CTR(plpmtud_probes_lost),
	TOE_TCP_CTR(plpmtud_blackholes),
};

#define TOE_DEV_CTR(f) { "glue_" #f, offsetof(struct toe_dev_counters, f), 8, \
			 false }

static const struct toe_counter_desc toe_dev_ctrs[] = {
	TOE_DEV_CTR(rx_processed), TOE_DEV_CTR(rx_late_not_mine),
	TOE_DEV_CTR(rx_linearized), TOE_DEV_CTR(tx_frames),
	TOE_DEV_CTR(tx_bytes), TOE_DEV_CTR(tx_zerocopy),
	TOE_DEV_CTR(tx_copied), TOE_DEV_CTR(tx_gso), TOE_DEV_CTR(tx_drops),
	TOE_DEV_CTR(tx_no_memory), TOE_DEV_CTR(tx_bad_frame),
	TOE_DEV_CTR(l2_resolved), TOE_DEV_CTR(l2_pending),
	TOE_DEV_CTR(l2_unreachable), TOE_DEV_CTR(ports_reserved),
	TOE_DEV_CTR(ports_busy), TOE_DEV_CTR(ports_denied),
	TOE_DEV_CTR(events), TOE_DEV_CTR(events_no_owner),
	TOE_DEV_CTR(wakeups), TOE_DEV_CTR(polls),
	TOE_DEV_CTR(inline_kicks), TOE_DEV_CTR(inline_waits),
	TOE_DEV_CTR(inline_rounds), TOE_DEV_CTR(inline_handoffs),
	TOE_DEV_CTR(idle_polls), TOE_DEV_CTR(idle_poll_hits),
};

#define TOE_CTX_CTR(f) { #f, offsetof(struct toe_ctx_counters, f), 8, false }

static const struct toe_counter_desc toe_ctx_ctrs[] = {
	TOE_CTX_CTR(sqes), TOE_CTX_CTR(sqe_errors), TOE_CTX_CTR(sq_bad_tail),
	TOE_CTX_CTR(cqes), TOE_CTX_CTR(cq_bad_head),
	TOE_CTX_CTR(cq_overflowed), TOE_CTX_CTR(cq_dropped),
	TOE_CTX_CTR(events_unknown),
};

static u64 toe_counter_read(const struct toe_counter_desc *d, const void *base)
{
	const u8 *p = (const u8 *)base + d->offset;

	return d->size == 8 ? *(const u64 *)p : *(const u32 *)p;
}

static int toe_put_counter(struct sk_buff *skb, const char *name, u64 value)
{
	struct nlattr *nest = nla_nest_start(skb, TOE_A_COUNTER);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, TOE_A_COUNTER_NAME, name) ||
	    nla_put_u64_64bit(skb, TOE_A_COUNTER_VALUE, value, TOE_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int toe_put_counter_table(struct sk_buff *skb,
				 const struct toe_counter_desc *table,
				 size_t n, const void *now, const void *base)
{
	size_t i;

	for (i = 0; i < n; i++) {
		u64 v = toe_counter_read(&table[i], now);

		if (base && !table[i].gauge)
			v -= toe_counter_read(&table[i], base);
		if (toe_put_counter(skb, table[i].name, v))
			return -EMSGSIZE;
	}
	return 0;
}

/*
 * Engine counter baselines left by COUNTERS_RESET, keyed by the engine
 * object; an engine's entry goes when it detaches.
 */
struct toe_ctr_base {
	struct list_head node;
	const struct toe_dev *dev;
	struct toe_engine_counters base;
};

static LIST_HEAD(toe_ctr_bases);
static DEFINE_MUTEX(toe_ctr_bases_lock);

/* toe_ctr_bases_lock held. */
static struct toe_ctr_base *toe_ctr_base_find(const struct toe_dev *dev)
{
	struct toe_ctr_base *b;

	list_for_each_entry(b, &toe_ctr_bases, node)
		if (b->dev == dev)
			return b;
	return NULL;
}

void toe_counters_forget(const struct toe_dev *dev)
{
	struct toe_ctr_base *b;

	mutex_lock(&toe_ctr_bases_lock);
	b = toe_ctr_base_find(dev);
	if (b) {
		list_del(&b->node);
		kfree(b);
	}
	mutex_unlock(&toe_ctr_bases_lock);
}

/*
 * The TOE_A_COUNTERS nest of an engine: the engine's counters less the
 * baseline of the last reset, then the glue's. dev->lock held.
 */
int toe_counters_put_dev(struct sk_buff *skb, struct toe_dev *dev)
{
	struct toe_engine_counters c = {};
	struct toe_dev_counters glue;
	struct toe_ctr_base *base;
	struct nlattr *nest;
	int err;

	if (dev->eng)
		toe_engine_get_counters(dev->eng, &c);
	glue = dev->ctr;
	nest = nla_nest_start(skb, TOE_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	mutex_lock(&toe_ctr_bases_lock);
	base = toe_ctr_base_find(dev);
	err = toe_put_counter_table(skb, toe_engine_ctrs,
				    ARRAY_SIZE(toe_engine_ctrs), &c,
				    base ? &base->base : NULL);
	if (!err)
		err = toe_put_counter_table(skb, toe_tcp_ctrs,
					    ARRAY_SIZE(toe_tcp_ctrs), &c,
					    base ? &base->base : NULL);
	mutex_unlock(&toe_ctr_bases_lock);
	if (err ||
	    toe_put_counter_table(skb, toe_dev_ctrs, ARRAY_SIZE(toe_dev_ctrs),
				  &glue, NULL) ||
	    toe_put_counter(skb, "glue_rx_stolen",
			    atomic64_read(&dev->rx_ctr.stolen)) ||
	    toe_put_counter(skb, "glue_rx_passed",
			    atomic64_read(&dev->rx_ctr.passed)) ||
	    toe_put_counter(skb, "glue_rx_queue_full",
			    atomic64_read(&dev->rx_ctr.queue_full)) ||
	    toe_put_counter(skb, "glue_rx_no_memory",
			    atomic64_read(&dev->rx_ctr.no_memory)) ||
	    toe_put_counter(skb, "glue_rx_copied",
			    atomic64_read(&dev->rx_ctr.copied)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The TOE_A_COUNTERS nest of an application context. */
int toe_counters_put_ctx(struct sk_buff *skb, struct toe_ctx *ctx)
{
	struct nlattr *nest = nla_nest_start(skb, TOE_A_COUNTERS);

	if (!nest ||
	    toe_put_counter_table(skb, toe_ctx_ctrs, ARRAY_SIZE(toe_ctx_ctrs),
				  &ctx->ctr, NULL) ||
	    toe_put_counter(skb, "kicks", atomic64_read(&ctx->kicks)) ||
	    toe_put_counter(skb, "waits", atomic64_read(&ctx->waits)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Zeroes the glue's and the contexts' counters and takes a baseline of the
 * engine's. dev->lock held.
 */
int toe_counters_reset(struct toe_dev *dev)
{
	struct toe_ctr_base *b;
	struct toe_ctx *ctx;

	memset(&dev->ctr, 0, sizeof(dev->ctr));
	atomic64_set(&dev->rx_ctr.stolen, 0);
	atomic64_set(&dev->rx_ctr.passed, 0);
	atomic64_set(&dev->rx_ctr.queue_full, 0);
	atomic64_set(&dev->rx_ctr.no_memory, 0);
	atomic64_set(&dev->rx_ctr.copied, 0);
	list_for_each_entry(ctx, &dev->ctxs, dev_node) {
		memset(&ctx->ctr, 0, sizeof(ctx->ctr));
		atomic64_set(&ctx->kicks, 0);
		atomic64_set(&ctx->waits, 0);
	}
	if (!dev->eng)
		return 0;

	mutex_lock(&toe_ctr_bases_lock);
	b = toe_ctr_base_find(dev);
	if (!b) {
		b = kzalloc(sizeof(*b), GFP_KERNEL);
		if (!b) {
			mutex_unlock(&toe_ctr_bases_lock);
			return -ENOMEM;
		}
		b->dev = dev;
		list_add(&b->node, &toe_ctr_bases);
	}
	toe_engine_get_counters(dev->eng, &b->base);
	mutex_unlock(&toe_ctr_bases_lock);
	return 0;
}

/* Module unload: no engine is left, and no dump can run any more. */
void toe_counters_forget_all(void)
{
	struct toe_ctr_base *b, *tmp;

	mutex_lock(&toe_ctr_bases_lock);
	list_for_each_entry_safe(b, tmp, &toe_ctr_bases, node) {
		list_del(&b->node);
		kfree(b);
	}
	mutex_unlock(&toe_ctr_bases_lock);
}

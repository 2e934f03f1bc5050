// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The engine object: configuration, creation and teardown, frame
 * classification and input, timers.
 */
#include "engine_priv.h"

void toe_engine_config_defaults(struct toe_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mtu = 1500;
	cfg->buflet_count = 16384;
	cfg->buflet_size = 2048;
	cfg->sock_buflets_max = 512;
	cfg->max_sockets = 4096;
	cfg->syn_queue_max = 1024;
	cfg->time_wait_max = 4096;
	cfg->sock_named_max = 256;
	cfg->sock_send_max = 1024;
	cfg->sock_accept_max = 256;
	cfg->owner_anon_max = 4096;
	cfg->ephemeral_port_min = 32768;
	cfg->ephemeral_port_max = 60999;
	cfg->ip_ttl = 64;
	cfg->congestion = TOE_CC_CUBIC;
}

static int config_check(const struct toe_engine_config *c)
{
	u32 i;

	if (c->mtu < 68 || c->mtu > 65535)
		return -EINVAL;
	if (c->vlan_id > 4094)
		return -EINVAL;
	if (c->nr_local_ips > TOE_MAX_LOCAL_IPS)
		return -EINVAL;
	for (i = 0; i < c->nr_local_ips; i++)
		if (!c->local_ips[i])
			return -EINVAL;
	if (!c->buflet_count || c->buflet_size < 256 ||
	    c->buflet_size > 65536 || !c->sock_buflets_max)
		return -EINVAL;
	if ((u64)c->buflet_count * c->buflet_size > (1ull << 32))
		return -EINVAL;
	if (!c->max_sockets || c->max_sockets > TOE_MAX_SOCKETS_LIMIT)
		return -EINVAL;
	if (!c->sock_named_max || !c->sock_send_max || !c->sock_accept_max)
		return -EINVAL;
	if (!c->ephemeral_port_min ||
	    c->ephemeral_port_min > c->ephemeral_port_max)
		return -EINVAL;
	if (c->gso_max_size > 65535)
		return -EINVAL;
	if (c->mac[0] & 1) /* multicast source MAC */
		return -EINVAL;
	if (c->congestion != TOE_CC_NEWRENO && c->congestion != TOE_CC_CUBIC)
		return -EINVAL;
	return 0;
}

static u32 pow2_at_least(u32 n, u32 min)
{
	u32 p = min;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

/* splitmix64 over the engine's own state: reproducible under a seed. */
u32 toe_engine_random32(struct toe_engine *eng)
{
	u64 z = (eng->prng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (u32)((z ^ (z >> 31)) >> 16);
}

int toe_engine_create(const struct toe_engine_config *cfg,
		      const struct toe_port_ops *ops, void *port,
		      struct toe_engine **out)
{
	struct toe_engine *eng;
	u32 i;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg || !ops || !ops->xmit || !ops->event || !ops->resolve_l2)
		return -EINVAL;
	err = config_check(cfg);
	if (err)
		return err;
	eng = toe_os_zalloc(sizeof(*eng));
	if (!eng)
		return -ENOMEM;
	eng->cfg = *cfg;
	if (!eng->cfg.ip_ttl)
		eng->cfg.ip_ttl = 64;
	eng->ops = *ops;
	eng->port = port;

	if (cfg->random_seed)
		eng->prng_state = cfg->random_seed;
	else
		toe_os_random_bytes(&eng->prng_state, sizeof(eng->prng_state));
	if (!cfg->isn_secret[0] && !cfg->isn_secret[1])
		toe_os_random_bytes(eng->cfg.isn_secret,
				    sizeof(eng->cfg.isn_secret));
	eng->hash_seed = toe_engine_random32(eng);
	eng->ip_id = (u16)toe_engine_random32(eng);
	for (i = 0; i < cfg->nr_local_ips; i++)
		eng->local_ips[i] = cfg->local_ips[i];
	eng->nr_local_ips = cfg->nr_local_ips;

	err = -ENOMEM;
	/* Slot 0 is never used, so a handle is never 0. */
	eng->nr_slots = cfg->max_sockets + 1;
	eng->slots = toe_os_zalloc(eng->nr_slots * sizeof(*eng->slots));
	eng->slot_gen = toe_os_zalloc(eng->nr_slots * sizeof(*eng->slot_gen));
	eng->slot_free = toe_os_zalloc(eng->nr_slots * sizeof(*eng->slot_free));
	if (!eng->slots || !eng->slot_gen || !eng->slot_free)
		goto fail;
	for (i = eng->nr_slots - 1; i >= 1; i--) {
		eng->slot_gen[i] = 1;
		eng->slot_free[eng->slot_free_top++] = i;
	}

	eng->flow_mask = pow2_at_least(cfg->max_sockets * 2, 64) - 1;
	eng->bind_mask = pow2_at_least(cfg->max_sockets, 64) - 1;
	eng->flow_buckets = toe_os_zalloc(((size_t)eng->flow_mask + 1) *
					  sizeof(*eng->flow_buckets));
	eng->bind_buckets = toe_os_zalloc(((size_t)eng->bind_mask + 1) *
					  sizeof(*eng->bind_buckets));
	if (!eng->flow_buckets || !eng->bind_buckets)
		goto fail;
	err = toe_buflet_pool_init(&eng->buflets, cfg->buflet_count,
				   cfg->buflet_size);
	if (err)
		goto fail;
	err = toe_owners_init(eng);
	if (err)
		goto fail;
	toe_wheel_init(&eng->wheel, toe_os_now_us());
	toe_tcp_engine_init(eng);
	*out = eng;
	return 0;
fail:
	toe_buflet_pool_destroy(&eng->buflets);
	toe_os_free(eng->flow_buckets);
	toe_os_free(eng->bind_buckets);
	toe_os_free(eng->slots);
	toe_os_free(eng->slot_gen);
	toe_os_free(eng->slot_free);
	toe_os_free(eng);
	return err;
}

void toe_engine_destroy(struct toe_engine *eng)
{
	if (!eng)
		return;
	eng->quiet = true;
	toe_sock_free_all(eng);
	toe_owners_destroy(eng);
	/* Sockets wait out readers that may still hold them. */
	toe_os_synchronize_rcu();
	toe_os_rcu_barrier();
	toe_buflet_pool_destroy(&eng->buflets);
	toe_os_free(eng->flow_buckets);
	toe_os_free(eng->bind_buckets);
	toe_os_free(eng->slots);
	toe_os_free(eng->slot_gen);
	toe_os_free(eng->slot_free);
	toe_os_free(eng);
}

bool toe_engine_is_local_ip(const struct toe_engine *eng, u32 ip)
{
	u32 i;

	for (i = 0; i < eng->nr_local_ips; i++)
		if (eng->local_ips[i] == ip)
			return true;
	return false;
}

int toe_engine_add_local_ip(struct toe_engine *eng, u32 ip)
{
	if (!ip)
		return -EINVAL;
	if (toe_engine_is_local_ip(eng, ip))
		return -EEXIST;
	if (eng->nr_local_ips >= TOE_MAX_LOCAL_IPS)
		return -ENOSPC;
	TOE_WRITE_ONCE(eng->local_ips[eng->nr_local_ips], ip);
	TOE_WRITE_ONCE(eng->nr_local_ips, eng->nr_local_ips + 1);
	return 0;
}

int toe_engine_del_local_ip(struct toe_engine *eng, u32 ip)
{
	u32 i;

	for (i = 0; i < eng->nr_local_ips; i++) {
		if (eng->local_ips[i] != ip)
			continue;
		/* Keep the array dense for concurrent readers: the last
		 * address moves into the hole, then the count drops.
		 */
		TOE_WRITE_ONCE(eng->local_ips[i],
			       eng->local_ips[eng->nr_local_ips - 1]);
		TOE_WRITE_ONCE(eng->nr_local_ips, eng->nr_local_ips - 1);
		return 0;
	}
	return -ENOENT;
}

int toe_engine_classify(const struct toe_engine *eng,
			const struct toe_rx_frame *f)
{
	struct toe_pkt pkt;
	enum toe_parse_result res;

	if (!f)
		return TOE_RX_NOT_MINE;
	res = toe_pkt_parse_headers(f, eng->cfg.mac, eng->cfg.vlan_id, &pkt);
	if (res == TOE_PARSE_ICMP)
		return toe_icmp_classify(eng, &pkt);
	if (res != TOE_PARSE_OK)
		return TOE_RX_NOT_MINE;
	return toe_flow_classify(eng, &pkt) ? TOE_RX_MINE : TOE_RX_NOT_MINE;
}

static int not_mine(struct toe_engine *eng)
{
	TOE_CTR_INC(eng, not_mine);
	return TOE_RX_NOT_MINE;
}

int toe_engine_input(struct toe_engine *eng, const struct toe_rx_frame *f)
{
	struct toe_pkt pkt;
	struct toe_sock *sk;
	enum toe_parse_result res;

	if (!f)
		return TOE_RX_NOT_MINE;
	TOE_CTR_INC(eng, frames_in);
	TOE_CTR_ADD(eng, bytes_in, f->len);
	res = toe_pkt_parse(f, eng->cfg.mac, eng->cfg.vlan_id, &pkt);
	switch (res) {
	case TOE_PARSE_OK:
		break;
	case TOE_PARSE_NOT_IPV4:
		TOE_CTR_INC(eng, not_ipv4);
		return not_mine(eng);
	case TOE_PARSE_BAD_L2:
		TOE_CTR_INC(eng, bad_l2);
		return not_mine(eng);
	case TOE_PARSE_BAD_IP:
		TOE_CTR_INC(eng, bad_ip);
		return not_mine(eng);
	case TOE_PARSE_FRAGMENT:
		TOE_CTR_INC(eng, fragments);
		return not_mine(eng);
	case TOE_PARSE_OTHER_PROTO:
		return not_mine(eng);
	case TOE_PARSE_ICMP:
		if (toe_icmp_input(eng, &pkt) == TOE_RX_CONSUMED)
			return TOE_RX_CONSUMED;
		TOE_CTR_INC(eng, no_socket);
		return not_mine(eng);
	case TOE_PARSE_BAD_L4:
		TOE_CTR_INC(eng, bad_l4);
		return not_mine(eng);
	case TOE_PARSE_BAD_CSUM:
		/* Ours if it names one of our flows: then it is dropped
		 * here (classify stole it already).
		 */
		TOE_CTR_INC(eng, bad_csum);
		if (toe_flow_classify(eng, &pkt))
			return TOE_RX_CONSUMED;
		return not_mine(eng);
	}

	sk = toe_flow_lookup(eng, pkt.proto, pkt.dst_ip, pkt.dst_port,
			     pkt.src_ip, pkt.src_port);
	if (sk) {
		if (pkt.proto == TOE_PROTO_TCP) {
			TOE_CTR_INC(eng, tcp_segs_in);
			toe_tcp_input(eng, sk, &pkt);
		} else {
			toe_udp_input(eng, sk, &pkt);
		}
		return TOE_RX_CONSUMED;
	}
	sk = toe_listener_lookup(eng, pkt.proto, pkt.dst_ip, pkt.dst_port);
	if (sk) {
		if (pkt.proto == TOE_PROTO_TCP) {
			TOE_CTR_INC(eng, tcp_segs_in);
			toe_tcp_listen_input(eng, sk, &pkt);
		} else {
			toe_udp_input(eng, sk, &pkt);
		}
		return TOE_RX_CONSUMED;
	}
	TOE_CTR_INC(eng, no_socket);
	if (toe_bind_lookup(eng, pkt.proto, pkt.dst_ip, pkt.dst_port)) {
		/* A port of ours with nobody taking this: TCP answers as
		 * CLOSED does; a datagram for a connected UDP socket from
		 * someone else is dropped.
		 */
		if (pkt.proto == TOE_PROTO_TCP)
			toe_tcp_reject(eng, &pkt);
		return TOE_RX_CONSUMED;
	}
	return not_mine(eng);
}

void toe_engine_poll(struct toe_engine *eng)
{
	u32 ran = toe_wheel_run(&eng->wheel, toe_os_now_us(), eng);

	TOE_CTR_ADD(eng, timers_fired, ran);
}

u64 toe_engine_next_deadline_us(struct toe_engine *eng)
{
	u64 t = toe_wheel_next_expiry(&eng->wheel);

	return t == ~0ull ? TOE_DEADLINE_NONE : t;
}

void toe_engine_get_config(const struct toe_engine *eng,
			   struct toe_engine_config *cfg)
{
	*cfg = eng->cfg;
	/* The keys stay inside the engine. */
	memset(cfg->isn_secret, 0, sizeof(cfg->isn_secret));
	cfg->random_seed = 0;
}

void toe_engine_get_counters(const struct toe_engine *eng,
			     struct toe_engine_counters *c)
{
	*c = eng->ctr;
	c->buflets_total = eng->buflets.count;
	c->buflets_free = eng->buflets.free;
	c->buflets_in_use = eng->buflets.count - eng->buflets.free;
	c->sockets = eng->nr_sockets;
	c->listeners = eng->nr_listeners;
	c->time_wait = eng->time_wait;
	c->syn_queue = eng->syn_queue;
	c->owners = eng->nr_owners;
	c->socket_bytes = (u64)eng->nr_sockets * sizeof(struct toe_sock);
	c->table_bytes =
		(u64)eng->nr_slots * (sizeof(*eng->slots) +
				      sizeof(*eng->slot_gen) +
				      sizeof(*eng->slot_free)) +
		((u64)eng->flow_mask + 1) * sizeof(*eng->flow_buckets) +
		((u64)eng->bind_mask + 1) * sizeof(*eng->bind_buckets);
	c->tcp = eng->tcp.stats;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The RFC 6528 ISN generator and the timestamp offset, on top of the OS
 * shim's SipHash-2-4.
 */
#include "tcp_isn.h"

/* Domain separation: one key serves several independent functions. */
#define ISN_DOMAIN_ISN 0x69736e00u
#define ISN_DOMAIN_TS 0x74736f00u

u64 toe_tcp_siphash(const struct toe_tcp_secret *key, const u64 *words,
		    u32 n)
{
	const u64 k[2] = { key->k0, key->k1 };

	return toe_os_siphash(words, (size_t)n * sizeof(u64), k);
}

static u64 tuple_hash(const struct toe_tcp_secret *key, u32 domain,
		      const struct toe_tcp_tuple *t)
{
	u64 w[2];

	w[0] = ((u64)domain << 32) | t->laddr;
	w[1] = ((u64)t->raddr << 32) | ((u32)t->lport << 16) | t->rport;
	return toe_tcp_siphash(key, w, 2);
}

u32 toe_tcp_isn(const struct toe_tcp_secret *key,
		const struct toe_tcp_tuple *t, u64 now_us)
{
	return (u32)(now_us >> 2) + (u32)tuple_hash(key, ISN_DOMAIN_ISN, t);
}

u32 toe_tcp_ts_offset(const struct toe_tcp_secret *key,
		      const struct toe_tcp_tuple *t)
{
	return (u32)tuple_hash(key, ISN_DOMAIN_TS, t);
}

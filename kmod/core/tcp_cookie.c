// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SYN cookie encoding and checking; the layout is in tcp_cookie.h.
 */
#include "tcp_cookie.h"
#include "tcp_options.h"

#define COOKIE_DOMAIN 0x636f6f6bu
#define COOKIE_MAC_MASK 0x00ffffffu
#define COOKIE_SLOTS 32u

/* Common MSS values (IPv4 over Ethernet, tunnels, jumbo), ascending. */
static const u16 cookie_mss_table[8] = {
	216, 536, 1024, 1220, 1300, 1440, 1460, 8960,
};

static u32 cookie_mss_index(u16 mss)
{
	u32 i;

	for (i = 7; i > 0; i--)
		if (cookie_mss_table[i] <= mss)
			return i;
	return 0;
}

u16 toe_tcp_cookie_mss_round(u16 mss)
{
	return cookie_mss_table[cookie_mss_index(mss)];
}

static u32 cookie_mac(const struct toe_tcp_secret *key,
		      const struct toe_tcp_tuple *t, u32 peer_isn, u32 slot,
		      u32 mss_index)
{
	u64 w[3];

	w[0] = ((u64)COOKIE_DOMAIN << 32) | (slot << 8) | mss_index;
	w[1] = ((u64)t->laddr << 32) | t->raddr;
	w[2] = ((u64)peer_isn << 32) | ((u32)t->lport << 16) | t->rport;
	return (u32)toe_tcp_siphash(key, w, 3) & COOKIE_MAC_MASK;
}

static u32 cookie_slot(u64 now_us)
{
	return (u32)(now_us >> TOE_TCP_COOKIE_SLOT_SHIFT) % COOKIE_SLOTS;
}

u32 toe_tcp_cookie_make(const struct toe_tcp_secret *key,
			const struct toe_tcp_tuple *t, u32 peer_isn,
			u16 peer_mss, u64 now_us)
{
	u32 slot = cookie_slot(now_us);
	u32 idx = cookie_mss_index(peer_mss);

	return (slot << 27) | (idx << 24) |
	       cookie_mac(key, t, peer_isn, slot, idx);
}

u16 toe_tcp_cookie_check(const struct toe_tcp_secret *key,
			 const struct toe_tcp_tuple *t, u32 peer_isn,
			 u32 cookie, u64 now_us)
{
	u32 slot = cookie >> 27;
	u32 idx = (cookie >> 24) & 7;
	u32 age = (cookie_slot(now_us) - slot) % COOKIE_SLOTS;

	if (age > 1)
		return 0;
	if (cookie_mac(key, t, peer_isn, slot, idx) !=
	    (cookie & COOKIE_MAC_MASK))
		return 0;
	return cookie_mss_table[idx];
}

u32 toe_tcp_cookie_tsval(u32 ts_now, u8 wscale, bool sack_ok)
{
	u32 mask = (1u << TOE_TCP_COOKIE_TS_BITS) - 1;
	u32 bits = (wscale > TOE_TCP_MAX_WSCALE ? TOE_TCP_COOKIE_NO_WSCALE :
						   wscale) |
		   (sack_ok ? 0x10u : 0);

	return ((ts_now - (mask + 1)) & ~mask) | bits;
}

void toe_tcp_cookie_ts_decode(u32 tsecr, u8 *wscale, bool *sack_ok)
{
	*wscale = tsecr & 0xf;
	*sack_ok = (tsecr & 0x10) != 0;
}

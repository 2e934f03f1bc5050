// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * toe OS shim, user-space side. Deterministic by design: the clock moves
 * only when told to and the random generator starts from a fixed seed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "toe_os.h"

static void default_warn_hook(const char *file, int line, const char *cond)
{
	abort();
}

void (*toe_user_warn_hook)(const char *file, int line,
			   const char *cond) = default_warn_hook;

void toe_user_warn(const char *file, int line, const char *cond)
{
	fprintf(stderr, "toe: WARNING at %s:%d: %s\n", file, line, cond);
	if (toe_user_warn_hook)
		toe_user_warn_hook(file, line, cond);
}

void *toe_os_zalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void toe_os_free(void *p)
{
	free(p);
}

/* Starts at one second so that "time zero" never means "unset". */
static u64 user_clock_us = 1000000;

u64 toe_os_now_us(void)
{
	return __atomic_load_n(&user_clock_us, __ATOMIC_RELAXED);
}

void toe_user_clock_set(u64 us)
{
	__atomic_store_n(&user_clock_us, us, __ATOMIC_RELAXED);
}

void toe_user_clock_advance(u64 us)
{
	__atomic_fetch_add(&user_clock_us, us, __ATOMIC_RELAXED);
}

/* splitmix64: small, fast, and every seed gives a full-period stream. */
static u64 user_random_state = 0x746f652d72616e64ull;

static u64 splitmix64(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void toe_user_random_seed(u64 seed)
{
	user_random_state = seed;
}

void toe_os_random_bytes(void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		u64 r = splitmix64(&user_random_state);
		size_t n = len < sizeof(r) ? len : sizeof(r);

		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}

static inline u32 rol32(u32 x, unsigned int r)
{
	return (x << r) | (x >> (32 - r));
}

/* A 3-word mix with full avalanche (murmur3's finaliser per word). */
u32 toe_os_hash_3words(u32 a, u32 b, u32 c, u32 seed)
{
	u32 h = seed ^ 0x9747b28cu;
	u32 w[3] = { a, b, c };
	int i;

	for (i = 0; i < 3; i++) {
		u32 k = w[i] * 0xcc9e2d51u;

		k = rol32(k, 15) * 0x1b873593u;
		h ^= k;
		h = rol32(h, 13) * 5 + 0xe6546b64u;
	}
	h ^= 12;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* SipHash-2-4 (Aumasson, Bernstein), the same PRF the kernel offers. */
static inline u64 rol64(u64 x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

#define SIPROUND(v0, v1, v2, v3)                                      \
	do {                                                          \
		v0 += v1;                                             \
		v1 = rol64(v1, 13) ^ v0;                              \
		v0 = rol64(v0, 32);                                   \
		v2 += v3;                                             \
		v3 = rol64(v3, 16) ^ v2;                              \
		v0 += v3;                                             \
		v3 = rol64(v3, 21) ^ v0;                              \
		v2 += v1;                                             \
		v1 = rol64(v1, 17) ^ v2;                              \
		v2 = rol64(v2, 32);                                   \
	} while (0)

static u64 load_le64(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

u64 toe_os_siphash(const void *data, size_t len, const u64 key[2])
{
	const u8 *p = data;
	u64 v0 = 0x736f6d6570736575ull ^ key[0];
	u64 v1 = 0x646f72616e646f6dull ^ key[1];
	u64 v2 = 0x6c7967656e657261ull ^ key[0];
	u64 v3 = 0x7465646279746573ull ^ key[1];
	u64 b = (u64)len << 56;
	size_t left = len & 7;
	const u8 *end = p + len - left;
	size_t i;

	for (; p != end; p += 8) {
		u64 m = load_le64(p);

		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (u64)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * RFC 1071 sum of 16-bit words in memory order (what csum_partial returns
 * on a little-endian kernel, up to one's complement equivalence): a
 * trailing odd byte counts as the first byte of a zero-padded word.
 */
u32 toe_os_csum_partial(const void *buf, size_t len, u32 sum)
{
	const u8 *p = buf;
	u64 acc = sum;

	while (len >= 2) {
		u16 w;

		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		u16 w = 0;

		memcpy(&w, p, 1);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffffull) + (acc >> 32);
	return (u32)acc;
}

u16 toe_os_csum_fold(u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

u16 toe_os_ip_fast_csum(const void *iph, unsigned int ihl)
{
	return toe_os_csum_fold(toe_os_csum_partial(iph, ihl * 4u, 0));
}

int toe_user_log_level = TOE_LOG_WARN;

void toe_os_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > toe_user_log_level)
		return;
	va_start(ap, fmt);
	fputs("toe: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void toe_user_mem_init(struct toe_mem *mem, void *base, size_t len)
{
	mem->base = base;
	mem->len = len;
	mem->refs = 0;
}

void toe_os_mem_put(struct toe_mem *mem)
{
	if (TOE_WARN_ON(mem->refs <= 0))
		return;
	mem->refs--;
}

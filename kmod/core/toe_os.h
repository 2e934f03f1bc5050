/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * toe OS shim: the only door from the portable engine to its host OS.
 *
 * Under __KERNEL__ it maps onto kernel services (os/toe_os_kernel.h),
 * otherwise onto a deterministic user-space implementation for tests and
 * harnesses (os/toe_os_user.h). Both sides provide exactly this vocabulary:
 *
 *   types        u8 u16 u32 u64 s8 s16 s32 s64 bool size_t, errno values
 *   compiler     TOE_LIKELY TOE_UNLIKELY TOE_READ_ONCE TOE_WRITE_ONCE
 *                toe_container_of TOE_WARN_ON(cond) -> cond
 *   memory       toe_os_zalloc(size) (zeroed, may return NULL), toe_os_free
 *                struct toe_os_rcu_head, toe_os_free_rcu(ptr, field)
 *   RCU          toe_os_rcu_read_lock/unlock, toe_os_rcu_assign(p, v),
 *                toe_os_rcu_deref(p) (readers), toe_os_rcu_deref_writer(p)
 *                (the single writer), toe_os_synchronize_rcu(),
 *                toe_os_rcu_barrier() (deferred frees done)
 *   time         toe_os_now_us()
 *   arithmetic   toe_os_div_u64(u64, u32) -> u64 quotient
 *   randomness   toe_os_random_bytes(buf, len)
 *   hashing      toe_os_hash_3words(a, b, c, seed) (fast, unkeyed quality),
 *                toe_os_siphash(data, len, key) (keyed PRF, for ISNs)
 *   checksums    toe_os_csum_partial(buf, len, sum) -> 32-bit partial sum in
 *                memory byte order, toe_os_csum_fold(sum) -> 16-bit
 *                complemented checksum (store it as is), toe_os_ip_fast_csum
 *   logging      toe_os_log(level, fmt, ...), TOE_LOG_ERR..TOE_LOG_DBG
 *   host memory  struct toe_mem (opaque to the engine), toe_os_mem_len,
 *                toe_os_mem_write/read (0 or -EFAULT when out of bounds),
 *                toe_os_mem_csum, toe_os_mem_get/put (references)
 */
#ifndef TOE_OS_H
#define TOE_OS_H

#ifdef __KERNEL__
#include "os/toe_os_kernel.h"
#else
#include "os/toe_os_user.h"
#endif

#define TOE_LOG_ERR 0
#define TOE_LOG_WARN 1
#define TOE_LOG_INFO 2
#define TOE_LOG_DBG 3

#define TOE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TOE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TOE_MAX(a, b) ((a) > (b) ? (a) : (b))

/* One's complement arithmetic on 32-bit partial sums (RFC 1071). */
static inline u32 toe_csum_add(u32 sum, u32 addend)
{
	u32 res = sum + addend;

	return res + (res < addend);
}

/* Adds the partial sum of a block that starts at byte offset off of the
 * checksummed range: a block at an odd offset has its bytes swapped.
 */
static inline u32 toe_csum_block_add(u32 sum, u32 block_sum, u64 off)
{
	if (off & 1)
		block_sum = (block_sum >> 8) | (block_sum << 24);
	return toe_csum_add(sum, block_sum);
}

#endif /* TOE_OS_H */

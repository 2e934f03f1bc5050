/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toe OS shim, kernel side: the engine's services mapped onto the kernel's
 * own helpers (kvzalloc, RCU, ktime, get_random_bytes, jhash, siphash,
 * csum_partial). See toe_os.h for the vocabulary.
 */
#ifndef TOE_OS_KERNEL_H
#define TOE_OS_KERNEL_H

#ifndef __KERNEL__
#error "kernel shim included in a user-space build"
#endif

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <net/checksum.h>

#define TOE_LIKELY(x) likely(x)
#define TOE_UNLIKELY(x) unlikely(x)
#define TOE_READ_ONCE(x) READ_ONCE(x)
#define TOE_WRITE_ONCE(x, v) WRITE_ONCE(x, v)
#define toe_container_of(ptr, type, member) container_of(ptr, type, member)
#define TOE_WARN_ON(cond) WARN_ON_ONCE(cond)

/* The engine thread allocates in process context. */
static inline void *toe_os_zalloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL);
}

static inline void toe_os_free(void *p)
{
	kvfree(p);
}

#define toe_os_rcu_head rcu_head
#define toe_os_free_rcu(ptr, field) kvfree_rcu(ptr, field)
#define toe_os_rcu_read_lock() rcu_read_lock()
#define toe_os_rcu_read_unlock() rcu_read_unlock()
#define toe_os_rcu_assign(p, v) rcu_assign_pointer(p, v)
#define toe_os_rcu_deref(p) rcu_dereference(p)
/* Only the engine thread updates, so it needs no lock to read. */
#define toe_os_rcu_deref_writer(p) rcu_dereference_protected(p, 1)
#define toe_os_synchronize_rcu() synchronize_rcu()
/* Waits for deferred frees (kvfree_rcu) queued so far to finish. */
#define toe_os_rcu_barrier() rcu_barrier()

static inline u64 toe_os_now_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

/* 64-bit by 32-bit division; a plain '/' needs libgcc on 32-bit kernels. */
static inline u64 toe_os_div_u64(u64 dividend, u32 divisor)
{
	return div_u64(dividend, divisor);
}

static inline void toe_os_random_bytes(void *buf, size_t len)
{
	get_random_bytes(buf, len);
}

static inline u32 toe_os_hash_3words(u32 a, u32 b, u32 c, u32 seed)
{
	return jhash_3words(a, b, c, seed);
}

static inline u64 toe_os_siphash(const void *data, size_t len,
				 const u64 key[2])
{
	siphash_key_t k = { .key = { key[0], key[1] } };

	return siphash(data, len, &k);
}

static inline u32 toe_os_csum_partial(const void *buf, size_t len, u32 sum)
{
	return (__force u32)csum_partial(buf, len, (__force __wsum)sum);
}

static inline u16 toe_os_csum_fold(u32 sum)
{
	return (__force u16)csum_fold((__force __wsum)sum);
}

static inline u16 toe_os_ip_fast_csum(const void *iph, unsigned int ihl)
{
	return (__force u16)ip_fast_csum(iph, ihl);
}

#define toe_os_log(level, fmt, ...)                                      \
	do {                                                             \
		switch (level) {                                         \
		case 0:                                                  \
			pr_err("toe: " fmt, ##__VA_ARGS__);              \
			break;                                           \
		case 1:                                                  \
			pr_warn_ratelimited("toe: " fmt, ##__VA_ARGS__); \
			break;                                           \
		case 2:                                                  \
			pr_info_ratelimited("toe: " fmt, ##__VA_ARGS__); \
			break;                                           \
		default:                                                 \
			pr_debug("toe: " fmt, ##__VA_ARGS__);            \
			break;                                           \
		}                                                        \
	} while (0)

/*
 * A host memory region: user pages pinned by the glue (pin_user_pages) when
 * the application registered them. The engine reads and writes through
 * these helpers only; the glue attaches the pages to skbs for transmission.
 * release() runs when the last reference goes (the glue unpins there).
 */
struct toe_mem {
	struct page **pages;
	u32 nr_pages;
	u32 first_off; /* offset of byte 0 within pages[0] */
	u64 len;
	refcount_t refs;
	void (*release)(struct toe_mem *mem);
	void *priv; /* the glue's */
};

static inline u64 toe_os_mem_len(const struct toe_mem *mem)
{
	return mem->len;
}

static inline bool toe_os_mem_range_ok(const struct toe_mem *mem, u64 off,
				       u64 len)
{
	return off <= mem->len && len <= mem->len - off;
}

int toe_os_mem_write(struct toe_mem *mem, u64 off, const void *src,
		     size_t len);
int toe_os_mem_read(const struct toe_mem *mem, u64 off, void *dst,
		    size_t len);
u32 toe_os_mem_csum(const struct toe_mem *mem, u64 off, u32 len, u32 sum);

static inline void toe_os_mem_get(struct toe_mem *mem)
{
	refcount_inc(&mem->refs);
}

static inline void toe_os_mem_put(struct toe_mem *mem)
{
	if (refcount_dec_and_test(&mem->refs) && mem->release)
		mem->release(mem);
}

#endif /* TOE_OS_KERNEL_H */

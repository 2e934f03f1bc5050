/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * toe OS shim, user-space side: deterministic services for unit tests,
 * the interop harness and the fuzzer. The clock only moves when the test
 * moves it; randomness is seedable; memory regions are plain buffers.
 * See toe_os.h for the vocabulary.
 */
#ifndef TOE_OS_USER_H
#define TOE_OS_USER_H

#ifdef __KERNEL__
#error "user-space shim included in a kernel build"
#endif

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define TOE_LIKELY(x) __builtin_expect(!!(x), 1)
#define TOE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TOE_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define TOE_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define toe_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Invariant violations: report, then call the warn hook (abort by
 * default, so tests and sanitizers stop right at the bug).
 */
void toe_user_warn(const char *file, int line, const char *cond);
#define TOE_WARN_ON(cond)                                              \
	({                                                             \
		bool toe_warn_c_ = !!(cond);                           \
		if (TOE_UNLIKELY(toe_warn_c_))                         \
			toe_user_warn(__FILE__, __LINE__, #cond);      \
		toe_warn_c_;                                           \
	})
/* The default hook aborts; a harness may count instead. */
extern void (*toe_user_warn_hook)(const char *file, int line,
				  const char *cond);

/* Memory. */
void *toe_os_zalloc(size_t size);
void toe_os_free(void *p);

/* RCU: user space has no concurrent readers that outlive a writer's
 * update except in harnesses that pause the engine, so frees happen at
 * once and publication uses release/acquire ordering.
 */
struct toe_os_rcu_head {
	void *unused;
};
#define toe_os_free_rcu(ptr, field) toe_os_free(ptr)
#define toe_os_rcu_read_lock() ((void)0)
#define toe_os_rcu_read_unlock() ((void)0)
#define toe_os_rcu_assign(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define toe_os_rcu_deref(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define toe_os_rcu_deref_writer(p) (p)
#define toe_os_synchronize_rcu() ((void)0)
#define toe_os_rcu_barrier() ((void)0)

/* 64-bit by 32-bit division (div_u64 in the kernel). */
static inline u64 toe_os_div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

/* Time: a settable clock in microseconds, shared by all engines. */
u64 toe_os_now_us(void);

void toe_user_clock_set(u64 us);
void toe_user_clock_advance(u64 us);

/* Randomness: a seedable generator (default seed fixed, so runs repeat). */
void toe_os_random_bytes(void *buf, size_t len);
void toe_user_random_seed(u64 seed);

/* Hashing. */
u32 toe_os_hash_3words(u32 a, u32 b, u32 c, u32 seed);
u64 toe_os_siphash(const void *data, size_t len, const u64 key[2]);

/* Checksums (RFC 1071), same conventions as the kernel's csum_partial. */
u32 toe_os_csum_partial(const void *buf, size_t len, u32 sum);
u16 toe_os_csum_fold(u32 sum);
u16 toe_os_ip_fast_csum(const void *iph, unsigned int ihl);

/* Logging: messages at or below toe_user_log_level go to stderr. */
extern int toe_user_log_level;
void toe_os_log(int level, const char *fmt, ...)
	__attribute__((__format__(printf, 2, 3)));

/* Host memory: a plain buffer with a reference count the tests inspect. */
struct toe_mem {
	u8 *base;
	u64 len;
	long refs; /* references the engine holds */
};

void toe_user_mem_init(struct toe_mem *mem, void *base, size_t len);

static inline u64 toe_os_mem_len(const struct toe_mem *mem)
{
	return mem->len;
}

static inline bool toe_os_mem_range_ok(const struct toe_mem *mem, u64 off,
				       u64 len)
{
	return off <= mem->len && len <= mem->len - off;
}

static inline int toe_os_mem_write(struct toe_mem *mem, u64 off,
				   const void *src, size_t len)
{
	if (!toe_os_mem_range_ok(mem, off, len))
		return -EFAULT;
	if (len)
		memcpy(mem->base + off, src, len);
	return 0;
}

static inline int toe_os_mem_read(const struct toe_mem *mem, u64 off,
				  void *dst, size_t len)
{
	if (!toe_os_mem_range_ok(mem, off, len))
		return -EFAULT;
	if (len)
		memcpy(dst, mem->base + off, len);
	return 0;
}

/* Partial checksum of [off, off + len) continuing sum; the range must be
 * valid (the engine checked it when the request arrived).
 */
static inline u32 toe_os_mem_csum(const struct toe_mem *mem, u64 off,
				  u32 len, u32 sum)
{
	return toe_os_csum_partial(mem->base + off, len, sum);
}

static inline void toe_os_mem_get(struct toe_mem *mem)
{
	mem->refs++;
}

void toe_os_mem_put(struct toe_mem *mem);

#ifdef __cplusplus
}
#endif

#endif /* TOE_OS_USER_H */

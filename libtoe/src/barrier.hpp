// SPDX-License-Identifier: MIT
// The memory-ordering vocabulary libtoe shares with the module, named by
// purpose and matching the kernel's smp_* primitives one for one.
//
//   toe_smp_load_acquire   read an index the other side publishes, before
//                          reading the entries it covers (kernel:
//                          smp_load_acquire)
//   toe_smp_store_release  publish an index after writing the entries it
//                          covers (kernel: smp_store_release)
//   toe_smp_mb             a full barrier between publishing our index and
//                          reading the other side's flag (the doorbell's
//                          NEED_WAKEUP, or the CQ tail after arming), so
//                          that one of the two sides always sees the other
//                          (kernel: smp_mb)
//   toe_read_once,         a single untorn access with no ordering (kernel:
//   toe_write_once         READ_ONCE and WRITE_ONCE)
#pragma once

#include <cstdint>

namespace toe::detail {

template <typename T> inline T toe_smp_load_acquire(const T *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

template <typename T> inline void toe_smp_store_release(T *p, T v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

inline void toe_smp_mb() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

template <typename T> inline T toe_read_once(const T *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

template <typename T> inline void toe_write_once(T *p, T v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

// Tells the CPU we are spinning (PAUSE on x86), to yield to the sibling
// hyperthread and leave the spin loop without a memory-order violation.
inline void toe_cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#else
	asm volatile("" ::: "memory");
#endif
}

} // namespace toe::detail

// SPDX-License-Identifier: GPL-2.0
/*
 * toe OS shim, kernel side: access to pinned host memory regions. The
 * pages stay pinned for the region's lifetime (the glue unpins them in
 * release()), so they can be mapped one at a time without faults.
 */
#include <linux/highmem.h>

#include "toe_os.h"

typedef void (*toe_mem_page_fn)(void *addr, size_t len, u64 done, void *arg);

static int toe_mem_walk(const struct toe_mem *mem, u64 off, size_t len,
			toe_mem_page_fn fn, void *arg)
{
	u64 pos;
	u64 done = 0;

	if (!toe_os_mem_range_ok(mem, off, len))
		return -EFAULT;
	pos = off + mem->first_off;
	while (done < len) {
		u64 idx = pos >> PAGE_SHIFT;
		size_t in_page = pos & ~PAGE_MASK;
		size_t n = min_t(u64, PAGE_SIZE - in_page, len - done);
		void *addr;

		if (WARN_ON_ONCE(idx >= mem->nr_pages))
			return -EFAULT;
		addr = kmap_local_page(mem->pages[idx]);
		fn((u8 *)addr + in_page, n, done, arg);
		kunmap_local(addr);
		pos += n;
		done += n;
	}
	return 0;
}

static void toe_mem_write_page(void *addr, size_t len, u64 done, void *arg)
{
	memcpy(addr, (const u8 *)arg + done, len);
}

int toe_os_mem_write(struct toe_mem *mem, u64 off, const void *src,
		     size_t len)
{
	return toe_mem_walk(mem, off, len, toe_mem_write_page, (void *)src);
}

static void toe_mem_read_page(void *addr, size_t len, u64 done, void *arg)
{
	memcpy((u8 *)arg + done, addr, len);
}

int toe_os_mem_read(const struct toe_mem *mem, u64 off, void *dst,
		    size_t len)
{
	return toe_mem_walk(mem, off, len, toe_mem_read_page, dst);
}

static void toe_mem_csum_page(void *addr, size_t len, u64 done, void *arg)
{
	__wsum *sum = arg;

	*sum = csum_block_add(*sum, csum_partial(addr, len, 0), done);
}

u32 toe_os_mem_csum(const struct toe_mem *mem, u64 off, u32 len, u32 sum)
{
	__wsum acc = (__force __wsum)sum;

	if (toe_mem_walk(mem, off, len, toe_mem_csum_page, &acc))
		return sum;
	return (__force u32)acc;
}

// SPDX-License-Identifier: MIT
// Registered memory regions and the anonymous buffer pool.
#include <toe/toe.h>

#include <cerrno>
#include <sys/ioctl.h>

#include "handle.hpp"

extern "C" int toe_reg_mr(toe_handle *h, void *addr, size_t len, toe_mr *mr)
{
	if (!h || !mr || !addr || !len)
		return -EINVAL;
	if (reinterpret_cast<uintptr_t>(addr) + len < reinterpret_cast<uintptr_t>(addr))
		return -EINVAL;
	struct toe_reg_mr req{};
	req.addr = reinterpret_cast<uintptr_t>(addr);
	req.len = len;
	if (::ioctl(h->fd, TOE_IOC_REG_MR, &req) < 0)
		return -errno;
	mr->addr = addr;
	mr->len = len;
	mr->handle = req.handle;
	mr->reserved = 0;
	return 0;
}

extern "C" int toe_dereg_mr(toe_handle *h, toe_mr *mr)
{
	if (!h || !mr)
		return -EINVAL;
	struct toe_dereg_mr req{};
	req.handle = mr->handle;
	if (::ioctl(h->fd, TOE_IOC_DEREG_MR, &req) < 0)
		return -errno;
	*mr = toe_mr{};
	return 0;
}

extern "C" int toe_get_anon_pool(const toe_handle *h, struct toe_anon_pool *pool)
{
	if (!h || !pool)
		return -EINVAL;
	if (!h->has_anon)
		return -ENOENT;
	pool->base = h->anon_base;
	pool->size = h->anon_bytes;
	pool->count = h->anon_count;
	pool->buf_size = h->anon_buf_size;
	pool->region = h->anon_region;
	pool->reserved = 0;
	return 0;
}

extern "C" void *toe_anon_buf(const toe_handle *h, uint32_t buf_id)
{
	if (!h || !h->has_anon || buf_id >= h->anon_count)
		return nullptr;
	return static_cast<unsigned char *>(h->anon_base) + size_t(buf_id) * h->anon_buf_size;
}

// SPDX-License-Identifier: MIT
// Opening and closing application contexts: TOE_IOC_SETUP, then one
// mapping each for the doorbell page, the two queues and the anonymous pool.
#include <toe/toe.h>

#include <cerrno>
#include <fcntl.h>
#include <new>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "handle.hpp"

namespace toe::detail {

int attach_context(toe_handle *h, const toe_setup &setup, const ContextMemory &mem)
{
	if (!mem.doorbell || mem.doorbell_len < sizeof(toe_doorbell))
		return -EPROTO;

	RingLayout sq, cq;
	int ret = map_ring(setup.sq_off, mem.sq, mem.sq_len, sizeof(toe_sqe), &sq);
	if (ret)
		return ret;
	ret = map_ring(setup.cq_off, mem.cq, mem.cq_len, sizeof(toe_cqe), &cq);
	if (ret)
		return ret;

	if (setup.flags & TOE_SETUP_F_ANON) {
		uint64_t need = uint64_t(setup.anon_count) * setup.anon_size;
		if (!mem.anon || !setup.anon_count || !setup.anon_size ||
		    need > mem.anon_len || need > setup.anon_pool_size)
			return -EPROTO;
		h->has_anon = true;
		h->anon_base = mem.anon;
		h->anon_bytes = need;
		h->anon_count = setup.anon_count;
		h->anon_buf_size = setup.anon_size;
		h->anon_region = setup.anon_region;
	}

	h->db = static_cast<toe_doorbell *>(mem.doorbell);
	h->sq.attach(sq);
	h->cq.attach(cq);
	return 0;
}

} // namespace toe::detail

namespace {

using toe::detail::ContextMemory;

int check_params(const toe_params &p)
{
	for (uint32_t r : p.reserved)
		if (r)
			return -EINVAL;
	if (p.flags & ~TOE_PARAMS_F_NOSPIN)
		return -EINVAL;
	if (p.sq_entries > TOE_SQ_ENTRIES_MAX || p.cq_entries > TOE_CQ_ENTRIES_MAX)
		return -EINVAL;
	if (p.anon_count > TOE_ANON_COUNT_MAX || p.anon_size > TOE_ANON_SIZE_MAX ||
	    p.anon_size % 2048)
		return -EINVAL;
	return 0;
}

toe_setup setup_request(const toe_params &p)
{
	toe_setup s{};
	s.sq_entries = p.sq_entries ? p.sq_entries : TOE_DEFAULT_SQ_ENTRIES;
	s.cq_entries = p.cq_entries;
	if (p.anon_count) {
		s.flags |= TOE_SETUP_F_ANON;
		s.anon_count = p.anon_count;
		s.anon_size = p.anon_size ? p.anon_size : TOE_DEFAULT_ANON_SIZE;
	}
	return s;
}

// Maps len bytes of the context at the given offset, recording the mapping
// so toe_close() can undo it.
int map_part(toe_handle *h, int slot, uint64_t offset, size_t len, void **out)
{
	void *p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 h->fd, off_t(offset));
	if (p == MAP_FAILED)
		return -errno;
	h->maps[slot] = {p, len};
	*out = p;
	return 0;
}

int map_context(toe_handle *h, const toe_setup &s)
{
	ContextMemory mem;
	if (s.doorbell_size < sizeof(toe_doorbell) || !s.sq_size || !s.cq_size)
		return -EPROTO;
	int ret = map_part(h, 0, TOE_MMAP_DOORBELL, s.doorbell_size, &mem.doorbell);
	if (!ret)
		ret = map_part(h, 1, TOE_MMAP_SQ, s.sq_size, &mem.sq);
	if (!ret)
		ret = map_part(h, 2, TOE_MMAP_CQ, s.cq_size, &mem.cq);
	if (!ret && (s.flags & TOE_SETUP_F_ANON)) {
		if (!s.anon_pool_size || s.anon_pool_size > SIZE_MAX)
			return -EPROTO;
		ret = map_part(h, 3, TOE_MMAP_ANON, size_t(s.anon_pool_size), &mem.anon);
	}
	if (ret)
		return ret;
	mem.doorbell_len = s.doorbell_size;
	mem.sq_len = s.sq_size;
	mem.cq_len = s.cq_size;
	mem.anon_len = size_t(s.anon_pool_size);
	return toe::detail::attach_context(h, s, mem);
}

void release(toe_handle *h)
{
	for (auto &m : h->maps)
		if (m.addr)
			::munmap(m.addr, m.len);
	if (h->fd >= 0)
		::close(h->fd);
	delete h;
}

} // namespace

extern "C" int toe_open_params(const char *path, toe_params *params, toe_handle **out)
{
	if (!out)
		return -EINVAL;
	toe_params defaults{};
	toe_params &p = params ? *params : defaults;
	int ret = check_params(p);
	if (ret)
		return ret;

	auto *h = new (std::nothrow) toe_handle;
	if (!h)
		return -ENOMEM;
	h->fd = ::open(path ? path : TOE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		ret = -errno;
		release(h);
		return ret;
	}

	toe_setup s = setup_request(p);
	if (::ioctl(h->fd, TOE_IOC_SETUP, &s) < 0) {
		ret = -errno;
		release(h);
		return ret;
	}
	ret = map_context(h, s);
	if (ret) {
		release(h);
		return ret;
	}

	h->spin = !(p.flags & TOE_PARAMS_F_NOSPIN);
	h->spin_us = p.spin_us ? p.spin_us : TOE_DEFAULT_SPIN_US;
	p.sq_entries = h->sq.size;
	p.cq_entries = h->cq.size;
	p.anon_count = h->anon_count;
	p.anon_size = h->anon_buf_size;
	*out = h;
	return 0;
}

extern "C" int toe_open(const char *path, toe_handle **out)
{
	return toe_open_params(path, nullptr, out);
}

extern "C" void toe_close(toe_handle *h)
{
	if (h)
		release(h);
}

extern "C" int toe_fd(const toe_handle *h)
{
	return h ? h->fd : -EINVAL;
}

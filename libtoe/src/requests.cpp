// SPDX-License-Identifier: MIT
// One call per request: check the arguments, write one entry, publish.
#include <toe/toe.h>

#include <cerrno>
#include <sys/socket.h>

#include "handle.hpp"

namespace {

template <typename Prep> int submit_one(toe_handle *h, Prep prep)
{
	toe_sqe *sqe = h->sq.reserve();
	if (!sqe)
		return -EAGAIN;
	prep(sqe);
	int ret = toe::detail::submit(h);
	return ret < 0 ? ret : 0;
}

int check_addr(const sockaddr_in *addr)
{
	if (!addr)
		return -EINVAL;
	if (addr->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	return 0;
}

bool range_wraps(uint64_t offset, uint32_t len)
{
	return offset + len < offset;
}

} // namespace

extern "C" int toe_socket(toe_handle *h, int proto, uint64_t user_data)
{
	if (!h)
		return -EINVAL;
	if (proto != TOE_PROTO_TCP && proto != TOE_PROTO_UDP)
		return -EPROTONOSUPPORT;
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_socket(sqe, proto, user_data); });
}

extern "C" int toe_bind(toe_handle *h, uint32_t sock, const sockaddr_in *addr,
			uint64_t user_data)
{
	if (!h)
		return -EINVAL;
	if (int ret = check_addr(addr))
		return ret;
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_bind(sqe, sock, addr, user_data); });
}

extern "C" int toe_listen(toe_handle *h, uint32_t sock, unsigned backlog, uint64_t user_data)
{
	if (!h || !backlog)
		return -EINVAL;
	// The ABI carries 16 bits; a larger wish means "as many as you allow".
	uint16_t bl = backlog > UINT16_MAX ? UINT16_MAX : uint16_t(backlog);
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_listen(sqe, sock, bl, user_data); });
}

extern "C" int toe_accept(toe_handle *h, uint32_t listener, uint64_t user_data)
{
	if (!h)
		return -EINVAL;
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_accept(sqe, listener, user_data); });
}

extern "C" int toe_connect(toe_handle *h, uint32_t sock, const sockaddr_in *addr,
			   uint64_t user_data)
{
	if (!h)
		return -EINVAL;
	if (int ret = check_addr(addr))
		return ret;
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_connect(sqe, sock, addr, user_data); });
}

extern "C" int toe_post_buf(toe_handle *h, uint32_t sock, uint32_t region, uint64_t offset,
			    uint32_t len, uint32_t threshold, uint32_t timeout_ms,
			    uint64_t user_data)
{
	if (!h || !len || threshold > len || range_wraps(offset, len))
		return -EINVAL;
	return submit_one(h, [&](toe_sqe *sqe) {
		toe_prep_post_buf(sqe, sock, region, offset, len, threshold, timeout_ms,
				  user_data);
	});
}

extern "C" int toe_send(toe_handle *h, uint32_t sock, uint32_t region, uint64_t offset,
			uint32_t len, unsigned flags, uint64_t user_data)
{
	if (!h || (flags & ~TOE_SEND_MORE) || range_wraps(offset, len))
		return -EINVAL;
	return submit_one(h, [&](toe_sqe *sqe) {
		toe_prep_send(sqe, sock, region, offset, len, flags, user_data);
	});
}

extern "C" int toe_sendto(toe_handle *h, uint32_t sock, uint32_t region, uint64_t offset,
			  uint32_t len, unsigned flags, const sockaddr_in *dest,
			  uint64_t user_data)
{
	if (!h || (flags & ~TOE_SEND_MORE) || range_wraps(offset, len))
		return -EINVAL;
	if (int ret = check_addr(dest))
		return ret;
	return submit_one(h, [&](toe_sqe *sqe) {
		toe_prep_sendto(sqe, sock, region, offset, len, flags, dest, user_data);
	});
}

extern "C" int toe_setsockopt(toe_handle *h, uint32_t sock, int opt, uint64_t value,
			      uint64_t user_data)
{
	if (!h)
		return -EINVAL;
	if (opt < TOE_SO_NODELAY || opt > TOE_SO_CONGESTION)
		return -ENOPROTOOPT;
	if (opt == TOE_SO_CONGESTION && value != TOE_CC_NEWRENO && value != TOE_CC_CUBIC)
		return -EINVAL;
	return submit_one(h, [&](toe_sqe *sqe) {
		toe_prep_setsockopt(sqe, sock, opt, value, user_data);
	});
}

extern "C" int toe_shutdown(toe_handle *h, uint32_t sock, int how, uint64_t user_data)
{
	if (!h || (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR))
		return -EINVAL;
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_shutdown(sqe, sock, how, user_data); });
}

extern "C" int toe_sock_close(toe_handle *h, uint32_t sock, uint64_t user_data)
{
	if (!h)
		return -EINVAL;
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_sock_close(sqe, sock, user_data); });
}

extern "C" int toe_sock_abort(toe_handle *h, uint32_t sock, uint64_t user_data)
{
	if (!h)
		return -EINVAL;
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_sock_abort(sqe, sock, user_data); });
}

extern "C" int toe_anon_return(toe_handle *h, uint32_t buf_id)
{
	if (!h)
		return -EINVAL;
	if (!h->has_anon)
		return -ENOENT;
	if (buf_id >= h->anon_count)
		return -EINVAL;
	return submit_one(h, [&](toe_sqe *sqe) { toe_prep_anon_return(sqe, buf_id); });
}

// SPDX-License-Identifier: MIT
// Publishing requests: reserve, fill, release the tail, and kick the engine
// only when it has said it sleeps.
#include <toe/toe.h>

#include <cerrno>
#include <sys/ioctl.h>

#include "handle.hpp"

namespace toe::detail {

int kick_engine(toe_handle *h)
{
	toe_enter enter{};
	enter.flags = TOE_ENTER_F_KICK;
	int ret;
	do
		ret = ::ioctl(h->fd, TOE_IOC_ENTER, &enter);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

uint32_t publish(toe_handle *h)
{
	return h->sq.publish();
}

int submit(toe_handle *h)
{
	uint32_t n = publish(h);
	if (!n)
		return 0;
	if (engine_needs_kick(h->db)) {
		int ret = kick_engine(h);
		if (ret)
			return ret;
	}
	return int(n);
}

} // namespace toe::detail

extern "C" toe_sqe *toe_get_sqe(toe_handle *h)
{
	return h ? h->sq.reserve() : nullptr;
}

extern "C" int toe_submit(toe_handle *h)
{
	return h ? toe::detail::submit(h) : -EINVAL;
}

extern "C" unsigned toe_sq_space_left(const toe_handle *h)
{
	return h ? h->sq.space() : 0;
}

// SPDX-License-Identifier: MIT
// Opening and closing application contexts.
#include <toe/toe.h>

#include <cerrno>
#include <fcntl.h>
#include <new>
#include <unistd.h>

#include "handle.hpp"

extern "C" int toe_open(const char *path, toe_handle **out)
{
	if (!out)
		return -EINVAL;
	int fd = ::open(path ? path : TOE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	auto *h = new (std::nothrow) toe_handle;
	if (!h) {
		::close(fd);
		return -ENOMEM;
	}
	h->fd = fd;
	*out = h;
	return 0;
}

extern "C" void toe_close(toe_handle *h)
{
	if (!h)
		return;
	::close(h->fd);
	delete h;
}

extern "C" int toe_fd(const toe_handle *h)
{
	return h ? h->fd : -EINVAL;
}

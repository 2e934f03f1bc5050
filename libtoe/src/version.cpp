// SPDX-License-Identifier: MIT
// Version queries: the module's ABI and the library's own release.
#include <toe/toe.h>

#include <cerrno>
#include <sys/ioctl.h>

#include "handle.hpp"

extern "C" int toe_version(toe_handle *h, toe_version_info *info)
{
	if (!h || !info)
		return -EINVAL;
	if (::ioctl(h->fd, TOE_IOC_GET_VERSION, info) < 0)
		return -errno;
	return 0;
}

extern "C" const char *toe_library_version(void)
{
	return TOE_LIB_VERSION;
}

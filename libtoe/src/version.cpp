// SPDX-License-Identifier: MIT
// Version queries and names for messages.
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

extern "C" const char *toe_cqe_type_name(unsigned type)
{
	switch (type) {
	case TOE_CQE_REQ: return "req";
	case TOE_CQE_CONNECTED: return "connected";
	case TOE_CQE_ACCEPT: return "accept";
	case TOE_CQE_RECV: return "recv";
	case TOE_CQE_RECV_ANON: return "recv-anon";
	case TOE_CQE_SEND: return "send";
	case TOE_CQE_PEER_CLOSED: return "peer-closed";
	case TOE_CQE_CLOSED: return "closed";
	default: return "?";
	}
}

extern "C" const char *toe_reason_name(unsigned reason)
{
	switch (reason) {
	case TOE_REASON_NONE: return "none";
	case TOE_REASON_THRESHOLD: return "threshold";
	case TOE_REASON_FULL: return "full";
	case TOE_REASON_PSH: return "psh";
	case TOE_REASON_URG: return "urg";
	case TOE_REASON_FIN: return "fin";
	case TOE_REASON_RST: return "rst";
	case TOE_REASON_TIMEOUT: return "timeout";
	case TOE_REASON_CLOSED: return "closed";
	case TOE_REASON_DATAGRAM: return "datagram";
	default: return "?";
	}
}

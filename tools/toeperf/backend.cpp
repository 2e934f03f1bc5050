// SPDX-License-Identifier: MIT
#include "backend.hpp"

namespace toeperf {

std::unique_ptr<Backend> make_backend(const Options &o, size_t send_bytes)
{
	switch (o.backend) {
	case BackendKind::toe: return make_toe_backend(o, send_bytes);
	case BackendKind::kernel: return make_kernel_backend(o, send_bytes, KernelWait::block);
	case BackendKind::kernel_epoll: return make_kernel_backend(o, send_bytes, KernelWait::epoll);
	case BackendKind::kernel_busypoll:
		return make_kernel_backend(o, send_bytes, KernelWait::busy_poll);
	case BackendKind::uring: return make_uring_backend(o, send_bytes, false);
	case BackendKind::uring_sqpoll: return make_uring_backend(o, send_bytes, true);
	}
	return nullptr;
}

} // namespace toeperf

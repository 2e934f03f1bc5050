// SPDX-License-Identifier: MIT
// sockdev's entry points: open, ioctl, mmap, munmap and close, interposed
// with LD_PRELOAD. Only /dev/toe and the fds it returns are handled here;
// everything else goes to the C library.
#include "sockdev.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <unordered_map>

using toe::sockdev::Context;

namespace {

std::mutex contexts_lock;
std::unordered_map<int, std::unique_ptr<Context>> &contexts()
{
	static auto *m = new std::unordered_map<int, std::unique_ptr<Context>>;
	return *m;
}

Context *context_of(int fd)
{
	std::lock_guard lock(contexts_lock);
	auto it = contexts().find(fd);
	return it == contexts().end() ? nullptr : it->second.get();
}

template <typename Fn> Fn real(const char *name)
{
	return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

bool is_device(const char *path)
{
	return path && std::strcmp(path, TOE_DEVICE_PATH) == 0;
}

int open_device()
{
	// An eventfd: epoll-able, and readable while completions wait.
	int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -1;
	std::lock_guard lock(contexts_lock);
	contexts()[fd] = std::make_unique<Context>(fd);
	return fd;
}

int result(int ret)
{
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

} // namespace

extern "C" {

int open(const char *path, int flags, ...)
{
	if (is_device(path))
		return open_device();
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	static auto next = real<int (*)(const char *, int, ...)>("open");
	return next(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	if (is_device(path))
		return open_device();
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	static auto next = real<int (*)(const char *, int, ...)>("open64");
	return next(path, flags, mode);
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	Context *ctx = context_of(fd);
	if (!ctx) {
		static auto next = real<int (*)(int, unsigned long, ...)>("ioctl");
		return next(fd, request, arg);
	}
	switch (request) {
	case TOE_IOC_GET_VERSION: {
		auto *info = static_cast<toe_version_info *>(arg);
		*info = {};
		info->abi_major = TOE_ABI_MAJOR;
		info->abi_minor = TOE_ABI_MINOR;
		info->features = TOE_FEAT_CONTEXT | TOE_FEAT_RINGS;
		info->context_id = uint32_t(fd);
		return 0;
	}
	case TOE_IOC_SETUP: return result(ctx->setup(static_cast<toe_setup *>(arg)));
	case TOE_IOC_REG_MR: return result(ctx->reg_mr(static_cast<struct toe_reg_mr *>(arg)));
	case TOE_IOC_DEREG_MR:
		return result(ctx->dereg_mr(static_cast<const struct toe_dereg_mr *>(arg)));
	case TOE_IOC_ENTER: return result(ctx->enter(static_cast<const toe_enter *>(arg)));
	case TOE_IOC_ATTACH:
	case TOE_IOC_DETACH: return 0; // nothing to attach: the kernel's stack does the work
	default: errno = ENOTTY; return -1;
	}
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (Context *ctx = context_of(fd)) {
		void *p = ctx->map(uint64_t(off), len);
		if (!p) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		return p;
	}
	static auto next = real<void *(*)(void *, size_t, int, int, int, off_t)>("mmap");
	return next(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	{
		std::lock_guard lock(contexts_lock);
		for (auto &[fd, ctx] : contexts())
			if (ctx->owns_mapping(addr))
				return 0; // freed with the context
	}
	static auto next = real<int (*)(void *, size_t)>("munmap");
	return next(addr, len);
}

int close(int fd)
{
	std::unique_ptr<Context> ctx;
	{
		std::lock_guard lock(contexts_lock);
		auto it = contexts().find(fd);
		if (it != contexts().end()) {
			ctx = std::move(it->second);
			contexts().erase(it);
		}
	}
	ctx.reset(); // stops the engine thread before the fd goes
	static auto next = real<int (*)(int)>("close");
	return next(fd);
}

} // extern "C"

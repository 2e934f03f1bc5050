// SPDX-License-Identifier: MIT
// Memory regions: pinning, the memlock limit, deregistration, release.
#include "raw.hpp"

#include <linux/capability.h>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace glue {
namespace {

const size_t kPage = size_t(getpagesize());

// Anonymous memory of pages pages, released at scope end.
class Pages {
public:
	explicit Pages(size_t pages) : len_(pages * kPage)
	{
		p_ = ::mmap(nullptr, len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		check(p_ != MAP_FAILED, "mmap anonymous memory");
		std::memset(p_, 0x5a, len_);
	}
	~Pages() { ::munmap(p_, len_); }
	uint8_t *data() const { return static_cast<uint8_t *>(p_); }
	size_t size() const { return len_; }

private:
	void *p_;
	size_t len_;
};

} // namespace

GLUE_CASE(reg_mr_pins_and_dereg_unpins)
{
	long long before = module_param("pinned_pages");
	RawCtx ctx;
	Pages mem(16);
	uint32_t a = 0, b = 0;
	check_errno(ctx.reg_mr(mem.data(), mem.size(), &a), 0, "register 16 pages");
	check(a != 0, "handle is not 0");
	check(module_param("pinned_pages") == before + 16, "16 pages pinned");
	// Unaligned: 100 bytes straddling a page boundary pin two pages.
	check_errno(ctx.reg_mr(mem.data() + kPage - 50, 100, &b), 0, "register a straddling range");
	check(b != a, "a second handle");
	check(module_param("pinned_pages") == before + 18, "two more pages pinned");
	check_errno(ctx.dereg_mr(a), 0, "deregister the first");
	check_errno(ctx.dereg_mr(a), ENOENT, "deregister it again");
	check(module_param("pinned_pages") == before + 2, "its pages unpinned");
	check_errno(ctx.dereg_mr(b), 0, "deregister the second");
	check(module_param("pinned_pages") == before, "all unpinned");
}

GLUE_CASE(reg_mr_rejects_bad_ranges)
{
	RawCtx ctx;
	Pages mem(2);
	uint32_t h;
	check_errno(ctx.reg_mr(mem.data(), 0, &h), EINVAL, "length 0");
	check_errno(ctx.reg_mr(mem.data(), mem.size(), &h, 1), EINVAL, "unknown flag");
	check_errno(ctx.reg_mr(reinterpret_cast<void *>(~uintptr_t(0) - 100), 4096, &h), EINVAL,
		    "range wraps");
	check_errno(ctx.reg_mr(reinterpret_cast<void *>(0xffff888000000000ULL), 4096, &h), EINVAL,
		    "kernel address");
	// A hole: map two pages, unmap the second, register both.
	void *p = ::mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	check(p != MAP_FAILED, "mmap");
	::munmap(static_cast<uint8_t *>(p) + kPage, kPage);
	long long before = module_param("pinned_pages");
	check_errno(ctx.reg_mr(p, 2 * kPage, &h), EFAULT, "range with a hole");
	check(module_param("pinned_pages") == before, "nothing stays pinned after a failure");
	::munmap(p, kPage);
	check_errno(ctx.dereg_mr(12345), ENOENT, "deregister an unknown handle");
	toe_dereg_mr d{1, 7};
	check_errno(xioctl(ctx.fd(), TOE_IOC_DEREG_MR, &d), EINVAL, "reserved field");
}

GLUE_CASE(anon_pool_region_cannot_be_deregistered)
{
	toe_setup s = default_setup();
	s.flags = TOE_SETUP_F_ANON;
	s.anon_count = 4;
	s.anon_size = 4096;
	long long ring_before = module_param("ring_pages");
	{
		RawCtx ctx(s);
		check(ctx.geometry().anon_region != 0, "pool region");
		check_errno(ctx.dereg_mr(ctx.geometry().anon_region), EBUSY, "deregister the pool");
		check(module_param("ring_pages") > ring_before, "ring pages counted");
	}
	check(module_param("ring_pages") == ring_before, "ring pages back after close");
}

// Without CAP_IPC_LOCK, pinning is bounded by RLIMIT_MEMLOCK.
GLUE_CASE(memlock_limit_enforced)
{
	long long before = module_param("pinned_pages");
	int status = run_child([] {
		drop_capability(CAP_IPC_LOCK);
		rlimit lim{256 * 1024, 256 * 1024};
		check(::setrlimit(RLIMIT_MEMLOCK, &lim) == 0, "setrlimit");
		RawCtx ctx; // its rings take a few pages of the limit
		Pages small(8);
		Pages big(128);
		uint32_t h;
		check_errno(ctx.reg_mr(big.data(), big.size(), &h), ENOMEM, "512 KiB over a 256 KiB limit");
		check_errno(ctx.reg_mr(small.data(), small.size(), &h), 0, "32 KiB within it");
		uint32_t h2;
		check_errno(ctx.reg_mr(small.data(), small.size(), &h2), 0, "32 KiB more");
		check_errno(ctx.dereg_mr(h), 0, "deregister");
		check_errno(ctx.dereg_mr(h2), 0, "deregister");
		// The limit counts what is pinned now, not what ever was.
		uint32_t h3;
		check_errno(ctx.reg_mr(small.data(), small.size(), &h3), 0, "again after release");
		// Setup memory counts too.
		rlimit tiny{4096, 4096};
		check(::setrlimit(RLIMIT_MEMLOCK, &tiny) == 0, "setrlimit");
		RawCtx other(false);
		toe_setup s = default_setup(1024);
		check_errno(other.setup(s), ENOMEM, "rings over the limit");
	});
	check(status == 0, "child checks (status " + std::to_string(status) + ")");
	check(module_param("pinned_pages") == before, "child's pages unpinned at exit");
}

GLUE_CASE(close_releases_every_region)
{
	long long before = module_param("pinned_pages");
	Pages mem(64);
	{
		RawCtx ctx;
		for (int i = 0; i < 8; i++)
			check_errno(ctx.reg_mr(mem.data() + i * 8 * kPage, 8 * kPage, nullptr), 0,
				    "register");
		// The same pages twice is fine: each region holds its own pins.
		check_errno(ctx.reg_mr(mem.data(), mem.size(), nullptr), 0, "overlapping region");
		check(module_param("pinned_pages") == before + 128, "128 page pins");
	}
	check(module_param("pinned_pages") == before, "every pin dropped at close");
}

// SIGKILL in the middle: a socket with a buffer posted from a region.
GLUE_CASE(kill9_releases_everything)
{
	Attach attach; // holds a context of its own
	long long pinned = module_param("pinned_pages");
	long long rings = module_param("ring_pages");
	long long contexts = module_param("contexts");
	int ready[2];
	check(::pipe(ready) == 0, "pipe");
	std::fflush(nullptr);
	pid_t pid = ::fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		try {
			RawCtx ctx;
			Pages mem(32);
			uint32_t region;
			check_errno(ctx.reg_mr(mem.data(), mem.size(), &region), 0, "register");
			uint32_t sock = ctx.socket(TOE_PROTO_UDP);
			check_errno(ctx.bind(sock, cfg.local, 0), 0, "bind");
			toe_sqe post{};
			post.opcode = TOE_OP_POST_BUF;
			post.handle = sock;
			post.region = region;
			post.len = 4096;
			post.user_data = 1;
			ctx.submit(post);
			toe_dereg_mr d{region, 0};
			// Posted: the region is in use until the process dies.
			auto c = ctx.wait_for([](const toe_cqe &) { return true; }, 200);
			check(!c, "no completion for a posted buffer");
			check_errno(xioctl(ctx.fd(), TOE_IOC_DEREG_MR, &d), EBUSY, "dereg while posted");
			char one = 1;
			check(::write(ready[1], &one, 1) == 1, "signal readiness");
			for (;;)
				::pause();
		} catch (const std::exception &e) {
			std::fprintf(stderr, "  child: %s\n", e.what());
			::_exit(1);
		}
	}
	::close(ready[1]);
	char one = 0;
	ssize_t n = ::read(ready[0], &one, 1);
	::close(ready[0]);
	::kill(pid, SIGKILL);
	int status;
	::waitpid(pid, &status, 0);
	check(n == 1, "the child got ready");
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child killed");
	check(module_param("pinned_pages") == pinned, "pinned pages back");
	check(module_param("ring_pages") == rings, "ring pages back");
	check(module_param("contexts") == contexts, "context gone");
	// The engine goes on serving others.
	RawCtx other;
	toe_sqe nop{};
	nop.opcode = TOE_OP_NOP;
	check(other.request(nop).res == 0, "another context still works");
}

} // namespace glue

// SPDX-License-Identifier: MIT
#include "raw.hpp"

#include <linux/capability.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace glue {

Config cfg;

namespace {

template <typename T> T load_acquire(const T *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

template <typename T> void store_release(T *p, T v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

void full_barrier()
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

} // namespace

void fail(const std::string &what, std::source_location where)
{
	throw Failure(std::string(where.file_name()) + ":" + std::to_string(where.line()) +
		      ": " + what);
}

std::string errno_name(int err)
{
	if (err >= 0)
		return std::to_string(err);
	const char *name = strerrorname_np(-err);
	return std::string("-") + (name ? name : std::to_string(-err));
}

void check_errno(long got, int expected, const std::string &what, std::source_location where)
{
	bool ok = expected == 0 ? got >= 0 : got == -expected;
	if (!ok)
		fail(what + ": got " + errno_name(int(got)) + ", expected " +
			     (expected ? errno_name(-expected) : "success"),
		     where);
}

long xioctl(int fd, unsigned long request, void *arg)
{
	long ret = ::ioctl(fd, request, arg);
	return ret < 0 ? -errno : ret;
}

int open_dev()
{
	int fd = ::open(TOE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

long long module_param(const char *name)
{
	std::ifstream in(std::string("/sys/module/toe/parameters/") + name);
	long long v = -1;
	if (!(in >> v))
		fail(std::string("cannot read module parameter ") + name);
	return v;
}

int run_child(const std::function<void()> &fn)
{
	std::fflush(nullptr);
	pid_t pid = ::fork();
	if (pid < 0)
		fail("fork failed");
	if (pid == 0) {
		int status = 0;
		try {
			fn();
		} catch (const Failure &f) {
			std::fprintf(stderr, "  child: %s\n", f.what());
			status = 1;
		} catch (const std::exception &e) {
			std::fprintf(stderr, "  child: exception: %s\n", e.what());
			status = 1;
		}
		std::fflush(nullptr);
		::_exit(status);
	}
	int status;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void drop_capability(int cap)
{
	__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	if (::syscall(SYS_capget, &hdr, data))
		fail("capget failed");
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	if (::syscall(SYS_capset, &hdr, data))
		fail("capset failed: " + errno_name(-errno));
}

long attach_if(int fd, int ifindex, int cpu, uint32_t poll_idle_us)
{
	toe_attach a{};
	a.ifindex = uint32_t(ifindex);
	a.cpu = cpu;
	a.poll_idle_us = poll_idle_us;
	return xioctl(fd, TOE_IOC_ATTACH, &a);
}

long detach_if(int fd, int ifindex)
{
	toe_attach a{};
	a.ifindex = uint32_t(ifindex);
	return xioctl(fd, TOE_IOC_DETACH, &a);
}

Attach::Attach(int cpu, uint32_t poll_idle_us)
{
	fd_ = open_dev();
	check(fd_ >= 0, "open /dev/toe: " + errno_name(fd_));
	check_errno(attach_if(fd_, cfg.ifindex, cpu, poll_idle_us), 0, "attach " + cfg.ifname);
	attached_ = true;
}

Attach::~Attach()
{
	if (attached_)
		detach_if(fd_, cfg.ifindex);
	if (fd_ >= 0)
		::close(fd_);
}

void Attach::detach()
{
	check_errno(detach_if(fd_, cfg.ifindex), 0, "detach " + cfg.ifname);
	attached_ = false;
}

toe_setup default_setup(uint32_t sq)
{
	toe_setup s{};
	s.sq_entries = sq;
	return s;
}

RawCtx::RawCtx(bool do_setup)
{
	fd_ = open_dev();
	check(fd_ >= 0, "open /dev/toe: " + errno_name(fd_));
	if (do_setup)
		check_errno(setup(default_setup()), 0, "TOE_IOC_SETUP");
}

RawCtx::RawCtx(const toe_setup &params)
{
	fd_ = open_dev();
	check(fd_ >= 0, "open /dev/toe: " + errno_name(fd_));
	check_errno(setup(params), 0, "TOE_IOC_SETUP");
}

RawCtx::~RawCtx()
{
	close_fd();
}

void RawCtx::close_fd()
{
	if (db_)
		::munmap(db_, s_.doorbell_size);
	if (sq_)
		::munmap(sq_, s_.sq_size);
	if (cq_)
		::munmap(cq_, s_.cq_size);
	if (anon_)
		::munmap(anon_, s_.anon_pool_size);
	db_ = nullptr;
	sq_ = cq_ = nullptr;
	anon_ = nullptr;
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
}

long RawCtx::setup(toe_setup params)
{
	long ret = xioctl(fd_, TOE_IOC_SETUP, &params);
	if (ret < 0)
		return ret;
	s_ = params;
	map_all();
	return 0;
}

void RawCtx::map_all()
{
	auto map = [&](uint64_t off, size_t len) {
		void *p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, off);
		check(p != MAP_FAILED, "mmap at " + std::to_string(off) + ": " + errno_name(-errno));
		return p;
	};
	db_ = static_cast<toe_doorbell *>(map(TOE_MMAP_DOORBELL, s_.doorbell_size));
	sq_ = static_cast<uint8_t *>(map(TOE_MMAP_SQ, s_.sq_size));
	cq_ = static_cast<uint8_t *>(map(TOE_MMAP_CQ, s_.cq_size));
	if (s_.flags & TOE_SETUP_F_ANON)
		anon_ = map(TOE_MMAP_ANON, s_.anon_pool_size);
}

uint32_t *RawCtx::sq_head() const
{
	return reinterpret_cast<uint32_t *>(sq_ + s_.sq_off.head);
}

uint32_t *RawCtx::sq_tail() const
{
	return reinterpret_cast<uint32_t *>(sq_ + s_.sq_off.tail);
}

uint32_t *RawCtx::cq_head() const
{
	return reinterpret_cast<uint32_t *>(cq_ + s_.cq_off.head);
}

uint32_t *RawCtx::cq_tail() const
{
	return reinterpret_cast<uint32_t *>(cq_ + s_.cq_off.tail);
}

long RawCtx::reg_mr(const void *addr, uint64_t len, uint32_t *handle, uint32_t flags)
{
	toe_reg_mr r{};
	r.addr = reinterpret_cast<uintptr_t>(addr);
	r.len = len;
	r.flags = flags;
	long ret = xioctl(fd_, TOE_IOC_REG_MR, &r);
	if (ret >= 0 && handle)
		*handle = r.handle;
	return ret;
}

long RawCtx::dereg_mr(uint32_t handle)
{
	toe_dereg_mr d{};
	d.handle = handle;
	return xioctl(fd_, TOE_IOC_DEREG_MR, &d);
}

toe_sqe &RawCtx::next_sqe()
{
	uint32_t mask = s_.sq_entries - 1;
	auto *entries = reinterpret_cast<toe_sqe *>(sq_ + s_.sq_off.entries);
	check(sq_tail_local_ - load_acquire(sq_head()) < s_.sq_entries, "request queue full");
	toe_sqe &sqe = entries[sq_tail_local_ & mask];
	std::memset(&sqe, 0, sizeof(sqe));
	sq_tail_local_++;
	return sqe;
}

void RawCtx::publish()
{
	store_release(sq_tail(), sq_tail_local_);
	full_barrier();
	if (__atomic_load_n(&db_->flags, __ATOMIC_RELAXED) & TOE_DB_NEED_WAKEUP)
		enter(TOE_ENTER_F_KICK);
}

void RawCtx::submit(const toe_sqe &sqe)
{
	next_sqe() = sqe;
	publish();
}

long RawCtx::enter(uint32_t flags, uint32_t min_complete, int64_t timeout_ns)
{
	toe_enter e{};
	e.flags = flags;
	e.min_complete = min_complete;
	e.timeout_ns = timeout_ns;
	return xioctl(fd_, TOE_IOC_ENTER, &e);
}

uint32_t RawCtx::cq_ready() const
{
	return load_acquire(cq_tail()) - cq_head_local_;
}

void RawCtx::drain_cq()
{
	auto *entries = reinterpret_cast<toe_cqe *>(cq_ + s_.cq_off.entries);
	uint32_t tail = load_acquire(cq_tail());
	while (cq_head_local_ != tail) {
		backlog_.push_back(entries[cq_head_local_ & (s_.cq_entries - 1)]);
		cq_head_local_++;
	}
	store_release(cq_head(), cq_head_local_);
}

std::optional<toe_cqe> RawCtx::wait_for(const std::function<bool(const toe_cqe &)> &pred,
					int timeout_ms)
{
	int waited = 0;
	for (;;) {
		drain_cq();
		for (auto it = backlog_.begin(); it != backlog_.end(); ++it) {
			if (pred(*it)) {
				toe_cqe c = *it;
				backlog_.erase(it);
				return c;
			}
		}
		if (waited >= timeout_ms)
			return std::nullopt;
		// Kick as well: requests may wait on CQ room we just made.
		long ret = enter(TOE_ENTER_F_WAIT | TOE_ENTER_F_KICK, 1, 100 * 1000000LL);
		if (ret == -ENODEV)
			enter(TOE_ENTER_F_WAIT, 1, 100 * 1000000LL);
		waited += 100;
	}
}

toe_cqe RawCtx::expect(const std::function<bool(const toe_cqe &)> &pred, const std::string &what,
		       int timeout_ms)
{
	auto c = wait_for(pred, timeout_ms);
	if (!c)
		fail("no completion: " + what);
	return *c;
}

toe_cqe RawCtx::request(const toe_sqe &sqe)
{
	toe_sqe s = sqe;
	if (!s.user_data)
		s.user_data = next_tag();
	uint64_t ud = s.user_data;
	submit(s);
	return expect([ud](const toe_cqe &c) { return c.user_data == ud; },
		      "request opcode " + std::to_string(sqe.opcode));
}

uint32_t RawCtx::socket(int proto, uint64_t ref)
{
	toe_sqe s{};
	s.opcode = TOE_OP_SOCKET;
	s.proto = uint8_t(proto);
	s.user_data = ref ? ref : next_tag();
	toe_cqe c = request(s);
	check(c.type == TOE_CQE_REQ, "SOCKET completes with TOE_CQE_REQ");
	check_errno(c.res, 0, "SOCKET");
	check(c.handle == uint32_t(c.res), "SOCKET: res and handle agree");
	return c.handle;
}

long RawCtx::bind(uint32_t handle, in_addr_t addr, uint16_t port)
{
	toe_sqe s{};
	s.opcode = TOE_OP_BIND;
	s.handle = handle;
	s.addr = addr;
	s.port = htons(port);
	toe_cqe c = request(s);
	check(c.type == TOE_CQE_REQ, "BIND completes with TOE_CQE_REQ");
	return c.res;
}

namespace {
std::deque<Case> &registry()
{
	static std::deque<Case> cases;
	return cases;
}
} // namespace

void register_case(const char *name, void (*fn)())
{
	registry().push_back({name, fn});
}

const std::deque<Case> &all_cases()
{
	return registry();
}

} // namespace glue

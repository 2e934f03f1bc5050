// SPDX-License-Identifier: MIT
// A raw view of toe.ko's ABI for the glue tests: contexts driven through
// the ioctls and the mapped rings directly, without libtoe, so the tests
// can write whatever a broken or hostile application could.
#pragma once

#include <linux/toe.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <netinet/in.h>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <string>

namespace glue {

// A failed check: the case stops and reports the message.
struct Failure : std::runtime_error {
	using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string &what,
		       std::source_location where = std::source_location::current());

inline void check(bool ok, const std::string &what,
		  std::source_location where = std::source_location::current())
{
	if (!ok)
		fail(what, where);
}

// Checks that a call returned -expected_errno (or >= 0 for expected 0).
void check_errno(long got, int expected, const std::string &what,
		 std::source_location where = std::source_location::current());

std::string errno_name(int err);

// The environment the cases run in (from the command line).
struct Config {
	std::string ifname; // the device the cases attach the engine to
	int ifindex = 0;
	in_addr_t local = 0; // an address of that device (network order)
	in_addr_t peer = 0; // an address on the other end of the wire
};
extern Config cfg;

// ioctl returning the result or -errno.
long xioctl(int fd, unsigned long request, void *arg);

// Opens /dev/toe: the fd, or -errno.
int open_dev();

// A read-only module parameter (/sys/module/toe/parameters/NAME).
long long module_param(const char *name);

// Runs fn in a forked child; returns its exit status (0 = passed). A
// Failure in the child is printed and makes the status 1.
int run_child(const std::function<void()> &fn);

// Removes a capability from this process's effective and permitted sets.
void drop_capability(int cap);

// Bounded waits: long enough for a slow emulated guest, short enough that
// a lost completion fails the case instead of hanging the suite.
constexpr int kWaitMs = 30000;

// Attaches the engine to cfg.ifname for the scope; detaches at the end if
// it is still attached.
class Attach {
public:
	explicit Attach(int cpu = -1, uint32_t poll_idle_us = 0);
	~Attach();
	Attach(const Attach &) = delete;
	Attach &operator=(const Attach &) = delete;
	void detach();

private:
	int fd_ = -1;
	bool attached_ = false;
};

// ioctl-level attach and detach of ifindex: 0 or -errno.
long attach_if(int fd, int ifindex, int cpu = -1, uint32_t poll_idle_us = 0);
long detach_if(int fd, int ifindex);

toe_setup default_setup(uint32_t sq = 64);

// One application context over the raw ABI.
class RawCtx {
public:
	// Opens /dev/toe; with setup, also sets up and maps everything.
	explicit RawCtx(bool do_setup = true);
	explicit RawCtx(const toe_setup &params);
	~RawCtx();
	RawCtx(const RawCtx &) = delete;
	RawCtx &operator=(const RawCtx &) = delete;

	int fd() const { return fd_; }
	const toe_setup &geometry() const { return s_; }

	// TOE_IOC_SETUP with params: 0 or -errno; maps the areas on success.
	long setup(toe_setup params);
	void close_fd();

	// Regions.
	long reg_mr(const void *addr, uint64_t len, uint32_t *handle, uint32_t flags = 0);
	long dereg_mr(uint32_t handle);

	// The request queue: next_sqe() hands out the next slot (zeroed),
	// publish() releases the tail and kicks a sleeping engine.
	toe_sqe &next_sqe();
	void publish();
	// Submits one request and returns the completion that carries its
	// user_data (others are kept for later calls).
	toe_cqe request(const toe_sqe &sqe);
	void submit(const toe_sqe &sqe);
	// The next completion satisfying pred, waiting up to timeout_ms.
	std::optional<toe_cqe> wait_for(const std::function<bool(const toe_cqe &)> &pred,
					int timeout_ms = kWaitMs);
	toe_cqe expect(const std::function<bool(const toe_cqe &)> &pred, const std::string &what,
		       int timeout_ms = kWaitMs);
	uint32_t cq_ready() const;
	long enter(uint32_t flags, uint32_t min_complete = 0, int64_t timeout_ns = 0);

	// Raw access to the shared memory.
	toe_doorbell *doorbell() const { return db_; }
	uint32_t *sq_head() const;
	uint32_t *sq_tail() const;
	uint32_t *cq_head() const;
	uint32_t *cq_tail() const;
	void *anon() const { return anon_; }
	uint32_t sq_local_tail() const { return sq_tail_local_; }
	void set_sq_local_tail(uint32_t v) { sq_tail_local_ = v; }

	// Socket helpers on top of request(): each checks success.
	uint32_t socket(int proto, uint64_t ref = 0);
	long bind(uint32_t handle, in_addr_t addr, uint16_t port);

	uint64_t next_tag() { return ++tag_; }

private:
	void map_all();
	void drain_cq();

	int fd_ = -1;
	toe_setup s_{};
	toe_doorbell *db_ = nullptr;
	uint8_t *sq_ = nullptr;
	uint8_t *cq_ = nullptr;
	void *anon_ = nullptr;
	uint32_t sq_tail_local_ = 0;
	uint32_t cq_head_local_ = 0;
	uint64_t tag_ = 0x1000;
	std::deque<toe_cqe> backlog_;
};

// One named case.
struct Case {
	const char *name;
	void (*fn)();
};
void register_case(const char *name, void (*fn)());
const std::deque<Case> &all_cases();

#define GLUE_CASE(name)                                                   \
	static void case_##name();                                        \
	static const int reg_##name = (::glue::register_case(#name, case_##name), 0); \
	static void case_##name()

} // namespace glue

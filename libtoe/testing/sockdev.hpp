// SPDX-License-Identifier: MIT
// sockdev: a stand-in for toe.ko that implements the /dev/toe ABI in user
// space over ordinary kernel sockets, loaded with LD_PRELOAD. It lets
// libtoe's threaded ring code and the examples run against real peers on a
// machine without the module. It is a test double, not an offload engine:
// named buffers are filled by recv(2), and "PSH" means "recv found no more
// data for now".
//
// Environment:
//   TOE_SOCKDEV_IDLE_US   busy-poll this long after the last work before
//                         setting NEED_WAKEUP and sleeping (default 2000)
//   TOE_SOCKDEV_COUNTERS  a file to which each context writes its counters
//                         (kicks, waits) when it is closed
#pragma once

#include <linux/toe.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <thread>

namespace toe::sockdev {

struct NamedBuffer {
	uint64_t user_data;
	uint32_t region;
	unsigned char *data;
	uint32_t len;
	uint32_t threshold;
	uint32_t filled = 0;
	int64_t deadline_ns = 0; // 0: no timeout
};

struct PendingSend {
	uint64_t user_data;
	uint32_t region;
	const unsigned char *data;
	uint32_t len;
	uint32_t done = 0;
};

struct Sock {
	uint32_t handle;
	int fd = -1;
	int proto;
	uint64_t ref;
	bool listening = false;
	bool connecting = false;
	bool peer_closed = false;
	bool closing = false; // graceful close waits for the sends
	uint64_t close_user_data = 0;
	std::deque<NamedBuffer> buffers;
	std::deque<PendingSend> sends;
	std::deque<uint64_t> accepts;
	uint64_t connect_user_data = 0;
	uint32_t epoll_events = 0;
};

class Context {
public:
	explicit Context(int fd);
	~Context();

	int setup(toe_setup *s);
	void *map(uint64_t offset, size_t len);
	bool owns_mapping(void *addr) const;
	int reg_mr(toe_reg_mr *r);
	int dereg_mr(const toe_dereg_mr *r);
	int enter(const toe_enter *e);

	int fd() const { return fd_; }

private:
	// The engine thread and what it does.
	void run();
	bool take_requests();
	void execute(const toe_sqe &sqe);
	bool poll_sockets(int timeout_ms);
	bool expire_buffers();
	void post(toe_cqe c);
	void flush_overflow();
	uint32_t cq_ready() const;

	void on_readable(Sock &s);
	void on_writable(Sock &s);
	void do_accept(Sock &s);
	void fill_tcp(Sock &s);
	void fill_udp(Sock &s);
	void push_sends(Sock &s);
	void return_buffer(Sock &s, uint16_t reason, int32_t res);
	void return_all(Sock &s, uint16_t reason, int32_t res);
	void fail_sends(Sock &s, int32_t res);
	void finish_close(Sock &s, int32_t res);
	void update_interest(Sock &s);
	unsigned char *resolve(uint32_t region, uint64_t off, uint32_t len);
	void unuse(uint32_t region);
	Sock *find(uint32_t handle);
	toe_cqe completion_for(const Sock &s, uint16_t type, uint64_t user_data, int32_t res);

	int fd_;
	int epfd_ = -1;
	int kick_fd_ = -1;
	bool set_up_ = false;
	uint32_t idle_us_ = 2000;

	// The shared memory, as the module would map it.
	void *doorbell_ = nullptr;
	void *sq_mem_ = nullptr;
	void *cq_mem_ = nullptr;
	size_t sq_len_ = 0, cq_len_ = 0;
	toe_doorbell *db_ = nullptr;
	uint32_t *sq_head_ = nullptr, *sq_tail_ = nullptr;
	uint32_t *cq_head_ = nullptr, *cq_tail_ = nullptr;
	toe_sqe *sqes_ = nullptr;
	toe_cqe *cqes_ = nullptr;
	uint32_t sq_entries_ = 0, cq_entries_ = 0;
	uint32_t sq_head_own_ = 0, cq_tail_own_ = 0; // our own copies
	std::deque<toe_cqe> overflow_;

	struct Region {
		uintptr_t addr;
		uint64_t len;
		unsigned users = 0;
	};
	std::mutex regions_lock_; // the application registers while we run
	std::map<uint32_t, Region> regions_;
	uint32_t next_region_ = 1;
	std::map<uint32_t, Sock> socks_;
	uint32_t next_sock_ = 1;

	std::thread engine_;
	std::atomic<bool> stop_{false};
	std::mutex wait_lock_;
	std::condition_variable cq_changed_;
	std::atomic<uint64_t> kicks_{0}, waits_{0};
};

} // namespace toe::sockdev

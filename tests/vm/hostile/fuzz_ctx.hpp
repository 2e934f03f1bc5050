// SPDX-License-Identifier: MIT
// One hostile application context: the raw rings driven by hand, every
// request written with what its completion must say, and every completion
// matched against it, so that a lost, duplicated or wrongly successful
// completion is caught.
#pragma once

#include "raw.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace hostile {

// What a request's completion must say.
enum class Expect : uint8_t {
	fail, // a TOE_CQE_REQ with a negative res (errno given, or any)
	succeed, // res >= 0
	any, // whatever the engine decides (valid requests racing with others)
};

struct Pending {
	Expect expect;
	uint8_t opcode;
	int err; // with Expect::fail: the errno it must be, 0 for any
	uint32_t handle; // SOCKET: 0; CLOSE/ABORT: the socket
};

// Totals over every context of the run, shared by the worker threads.
struct Stats {
	std::atomic<uint64_t> entries{0}; // SQ slots written and published
	std::atomic<uint64_t> bad_entries{0}; // of which must fail
	std::atomic<uint64_t> bad_failed{0}; // bad entries seen failing as they must
	std::atomic<uint64_t> completions{0};
	std::atomic<uint64_t> events{0}; // completions of no request (peer closes, ...)
	std::atomic<uint64_t> lost{0}; // requests never completed
	std::atomic<uint64_t> wrong{0}; // completions that broke their expectation
	std::atomic<uint64_t> contexts{0};
	std::atomic<uint64_t> ioctls{0};
	std::atomic<uint64_t> recv_bytes{0}; // datagrams placed in posted buffers
	std::atomic<uint64_t> sends{0}; // UDP sends completed
	std::atomic<uint64_t> dereg_busy{0}; // DEREG refused while buffers were posted
	std::atomic<uint64_t> dereg_in_flight{0}; // DEREG tried with buffers posted
	std::atomic<uint64_t> garbage_index_completions{0};
	std::atomic<uint64_t> abandoned{0}; // requests of contexts closed unread
	std::atomic<uint64_t> bad_abandoned{0}; // of which must fail
	std::mutex lock; // for errnos and the first failures' descriptions
	std::map<int, uint64_t> errnos;
	std::vector<std::string> first_wrong;

	void note_wrong(const std::string &what);
	void note_errno(int res);
};

// Socket handles that some context holds, for others to try: a handle
// another context uses must be as unknown to this one as a random number.
class HandleBoard {
public:
	void publish(unsigned slot, uint32_t handle);
	uint32_t pick(std::mt19937_64 &rng) const;

private:
	static constexpr unsigned kSlots = 64;
	std::atomic<uint32_t> handles_[kSlots]{};
};

class FuzzCtx {
public:
	FuzzCtx(Stats &stats, const toe_setup &params);
	~FuzzCtx();
	FuzzCtx(const FuzzCtx &) = delete;
	FuzzCtx &operator=(const FuzzCtx &) = delete;

	int fd() const { return fd_; }
	const toe_setup &geometry() const { return g_; }

	// Writes one request into the SQ (waiting for room, reaping as it
	// goes) with a fresh user_data and what its completion must say;
	// returns the user_data. The request is published by flush().
	uint64_t push(toe_sqe sqe, Expect expect, int err = 0);
	void flush();
	// Reads every completion the CQ holds and judges it.
	void reap();
	// Waits until every request has completed, up to timeout_ms; what is
	// still pending then is counted as lost.
	bool settle(int timeout_ms);
	size_t pending() const { return pending_.size(); }
	// The context is closed with requests in flight, on purpose: their
	// completions are never read, and are counted apart.
	void abandon();

	// Sockets this context created and has not closed, and handles it
	// ever held (never to be used as "someone else's").
	const std::vector<uint32_t> &live_sockets() const { return live_; }
	bool ever_held(uint32_t handle) const;
	void forget_socket(uint32_t handle);
	// Blocking helpers for setting up: a request and its completion.
	toe_cqe call(const toe_sqe &sqe);

	// Raw shared memory, for the index abuse.
	uint32_t *sq_word(uint32_t off) const;
	uint32_t *cq_word(uint32_t off) const;
	toe_sqe *sq_entries() const;
	toe_doorbell *doorbell() const { return db_; }
	uint32_t sq_local_tail() const { return sq_tail_; }
	void kick();
	// Closes the file but keeps the mappings (the context lives on
	// until unmap_all()).
	void close_fd();
	void unmap_all();

private:
	void judge(const toe_cqe &c);
	void wait_completion(int timeout_ms);

	Stats &stats_;
	int fd_ = -1;
	toe_setup g_{};
	toe_doorbell *db_ = nullptr;
	uint8_t *sq_ = nullptr;
	uint8_t *cq_ = nullptr;
	void *anon_ = nullptr;
	uint32_t sq_tail_ = 0;
	uint32_t cq_head_ = 0;
	std::unordered_map<uint64_t, Pending> pending_;
	std::vector<uint32_t> live_;
	std::vector<uint32_t> held_;
	std::vector<toe_cqe> waited_; // completions call() set aside
	uint64_t calling_ = 0;
};

// user_data values are unique over the whole run.
uint64_t next_user_data();

} // namespace hostile

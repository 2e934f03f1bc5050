// SPDX-License-Identifier: MIT
#include "fuzz_ctx.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace hostile {

using glue::check;
using glue::check_errno;
using glue::errno_name;

namespace {

std::atomic<uint64_t> user_data_counter{0x4000};

template <typename T> T load_acquire(const T *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

template <typename T> void store_release(T *p, T v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

} // namespace

uint64_t next_user_data()
{
	return user_data_counter.fetch_add(1, std::memory_order_relaxed);
}

void Stats::note_wrong(const std::string &what)
{
	wrong++;
	std::lock_guard<std::mutex> hold(lock);
	if (first_wrong.size() < 20)
		first_wrong.push_back(what);
}

void Stats::note_errno(int res)
{
	std::lock_guard<std::mutex> hold(lock);
	errnos[res]++;
}

void HandleBoard::publish(unsigned slot, uint32_t handle)
{
	handles_[slot % kSlots].store(handle, std::memory_order_relaxed);
}

uint32_t HandleBoard::pick(std::mt19937_64 &rng) const
{
	return handles_[rng() % kSlots].load(std::memory_order_relaxed);
}

FuzzCtx::FuzzCtx(Stats &stats, const toe_setup &params) : stats_(stats)
{
	fd_ = glue::open_dev();
	check(fd_ >= 0, "open /dev/toe: " + errno_name(fd_));
	g_ = params;
	check_errno(glue::xioctl(fd_, TOE_IOC_SETUP, &g_), 0, "TOE_IOC_SETUP");
	auto map = [&](uint64_t off, size_t len) {
		void *p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, off);
		check(p != MAP_FAILED, "mmap at " + std::to_string(off) + ": " + errno_name(-errno));
		return p;
	};
	db_ = static_cast<toe_doorbell *>(map(TOE_MMAP_DOORBELL, g_.doorbell_size));
	sq_ = static_cast<uint8_t *>(map(TOE_MMAP_SQ, g_.sq_size));
	cq_ = static_cast<uint8_t *>(map(TOE_MMAP_CQ, g_.cq_size));
	if (g_.flags & TOE_SETUP_F_ANON)
		anon_ = map(TOE_MMAP_ANON, g_.anon_pool_size);
	stats_.contexts++;
}

FuzzCtx::~FuzzCtx()
{
	unmap_all();
	close_fd();
}

void FuzzCtx::close_fd()
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
}

void FuzzCtx::unmap_all()
{
	if (db_)
		::munmap(db_, g_.doorbell_size);
	if (sq_)
		::munmap(sq_, g_.sq_size);
	if (cq_)
		::munmap(cq_, g_.cq_size);
	if (anon_)
		::munmap(anon_, g_.anon_pool_size);
	db_ = nullptr;
	sq_ = cq_ = nullptr;
	anon_ = nullptr;
}

uint32_t *FuzzCtx::sq_word(uint32_t off) const
{
	return reinterpret_cast<uint32_t *>(sq_ + off);
}

uint32_t *FuzzCtx::cq_word(uint32_t off) const
{
	return reinterpret_cast<uint32_t *>(cq_ + off);
}

toe_sqe *FuzzCtx::sq_entries() const
{
	return reinterpret_cast<toe_sqe *>(sq_ + g_.sq_off.entries);
}

void FuzzCtx::kick()
{
	toe_enter e{};
	e.flags = TOE_ENTER_F_KICK;
	glue::xioctl(fd_, TOE_IOC_ENTER, &e);
}

void FuzzCtx::wait_completion(int timeout_ms)
{
	toe_enter e{};
	e.flags = TOE_ENTER_F_WAIT | TOE_ENTER_F_KICK;
	e.min_complete = 1;
	e.timeout_ns = int64_t(timeout_ms) * 1000000;
	glue::xioctl(fd_, TOE_IOC_ENTER, &e);
}

uint64_t FuzzCtx::push(toe_sqe sqe, Expect expect, int err)
{
	for (;;) {
		uint32_t used = sq_tail_ - load_acquire(sq_word(g_.sq_off.head));
		if (used < g_.sq_entries)
			break;
		flush();
		reap();
		wait_completion(10);
	}
	sqe.user_data = next_user_data();
	sq_entries()[sq_tail_ & (g_.sq_entries - 1)] = sqe;
	sq_tail_++;
	pending_[sqe.user_data] = Pending{expect, sqe.opcode, err, sqe.handle};
	stats_.entries++;
	if (expect == Expect::fail)
		stats_.bad_entries++;
	return sqe.user_data;
}

void FuzzCtx::flush()
{
	store_release(sq_word(g_.sq_off.tail), sq_tail_);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&db_->flags, __ATOMIC_RELAXED) & TOE_DB_NEED_WAKEUP)
		kick();
}

void FuzzCtx::reap()
{
	auto *entries = reinterpret_cast<const toe_cqe *>(cq_ + g_.cq_off.entries);
	uint32_t tail = load_acquire(cq_word(g_.cq_off.tail));
	while (cq_head_ != tail) {
		toe_cqe c = entries[cq_head_ & (g_.cq_entries - 1)];
		cq_head_++;
		judge(c);
	}
	store_release(cq_word(g_.cq_off.head), cq_head_);
}

void FuzzCtx::judge(const toe_cqe &c)
{
	auto it = pending_.find(c.user_data);
	if (it == pending_.end()) {
		if (c.type == TOE_CQE_REQ)
			stats_.note_wrong("a request completion nobody asked for: user_data " +
					  std::to_string(c.user_data) + " res " +
					  errno_name(c.res));
		else
			stats_.events++;
		return;
	}
	const Pending p = it->second;
	pending_.erase(it);
	stats_.completions++;
	if (c.res < 0)
		stats_.note_errno(c.res);
	std::string what = "opcode " + std::to_string(p.opcode) + " (type " +
			   std::to_string(c.type) + ", res " + errno_name(c.res) + ")";
	switch (p.expect) {
	case Expect::fail:
		if (c.type != TOE_CQE_REQ || c.res >= 0 || (p.err && c.res != -p.err))
			stats_.note_wrong("a bad request did not fail as it must: " + what +
					  (p.err ? ", expected " + errno_name(-p.err) : ""));
		else
			stats_.bad_failed++;
		break;
	case Expect::succeed:
		if (c.res < 0)
			stats_.note_wrong("a good request failed: " + what);
		break;
	case Expect::any:
		break;
	}
	if (p.opcode == TOE_OP_SOCKET && c.type == TOE_CQE_REQ && c.res > 0) {
		live_.push_back(c.handle);
		held_.push_back(c.handle);
	}
	if (p.opcode == TOE_OP_SEND && c.type == TOE_CQE_SEND && c.res >= 0)
		stats_.sends++;
	if (c.type == TOE_CQE_RECV && c.bytes)
		stats_.recv_bytes += c.bytes;
	if (calling_ == c.user_data)
		waited_.push_back(c);
}

bool FuzzCtx::settle(int timeout_ms)
{
	for (int waited = 0;; waited += 100) {
		flush();
		reap();
		if (pending_.empty())
			return true;
		if (waited >= timeout_ms)
			break;
		wait_completion(100);
	}
	stats_.lost += pending_.size();
	int shown = 0;
	for (const auto &[ud, p] : pending_) {
		if (shown++ == 5)
			break;
		stats_.note_wrong("never completed: user_data " + std::to_string(ud) + " opcode " +
				  std::to_string(p.opcode));
	}
	pending_.clear();
	return false;
}

void FuzzCtx::abandon()
{
	for (const auto &entry : pending_) {
		stats_.abandoned++;
		if (entry.second.expect == Expect::fail)
			stats_.bad_abandoned++;
	}
	pending_.clear();
}

bool FuzzCtx::ever_held(uint32_t handle) const
{
	return std::find(held_.begin(), held_.end(), handle) != held_.end();
}

void FuzzCtx::forget_socket(uint32_t handle)
{
	live_.erase(std::remove(live_.begin(), live_.end(), handle), live_.end());
}

toe_cqe FuzzCtx::call(const toe_sqe &sqe)
{
	calling_ = push(sqe, Expect::any);
	waited_.clear();
	for (int waited = 0; waited < glue::kWaitMs; waited += 100) {
		flush();
		reap();
		if (!waited_.empty()) {
			calling_ = 0;
			return waited_.front();
		}
		wait_completion(100);
	}
	glue::fail("no completion for opcode " + std::to_string(sqe.opcode));
}

} // namespace hostile

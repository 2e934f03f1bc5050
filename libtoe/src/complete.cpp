// SPDX-License-Identifier: MIT
// Reading completions: peek without a syscall, spin briefly, and sleep in
// the kernel only while nothing is ready.
#include <toe/toe.h>

#include <cerrno>
#include <ctime>
#include <sys/ioctl.h>

#include "handle.hpp"

namespace {

using namespace toe::detail;

int64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Polls the queue until something is ready or `until` passes. The clock is
// read only every few dozen polls: it costs more than a poll.
bool spin_until(const toe_handle *h, int64_t until)
{
	for (;;) {
		for (int i = 0; i < 64; i++) {
			if (h->cq.ready())
				return true;
			toe_cpu_relax();
		}
		if (now_ns() >= until)
			return h->cq.ready() != 0;
	}
}

void disarm(toe_handle *h)
{
	toe_write_once(&h->db->cq_armed, 0u);
}

// The engine sleeps with requests of ours still unread: a kick went astray.
bool engine_owes_us_a_look(const toe_handle *h)
{
	return h->sq.published != toe_smp_load_acquire(h->sq.khead) &&
	       (toe_read_once(&h->db->flags) & TOE_DB_NEED_WAKEUP);
}

} // namespace

namespace toe::detail {

int enter_wait(toe_handle *h, int64_t timeout_ns)
{
	toe_enter enter{};
	enter.flags = TOE_ENTER_F_WAIT;
	if (engine_owes_us_a_look(h))
		enter.flags |= TOE_ENTER_F_KICK;
	enter.min_complete = 1;
	enter.timeout_ns = timeout_ns;
	if (::ioctl(h->fd, TOE_IOC_ENTER, &enter) < 0)
		return -errno;
	return 0;
}

} // namespace toe::detail

extern "C" unsigned toe_cq_ready(const toe_handle *h)
{
	return h ? h->cq.ready() : 0;
}

extern "C" int toe_peek_cqe(toe_handle *h, toe_cqe **cqe)
{
	if (!h || !cqe)
		return -EINVAL;
	if (!h->cq.ready())
		return -EAGAIN;
	*cqe = h->cq.at(0);
	return 0;
}

extern "C" unsigned toe_peek_batch_cqe(toe_handle *h, toe_cqe **cqes, unsigned count)
{
	if (!h || !cqes)
		return 0;
	unsigned n = h->cq.ready();
	if (n > count)
		n = count;
	for (unsigned i = 0; i < n; i++)
		cqes[i] = h->cq.at(i);
	return n;
}

extern "C" void toe_cqe_seen(toe_handle *h, toe_cqe *cqe)
{
	if (h && cqe)
		h->cq.advance(1);
}

extern "C" void toe_cq_advance(toe_handle *h, unsigned n)
{
	if (!h)
		return;
	unsigned ready = h->cq.ready();
	h->cq.advance(n > ready ? ready : n);
}

extern "C" int toe_cq_arm(toe_handle *h)
{
	if (!h)
		return -EINVAL;
	toe_write_once(&h->db->cq_armed, 1u);
	// Pairs with the engine's barrier between writing its tail and
	// reading cq_armed: one of us sees the other.
	toe_smp_mb();
	return int(h->cq.ready());
}

namespace {

// Spinning pays only while completions come sooner than spin_us. After
// this many spins in a row came up empty the handle stops spinning, and
// tries again only once every kSpinProbeEvery waits: no clock is read and
// no CPU burnt while the answers are slow (or the answering thread needs
// this CPU).
constexpr uint32_t kSpinMissesToStop = 4;
constexpr uint32_t kSpinProbeEvery = 32;

// The engine thread sleeps and waiters run its rounds themselves: a
// completion polled for would have to wake the thread first (two hops, on
// the CPU the peer may need), while a waiter in TOE_IOC_ENTER is woken by
// the frame and produces the completion itself.
bool waiting_beats_polling(const toe_handle *h)
{
	constexpr uint32_t both = TOE_DB_NEED_WAKEUP | TOE_DB_SERVES_WAITERS;
	return (toe_read_once(&h->db->flags) & both) == both;
}

// Whether to poll before sleeping: also never while the engine sleeps with
// our requests unread, since nothing can come before the kick.
bool spin_pays(toe_handle *h)
{
	if (!h->spin || engine_owes_us_a_look(h) || waiting_beats_polling(h))
		return false;
	if (h->spin_misses < kSpinMissesToStop)
		return true;
	return ++h->waits_since_probe % kSpinProbeEvery == 0;
}

int wait_cqe(toe_handle *h, toe_cqe **cqe, int64_t timeout_ns)
{
	if (h->cq.ready()) {
		*cqe = h->cq.at(0);
		return 0;
	}
	if (timeout_ns == 0)
		return -ETIME;

	int64_t left = timeout_ns;
	if (spin_pays(h)) {
		int64_t start = now_ns();
		int64_t spin_ns = int64_t(h->spin_us) * 1000;
		if (timeout_ns > 0 && timeout_ns < spin_ns)
			spin_ns = timeout_ns;
		if (spin_until(h, start + spin_ns)) {
			h->spin_misses = 0;
			*cqe = h->cq.at(0);
			return 0;
		}
		h->spin_misses++;
		if (timeout_ns > 0) {
			left = timeout_ns - (now_ns() - start);
			if (left <= 0)
				return -ETIME;
		}
	}

	// The kernel keeps the time-out itself and returns only with a
	// completion, at the time-out, on a signal or when the engine goes:
	// no clock to read here.
	if (toe_cq_arm(h) == 0) {
		int ret = enter_wait(h, left);
		disarm(h);
		if (!h->cq.ready())
			return ret < 0 ? ret : -ETIME;
	} else {
		disarm(h);
	}
	*cqe = h->cq.at(0);
	return 0;
}

} // namespace

extern "C" int toe_wait_cqe(toe_handle *h, toe_cqe **cqe, int64_t timeout_ns)
{
	if (!h || !cqe)
		return -EINVAL;
	return wait_cqe(h, cqe, timeout_ns);
}

extern "C" int toe_submit_and_wait(toe_handle *h, toe_cqe **cqe, int64_t timeout_ns)
{
	if (!h || !cqe)
		return -EINVAL;
	// The kick, if the engine sleeps, rides on the wait's TOE_IOC_ENTER.
	uint32_t n = publish(h);
	int ret = wait_cqe(h, cqe, timeout_ns);
	// The wait ended without entering the kernel: kick now, or the
	// requests would wait for the engine's next look.
	if (n && engine_owes_us_a_look(h)) {
		int err = kick_engine(h);
		if (err && ret == 0)
			return err;
	}
	return ret;
}

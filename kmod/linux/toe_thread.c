// SPDX-License-Identifier: GPL-2.0
/*
 * The engine thread: the offload processor. One per attached device,
 * optionally bound to a CPU.
 *
 * Each round takes the engine mutex and feeds the engine a batch of
 * received frames, a batch of each bound context's requests and its
 * expired timers, then publishes completions and wakes their waiters. The
 * thread spins while rounds find work and for poll_idle_us after the last
 * one (in adaptive mode only while that pays, see toe_thread_idle_us);
 * then it sleeps until a frame arrives, an application kicks it, or
 * the deadline timer fires for the engine's next timer (or a lingering port
 * reservation). While it sleeps, applications run rounds themselves
 * (toe_inline.c); they move the deadline timer earlier when their rounds
 * arm an earlier engine timer.
 *
 * Going to sleep without losing a wake-up: the thread sets NEED_WAKEUP in
 * every bound context's doorbell (and its own "sleeping" flag), issues a
 * full barrier, and only then looks at the SQ tails and the rx queue once
 * more. An application publishes its SQ tail, issues a full barrier, and
 * then reads NEED_WAKEUP: either the thread sees the new tail, or the
 * application sees the flag and kicks (TOE_IOC_ENTER). The rx_handler
 * pairs with the "sleeping" flag the same way.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/sched/task.h>

#include "toe_priv.h"

#define TOE_RX_BUDGET 64u
#define TOE_SQ_BUDGET 64u
/* Timers may fire this much late, so the kernel can batch wake-ups. */
#define TOE_TIMER_SLACK_NS (50 * NSEC_PER_USEC)

bool toe_dev_round(struct toe_dev *dev)
{
	struct toe_ctx *ctx;
	bool work = false;
	u64 now;

	if (toe_rx_process(dev, TOE_RX_BUDGET))
		work = true;
	list_for_each_entry(ctx, &dev->ctxs, dev_node) {
		u32 parked = ctx->nr_overflow;

		if (parked) {
			toe_ring_flush_overflow(ctx);
			if (ctx->nr_overflow != parked)
				work = true;
		}
		if (toe_ring_consume_sq(ctx, TOE_SQ_BUDGET))
			work = true;
	}
	now = toe_os_now_us();
	if (toe_engine_next_deadline_us(dev->eng) <= now) {
		toe_engine_poll(dev->eng);
		work = true;
	}
	toe_port_reap(dev, now);
	list_for_each_entry(ctx, &dev->ctxs, dev_node)
		toe_ring_cq_commit(ctx);
	dev->ctr.polls++;
	return work;
}

bool toe_dev_has_work(struct toe_dev *dev)
{
	struct toe_ctx *ctx;

	if (!skb_queue_empty_lockless(&dev->rxq))
		return true;
	list_for_each_entry(ctx, &dev->ctxs, dev_node) {
		if (toe_ring_sq_pending(ctx))
			return true;
		if (ctx->nr_overflow && toe_ring_cq_room(ctx))
			return true;
	}
	return false;
}

static void toe_thread_set_need_wakeup(struct toe_dev *dev, bool on)
{
	u32 flags = TOE_DB_NEED_WAKEUP;
	struct toe_ctx *ctx;

	/* While the thread sleeps, waiters run the rounds (toe_inline.c). */
	if (!dev->inline_off)
		flags |= TOE_DB_SERVES_WAITERS;
	list_for_each_entry(ctx, &dev->ctxs, dev_node) {
		if (on)
			toe_ring_set_db_flags(ctx, flags, 0);
		else
			toe_ring_set_db_flags(ctx, 0, flags);
	}
}

static void toe_thread_sleep(struct toe_dev *dev)
{
	bool pending;

	WRITE_ONCE(dev->sleeping, true);
	mutex_lock(&dev->lock);
	toe_thread_set_need_wakeup(dev, true);
	/* Lost wake-up: the flags before the second look at the sources. */
	smp_mb();
	pending = toe_dev_has_work(dev);
	/* Inline rounds may move the deadline earlier while we sleep. */
	toe_dev_arm_deadline(dev);
	mutex_unlock(&dev->lock);

	if (!pending) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!test_and_clear_bit(TOE_DEV_WAKE_BIT, &dev->wake) &&
		    !kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}

	WRITE_ONCE(dev->sleeping, false);
	mutex_lock(&dev->lock);
	toe_thread_set_need_wakeup(dev, false);
	dev->ctr.wakeups++;
	mutex_unlock(&dev->lock);
}

/*
 * How long to poll after the last work. Adaptive: twice the recent gap
 * between bursts, when polling that long is likely to meet the next one
 * for less than a sleep and a wake-up cost (the cap says what that is);
 * nothing when the gaps are longer, or when another task wants this CPU
 * (the application or its peer, on a machine with few CPUs).
 */
static u64 toe_thread_idle_us(struct toe_dev *dev)
{
	u64 cap = READ_ONCE(dev->poll_idle_us);

	if (!dev->poll_adaptive)
		return cap;
	if (!single_task_running() || dev->gap_ewma_us > cap)
		return 0;
	return min(cap, 2 * dev->gap_ewma_us);
}

/* An idle spell ended by work after gap_us: the gaps' moving average. */
static void toe_thread_note_gap(struct toe_dev *dev, u64 gap_us)
{
	dev->gap_ewma_us = (7 * dev->gap_ewma_us + gap_us) / 8;
}

static int toe_thread_fn(void *arg)
{
	struct toe_dev *dev = arg;
	u64 last_work = toe_os_now_us();
	bool idle = false, polled = false;

	while (!kthread_should_stop()) {
		bool work;
		u64 now;

		mutex_lock(&dev->lock);
		work = toe_dev_round(dev);
		mutex_unlock(&dev->lock);

		now = toe_os_now_us();
		if (work) {
			if (idle)
				toe_thread_note_gap(dev, now - last_work);
			if (polled)
				dev->ctr.idle_poll_hits++;
			idle = polled = false;
			last_work = now;
		} else if (now - last_work >= toe_thread_idle_us(dev)) {
			toe_thread_sleep(dev);
			idle = true;
			polled = false;
			continue;
		} else if (!idle) {
			dev->ctr.idle_polls++;
			idle = polled = true;
		}
		cond_resched();
	}
	return 0;
}

int toe_thread_start(struct toe_dev *dev)
{
	struct task_struct *task;
	int err;

	task = kthread_create(toe_thread_fn, dev, "toe/%s", dev->ifname);
	if (IS_ERR(task))
		return PTR_ERR(task);
	if (dev->cpu >= 0) {
		err = set_cpus_allowed_ptr(task, cpumask_of(dev->cpu));
		if (err) {
			kthread_stop(task);
			return err;
		}
	}
	/* Kept past the thread's exit, for late kicks (see toe_dev_wake). */
	get_task_struct(task);
	dev->thread = task;
	dev->thread_cred = get_task_cred(task);
	wake_up_process(task);
	return 0;
}

void toe_thread_stop(struct toe_dev *dev)
{
	kthread_stop(dev->thread);
}

void toe_dev_wake(struct toe_dev *dev)
{
	set_bit(TOE_DEV_WAKE_BIT, &dev->wake);
	wake_up_process(dev->thread);
}

void toe_dev_wake_for_rx(struct toe_dev *dev)
{
	/*
	 * Lost wake-up: the queued frame before the look at the inline
	 * waiters and at "sleeping" (see toe_inline.c).
	 */
	smp_mb();
	if (!READ_ONCE(dev->sleeping))
		return; /* the thread's next round takes the frame */
	if (atomic_read(&dev->inline_waiters))
		wake_up(&dev->work_wait);
	else if (!toe_dev_defer_rx(dev))
		toe_dev_wake(dev);
}

/* ---- The deadline timer ------------------------------------------------------ */

static enum hrtimer_restart toe_dev_deadline_fired(struct hrtimer *timer)
{
	struct toe_dev *dev = container_of(timer, struct toe_dev, deadline);

	toe_dev_wake(dev);
	return HRTIMER_NORESTART;
}

void toe_dev_timers_init(struct toe_dev *dev)
{
	hrtimer_init(&dev->deadline, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	dev->deadline.function = toe_dev_deadline_fired;
	dev->deadline_us = TOE_DEADLINE_NONE;
	toe_dev_rx_defer_init(dev);
}

void toe_dev_arm_deadline(struct toe_dev *dev)
{
	u64 at;

	if (!dev->eng)
		return;
	at = min(toe_engine_next_deadline_us(dev->eng),
		 toe_port_next_expiry(dev));
	if (at == TOE_DEADLINE_NONE)
		return;
	/*
	 * An armed timer that fires no later is good enough: firing early
	 * costs one idle round, and not moving it saves reprogramming the
	 * clock on every segment.
	 */
	if (hrtimer_active(&dev->deadline) && at >= dev->deadline_us)
		return;
	dev->deadline_us = at;
	hrtimer_start_range_ns(&dev->deadline, ns_to_ktime(at * NSEC_PER_USEC),
			       TOE_TIMER_SLACK_NS, HRTIMER_MODE_ABS);
}

void toe_dev_timers_cancel(struct toe_dev *dev)
{
	hrtimer_cancel(&dev->deadline);
	dev->deadline_us = TOE_DEADLINE_NONE;
	hrtimer_cancel(&dev->rx_defer);
}

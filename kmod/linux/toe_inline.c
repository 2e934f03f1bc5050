// SPDX-License-Identifier: GPL-2.0
/*
 * Engine rounds in the application's own context.
 *
 * A request/response exchange through the engine thread pays two thread
 * hops: the kick wakes the thread to send the request, and the answer's
 * frame wakes the thread, which wakes the application. The kernel's own
 * busy polling and io_uring's inline completions avoid both, and so does
 * this: while the thread sleeps, a kick runs the round that takes the
 * kicker's requests itself; and an application waiting for completions
 * (TOE_IOC_ENTER with TOE_ENTER_F_WAIT) serves the engine while it waits.
 * The rx_handler wakes such a waiter instead of the thread, and the waiter
 * runs rounds under the engine mutex until its own completion is ready.
 * The thread remains for contexts that do not wait, for the engine's
 * timers (the deadline timer wakes it) and for work a waiter leaves
 * behind.
 *
 * A round serves every context, not only the caller's: the engine mutex
 * makes rounds exclusive wherever they run, and each round publishes every
 * context's completions and wakes their waiters. It runs with the engine
 * thread's credentials, not the caller's: what it does in the host stack
 * (a port reservation's bind, say) is the engine's doing, already checked
 * against the credentials each context was opened with.
 *
 * Bulk work goes back to the thread. Serving the engine inline pays on the
 * latency path, where one frame completes one request; it costs in a
 * stream, where the application would do the engine's work on its own CPU
 * instead of beside it, and would fight the thread for the engine mutex.
 * So a waiter serves the engine only while the thread sleeps (an awake
 * thread is left to do the rounds, and the rx_handler does not wake
 * waiters for it), and a waiter whose completions need more than
 * TOE_INLINE_TURNS turns (a stream's ACKs or data frames) wakes the thread
 * and waits as in "thread" mode. Its context is then bulk: its kicks wake
 * the thread rather than send inline, and its waits go to the thread
 * directly, but for one in TOE_INLINE_PROBE_EVERY, which serves the
 * engine again and clears the mark if its answer comes within two turns.
 *
 * Handing off without losing a frame: the rx_handler queues a frame,
 * issues a full barrier and reads the number of inline waiters; a waiter
 * leaving decrements that number, issues a full barrier and looks at the
 * queue. Either the handler sees no waiter and wakes the thread, or the
 * waiter sees the frame and wakes it.
 *
 * A frame that finds no waiter need not wake the thread either: if an
 * application waited inline a moment ago it is about to come back (its
 * answer arrived before it entered the wait, or its peer's FIN after its
 * close), and its kick or wait takes the frame in its own context. The
 * rx_defer timer wakes the thread if none comes within rx_defer_us, as
 * the kernel's napi_defer_hard_irqs with gro_flush_timeout.
 */
#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "toe_priv.h"

/*
 * A frame is left for an application only if one had its answer from an
 * inline wait this recently: one in a request/response loop, between its
 * kick and its wait or between a close and its next connect. An
 * application that polls its CQ and never waits does not count (it would
 * not come for the frame), nor does a bulk one (the thread has its work).
 */
#define TOE_RX_DEFER_WINDOW_NS (2 * NSEC_PER_MSEC)

/* Rounds per turn before a waiter looks at its own queue and signals. */
#define TOE_INLINE_ROUNDS 8u
/* Turns a waiter serves before its wait counts as bulk work. */
#define TOE_INLINE_TURNS 4u
/* A bulk context's waits that leave the work to the thread between probes. */
#define TOE_INLINE_PROBE_EVERY 32u
/*
 * Frames sent and received in one turn beyond which the turn was bulk work:
 * an answer is a frame or two each way, a stream's turn dozens.
 */
#define TOE_INLINE_BULK_FRAMES 16u

/*
 * dev->lock held: rounds until there is nothing to do, ctx has its
 * completions, or the budget is spent. Returns whether work is left.
 */
static bool toe_inline_rounds(struct toe_dev *dev, struct toe_ctx *ctx,
			      u32 min_complete)
{
	u32 i;

	for (i = 0; i < TOE_INLINE_ROUNDS; i++) {
		dev->ctr.inline_rounds++;
		if (!toe_dev_round(dev))
			return false;
		if (ctx && toe_ring_cq_ready(ctx) >= min_complete)
			break;
	}
	return toe_dev_has_work(dev);
}

/*
 * One turn of serving the engine for caller's context, until ctx (if any)
 * has min_complete completions; counter, if any, counts it. A turn that
 * moved a stream's worth of frames marks the caller bulk. Returns whether
 * work is left.
 */
static bool toe_inline_turn(struct toe_dev *dev, struct toe_ctx *caller_ctx,
			    struct toe_ctx *ctx, u32 min_complete, u64 *counter)
{
	const struct cred *caller;
	bool left = false;
	u64 frames;

	mutex_lock(&dev->lock);
	if (dev->eng) {
		if (counter)
			(*counter)++;
		frames = dev->ctr.tx_frames + dev->ctr.rx_processed;
		caller = override_creds(dev->thread_cred);
		left = toe_inline_rounds(dev, ctx, min_complete);
		revert_creds(caller);
		toe_dev_arm_deadline(dev);
		frames = dev->ctr.tx_frames + dev->ctr.rx_processed - frames;
		if (frames > TOE_INLINE_BULK_FRAMES)
			WRITE_ONCE(caller_ctx->inline_bulk, true);
	}
	mutex_unlock(&dev->lock);
	return left;
}

bool toe_dev_kick_inline(struct toe_dev *dev, struct toe_ctx *ctx)
{
	/* A stream's sends are bulk work too: the thread sends beside it. */
	if (READ_ONCE(dev->inline_off) || !READ_ONCE(dev->sleeping) ||
	    READ_ONCE(ctx->inline_bulk))
		return false;
	return !toe_inline_turn(dev, ctx, NULL, 0, &dev->ctr.inline_kicks);
}

int toe_ctx_wait_inline(struct toe_ctx *ctx, struct toe_dev *dev,
			u32 min_complete, ktime_t expires)
{
	u64 *counter = &dev->ctr.inline_waits;
	bool timed_out = false, left = false;
	DEFINE_WAIT(cq_entry);
	DEFINE_WAIT(work_entry);
	u32 turns = 0;
	int err = 0;

	if (READ_ONCE(dev->inline_off))
		return 1;
	/*
	 * A bulk context waits for the thread's completions, with the thread
	 * awake for its work; every so often one wait probes whether its
	 * answers come in a turn or two again.
	 */
	if (READ_ONCE(ctx->inline_bulk) &&
	    ++ctx->bulk_waits % TOE_INLINE_PROBE_EVERY) {
		toe_dev_wake(dev);
		return 1;
	}
	/* A probe: whether this wait stays a bulk one is for it to show. */
	WRITE_ONCE(ctx->inline_bulk, false);
	atomic_inc(&dev->inline_waiters);
	/* Pairs with the rx_handler's barrier (see the top of this file). */
	smp_mb__after_atomic();

	for (;;) {
		bool serve = READ_ONCE(dev->sleeping);

		/* Bulk: this wait's completions take more than an answer. */
		if (serve && turns++ == TOE_INLINE_TURNS) {
			mutex_lock(&dev->lock);
			dev->ctr.inline_handoffs++;
			mutex_unlock(&dev->lock);
			WRITE_ONCE(ctx->inline_bulk, true);
			left = true;
			err = 1;
			break;
		}
		left = serve &&
		       toe_inline_turn(dev, ctx, ctx, min_complete, counter);
		if (serve)
			counter = NULL;
		if (toe_ctx_wait_done(ctx, min_complete))
			break;
		if (signal_pending(current)) {
			err = -ERESTARTSYS;
			break;
		}
		if (timed_out) {
			err = -ETIME;
			break;
		}
		if (left) {
			cond_resched();
			continue;
		}
		/*
		 * Either queue wakes us: our completions may come from the
		 * thread or another waiter, frames only from the rx_handler
		 * (and only while the thread sleeps: an awake thread takes
		 * them itself). Exclusive on the frames' queue, so one frame
		 * wakes one waiter rather than all of them.
		 */
		prepare_to_wait(&ctx->cq_wait, &cq_entry, TASK_INTERRUPTIBLE);
		prepare_to_wait_exclusive(&dev->work_wait, &work_entry,
					  TASK_INTERRUPTIBLE);
		if (!toe_ctx_wait_done(ctx, min_complete) &&
		    (skb_queue_empty_lockless(&dev->rxq) ||
		     !READ_ONCE(dev->sleeping)) &&
		    !signal_pending(current))
			timed_out = !schedule_hrtimeout_range(&expires, 0,
							      HRTIMER_MODE_ABS);
		finish_wait(&dev->work_wait, &work_entry);
		finish_wait(&ctx->cq_wait, &cq_entry);
	}

	/*
	 * Answered within a turn or two: a request/response context, which
	 * will be back for the next frames (rx-defer-us); pollers never
	 * enter, and a bulk wait (one of its turns marked the context) leaves
	 * its frames to the thread.
	 */
	if (!err && turns <= 2 && !READ_ONCE(ctx->inline_bulk))
		WRITE_ONCE(dev->wait_last_ns, ktime_get_ns());
	atomic_dec(&dev->inline_waiters);
	/* Lost wake-up: the count before the look at the queue. */
	smp_mb__after_atomic();
	if (left || !skb_queue_empty_lockless(&dev->rxq))
		toe_dev_wake(dev);
	/* Handed off: the caller waits for the thread's completions. */
	return err;
}

/* ---- Frames left for the next kick or wait ------------------------------------ */

bool toe_dev_defer_rx(struct toe_dev *dev)
{
	u32 defer_us = READ_ONCE(dev->rx_defer_us);

	if (!defer_us || READ_ONCE(dev->inline_off) ||
	    ktime_get_ns() - READ_ONCE(dev->wait_last_ns) >
		    TOE_RX_DEFER_WINDOW_NS)
		return false;
	/*
	 * Armed once per batch, not pushed back by each frame: the first
	 * frame waits at most defer_us. A frame queued while the callback
	 * runs finds the timer not queued and arms it again.
	 */
	if (!hrtimer_is_queued(&dev->rx_defer))
		hrtimer_start_range_ns(&dev->rx_defer,
				       ns_to_ktime(defer_us * NSEC_PER_USEC),
				       defer_us * NSEC_PER_USEC / 4,
				       HRTIMER_MODE_REL);
	return true;
}

static enum hrtimer_restart toe_dev_rx_defer_fired(struct hrtimer *timer)
{
	struct toe_dev *dev = container_of(timer, struct toe_dev, rx_defer);

	/* Nobody came: the thread takes the frames. */
	if (!skb_queue_empty_lockless(&dev->rxq))
		toe_dev_wake(dev);
	return HRTIMER_NORESTART;
}

void toe_dev_rx_defer_init(struct toe_dev *dev)
{
	hrtimer_init(&dev->rx_defer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	dev->rx_defer.function = toe_dev_rx_defer_fired;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private declarations shared by the toe.ko glue files.
 *
 * Objects and their locks (docs/kernel.md has the full story):
 *
 *   struct toe_dev   one engine instance, attached to one netdev. Its
 *                    mutex (toe_dev.lock, "the engine mutex") is held by
 *                    the engine thread while it processes a batch and by
 *                    every ioctl path that calls into the engine. The engine
 *                    is single-writer: whoever holds the mutex is the writer.
 *   struct toe_ctx   one application context per open() of /dev/toe. Its
 *                    rings are produced/consumed under the engine mutex of
 *                    the engine it is bound to.
 *   struct toe_mr    a registered memory region (pinned pages), in the
 *                    context's xarray; lookups and deregistration serialise
 *                    on the xarray's lock.
 *
 * Lock order: RTNL -> toe_devs_mutex -> toe_dev.lock -> ctx->mrs xa_lock.
 * (ctx->setup_lock sits above toe_devs_mutex.)
 * The engine thread takes only toe_dev.lock, never RTNL.
 */
#ifndef _TOE_PRIV_H
#define _TOE_PRIV_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <uapi/linux/toe.h>

#include "toe_compat.h"
#include "toe_engine.h"

struct toe_dev;

/* ---- Module-wide state -------------------------------------------------- */

extern atomic_t toe_ctx_count;
extern atomic_t toe_dev_count;
/* User pages pinned by TOE_IOC_REG_MR, over all contexts. */
extern atomic64_t toe_pinned_pages;
/* Pages allocated for doorbells, rings and anonymous pools. */
extern atomic64_t toe_ring_pages;
/* Bound of each engine's rx hand-off queue, in frames. */
extern unsigned int toe_rx_queue_len;

/* ---- Shared rings (toe_ring.c) ------------------------------------------ */

/*
 * Layout of an SQ or CQ mapping. The consumer index, the producer index and
 * the read-only geometry each sit on their own cache line; the entries
 * follow. toe_setup's ring offsets report these positions.
 */
#define TOE_RING_OFF_HEAD 0
#define TOE_RING_OFF_TAIL 64
#define TOE_RING_OFF_MASK 128
#define TOE_RING_OFF_ENTRY_COUNT 132
#define TOE_RING_OFF_ENTRIES 192

struct toe_ring {
	void *base; /* vmalloc_user() area, mapped into the application */
	size_t size; /* bytes, page aligned */
	u32 entries;
	u32 mask;
	/*
	 * The kernel's own copy of the index it owns (SQ: head, CQ: tail).
	 * The shared copy is only ever written from this one, never read
	 * back.
	 */
	u32 own;
};

/* ---- Memory regions (toe_mr.c) ------------------------------------------ */

enum toe_mr_kind {
	TOE_MR_USER, /* application pages pinned with pin_user_pages */
	TOE_MR_POOL, /* the context's anonymous pool, allocated by the module */
};

struct toe_mr {
	struct toe_mem mem; /* what the engine sees; mem.priv == this */
	enum toe_mr_kind kind;
	u32 handle;
	struct mm_struct *mm; /* whose pinned_vm carries the charge */
	u64 charged_pages;
	void *pool_base; /* TOE_MR_POOL: the vmalloc area */
};

/* ---- Application contexts (toe_ctx.c) ----------------------------------- */

struct toe_ctx_counters {
	u64 sqes; /* requests consumed */
	u64 sqe_errors; /* requests completed with an error at submission */
	u64 sq_bad_tail; /* SQ tail found more than a ring ahead */
	u64 cqes; /* completions written to the CQ */
	u64 cq_bad_head; /* CQ head found outside [tail - entries, tail] */
	u64 cq_overflowed; /* completions parked on the overflow list */
	u64 cq_dropped; /* completions lost: overflow list full */
	u64 events_unknown; /* engine events that fit no CQE type */
};

struct toe_cqe_overflow {
	struct list_head node;
	struct toe_cqe cqe;
};

/* Bound of a context's CQ overflow list (see docs/kernel.md). */
#define TOE_CQ_OVERFLOW_MAX 65536

/*
 * One application context per open() of /dev/toe: the seed's
 * "application-specific interface layer" instance. Handles that user space
 * passes in are always looked up within the calling context only.
 */
struct toe_ctx {
	u32 id; /* also the engine's owner id; never 0 */
	pid_t tgid;
	char comm[TASK_COMM_LEN];
	/*
	 * The file this context belongs to: its f_cred are the
	 * application's credentials for privileged requests.
	 */
	struct file *file;
	/*
	 * The only address space allowed to use the context (mmgrab'd):
	 * a forked child gets -EPERM.
	 */
	struct mm_struct *mm;

	struct mutex setup_lock; /* SETUP against SETUP */
	bool ready; /* SETUP done: read with smp_load_acquire */

	struct toe_doorbell *db; /* vmalloc_user(PAGE_SIZE) */
	struct toe_ring sq;
	struct toe_ring cq;
	u64 charged_pages; /* doorbell + rings, on mm->pinned_vm */

	/* Anonymous pool: anon_count buffers of anon_size bytes. */
	struct toe_mr *anon_mr;
	u32 anon_count;
	u32 anon_size;

	struct xarray mrs; /* handle -> struct toe_mr */
	u32 mr_next; /* cyclic allocation hint */
	atomic_t nr_mrs;
	atomic64_t pinned_pages; /* this context's share of toe_pinned_pages */

	/*
	 * The namespace whose engine the context uses, and that engine once
	 * bound (reference held; set once, under toe_devs_mutex). A context
	 * set up while no engine is attached in its namespace waits on the
	 * parked list, with its requests queued, until one attaches.
	 */
	struct net *net;
	struct toe_dev *dev;
	struct list_head park_node;

	/* Everything below is under dev->lock. */
	struct list_head dev_node; /* on dev->ctxs while attached */
	bool detached; /* the engine went away */
	u32 db_flags; /* the kernel's copy of db->flags */
	bool cq_dirty; /* completions published since the last wake-up */
	struct list_head cq_overflow;
	u32 nr_overflow;
	struct toe_ctx_counters ctr;

	atomic64_t kicks;
	atomic64_t waits;
	/*
	 * Its last inline wait needed more than an answer (toe_inline.c):
	 * its kicks and waits leave the work to the thread, but for a probe
	 * every TOE_INLINE_PROBE_EVERY waits. Written by its waiters.
	 */
	bool inline_bulk;
	u32 bulk_waits;

	wait_queue_head_t cq_wait; /* ENTER with WAIT, poll() */
};

int toe_ctx_open(struct inode *inode, struct file *file);
int toe_ctx_release(struct inode *inode, struct file *file);
long toe_ctx_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int toe_ctx_mmap(struct file *file, struct vm_area_struct *vma);
__poll_t toe_ctx_poll(struct file *file, struct poll_table_struct *wait);

/* Whether the caller may use ctx's memory (not a forked child). */
static inline bool toe_ctx_caller_ok(const struct toe_ctx *ctx)
{
	return current->mm == ctx->mm;
}

/* Memlock accounting on mm->pinned_vm, as RDMA's ib_umem does. */
int toe_account_pinned(struct mm_struct *mm, u64 pages);
void toe_unaccount_pinned(struct mm_struct *mm, u64 pages);

/* ---- Memory regions (toe_mr.c) ------------------------------------------ */

long toe_mr_ioctl_reg(struct toe_ctx *ctx, void __user *uarg);
long toe_mr_ioctl_dereg(struct toe_ctx *ctx, void __user *uarg);
/*
 * The anonymous pool as a region over an existing vmalloc_user area,
 * whose ownership passes to the region.
 */
int toe_mr_add_pool(struct toe_ctx *ctx, void *base, size_t bytes,
		    u64 charged_pages, struct toe_mr **out);
/* The region behind handle in ctx, with a reference, or NULL. */
struct toe_mr *toe_mr_get(struct toe_ctx *ctx, u32 handle);
static inline void toe_mr_put(struct toe_mr *mr)
{
	toe_os_mem_put(&mr->mem);
}
/* Drops every region of a released context. */
void toe_mr_release_all(struct toe_ctx *ctx);

/* ---- Rings, requests and completions (toe_ring.c, toe_sqe.c) ------------ */

int toe_ring_alloc(struct toe_ring *ring, u32 entries, size_t entry_size);
void toe_ring_free(struct toe_ring *ring);
void toe_ring_fill_offsets(struct toe_ring_offsets *off);

/*
 * Engine thread, dev->lock held: consume up to budget SQEs of ctx.
 * Returns the number consumed.
 */
u32 toe_ring_consume_sq(struct toe_ctx *ctx, u32 budget);
/* Requests in ctx's SQ not yet consumed, at most a ring's worth. */
u32 toe_ring_sq_fill(struct toe_ctx *ctx);
/* Whether ctx's SQ holds entries not yet consumed. dev->lock held. */
bool toe_ring_sq_pending(struct toe_ctx *ctx);
/* Post one completion, or park it on the overflow list. dev->lock held. */
void toe_ring_post_cqe(struct toe_ctx *ctx, const struct toe_cqe *cqe);
/*
 * Move parked completions into the CQ while it has room. dev->lock held.
 * Returns whether the list is empty afterwards.
 */
bool toe_ring_flush_overflow(struct toe_ctx *ctx);
/* Publish completions written so far and wake waiters. dev->lock held. */
void toe_ring_cq_commit(struct toe_ctx *ctx);
/* Completions ready for the application (lockless; for waiters). */
u32 toe_ring_cq_ready(struct toe_ctx *ctx);
/* Free slots in the CQ. dev->lock held. */
u32 toe_ring_cq_room(struct toe_ctx *ctx);
void toe_ring_drop_overflow(struct toe_ctx *ctx);
/* The doorbell flags word from the kernel's copy. dev->lock held. */
void toe_ring_set_db_flags(struct toe_ctx *ctx, u32 set, u32 clear);

/* What ENTER with WAIT waits for: enough completions, or no engine. */
static inline bool toe_ctx_wait_done(struct toe_ctx *ctx, u32 min_complete)
{
	return toe_ring_cq_ready(ctx) >= min_complete ||
	       READ_ONCE(ctx->detached);
}

/* Engine thread: run one request already copied out of the SQ. */
void toe_sqe_execute(struct toe_ctx *ctx, const struct toe_sqe *sqe);
/* Engine port: turn an engine event into a completion for ctx. */
void toe_sqe_event(struct toe_ctx *ctx, const struct toe_event *ev);

/* ---- Engine instances (toe_dev.c) ---------------------------------------- */

/* Options of an attach; the ioctl and the netlink family fill it. */
struct toe_attach_opts {
	int ifindex;
	int cpu; /* -1: any */
	u32 poll_idle_us;
	u32 buflets; /* 0: the engine's default */
	u32 max_sockets; /* 0: the engine's default */
	int congestion; /* enum toe_cc; -1: the engine's default (CUBIC) */
	u8 wait_mode; /* enum toe_wait_mode */
	int rx_defer_us; /* -1: TOE_RX_DEFER_US_DEFAULT */
	u8 poll_mode; /* enum toe_poll_mode */
};

#define TOE_POLL_IDLE_MAX_US 1000000u
#define TOE_BUFLETS_MIN 64u
#define TOE_BUFLETS_MAX (1u << 20)
#define TOE_SOCKETS_MIN 16u
#define TOE_SOCKETS_MAX (1u << 20)

/* Counters updated in softirq on any CPU. */
struct toe_dev_rx_counters {
	atomic64_t stolen; /* frames queued to the engine */
	atomic64_t passed; /* frames left to the host stack */
	atomic64_t queue_full; /* mine, but the hand-off queue was full */
	atomic64_t no_memory; /* mine, but unsharing or pulling failed */
	atomic64_t copied; /* passed, and a copy queued (ICMP errors) */
};

/* Counters updated by the engine thread (dev->lock held). */
struct toe_dev_counters {
	u64 rx_processed;
	u64 rx_late_not_mine; /* classified mine, not mine by input: dropped */
	u64 rx_linearized;
	u64 tx_frames;
	u64 tx_bytes;
	u64 tx_zerocopy; /* frames whose payload went as page frags */
	u64 tx_copied; /* frames whose payload was copied */
	u64 tx_gso; /* super-frames handed to GSO */
	u64 tx_drops; /* refused by dev_queue_xmit */
	u64 tx_no_memory;
	u64 tx_bad_frame; /* inconsistent frame from the engine */
	u64 l2_resolved;
	u64 l2_pending;
	u64 l2_unreachable;
	u64 ports_reserved; /* reservations now held */
	u64 ports_busy; /* reservations the host refused (in use) */
	u64 ports_denied; /* ports < 1024 without CAP_NET_BIND_SERVICE */
	u64 events;
	u64 events_no_owner;
	u64 wakeups; /* times the thread slept and woke */
	u64 polls; /* loop iterations */
	u64 inline_kicks; /* kicks that ran the round themselves */
	u64 inline_waits; /* waits that served the engine while waiting */
	u64 inline_rounds; /* rounds run in an application's context */
	u64 inline_handoffs; /* waits that left their bulk work to the thread */
	u64 idle_polls; /* idle spells the thread polled through */
	u64 idle_poll_hits; /* of them, ended by work rather than sleep */
};

struct toe_dev {
	struct kref ref;
	struct list_head node; /* toe_devs */
	struct net_device *ndev;
	netdevice_tracker ndev_tracker;
	struct net *net; /* the device's namespace at attach */
	int ifindex;
	char ifname[IFNAMSIZ];

	/* The engine mutex: the single writer's lock. */
	struct mutex lock;
	struct toe_engine *eng; /* NULL once detached */
	struct list_head ctxs; /* bound contexts */
	struct xarray ctx_by_owner; /* owner id -> ctx, for events */
	struct xarray socks; /* engine handle -> struct toe_sock_rec */
	struct list_head lingering; /* toe_sock_rec reservations in TIME_WAIT */

	struct task_struct *thread;
	/* What rounds run as wherever they run (toe_inline.c). */
	const struct cred *thread_cred;
	int cpu;
	u32 poll_idle_us;
	bool poll_adaptive; /* TOE_POLL_ADAPTIVE: poll_idle_us is the cap */
	u64 gap_ewma_us; /* recent gap between bursts of work (thread) */
	u32 max_sockets;
	bool sleeping; /* the thread is about to sleep or sleeps */
	unsigned long wake; /* bit 0: a wake-up was requested */
	bool inline_off; /* every round on the thread (poll mode "thread") */

	/* Waiters serving the engine (toe_inline.c), and where they sleep. */
	atomic_t inline_waiters;
	wait_queue_head_t work_wait;
	/* Frames left for an application about to enter (toe_inline.c). */
	u64 wait_last_ns; /* when a waiter's last inline turn ended */
	u32 rx_defer_us; /* how long such a frame may wait; 0: never */
	struct hrtimer rx_defer; /* then wakes the thread */

	/* Wakes the sleeping thread for the engine's next timer. */
	struct hrtimer deadline;
	u64 deadline_us; /* what it is armed for; dev->lock held */

	struct sk_buff_head rxq; /* classified frames for the engine */

	struct toe_dev_rx_counters rx_ctr;
	struct toe_dev_counters ctr;
};

#define TOE_DEV_WAKE_BIT 0

int toe_dev_attach(struct net *net, const struct toe_attach_opts *opts);
int toe_dev_detach(struct net *net, int ifindex);
long toe_dev_ioctl_attach(struct toe_ctx *ctx, void __user *uarg);
long toe_dev_ioctl_detach(struct toe_ctx *ctx, void __user *uarg);
/*
 * Binds a set-up context to the engine of its namespace, or parks it until
 * one attaches.
 */
int toe_dev_bind_or_park(struct toe_ctx *ctx);
/*
 * A released context leaves the parked list; afterwards ctx->dev is
 * stable.
 */
void toe_dev_unpark_ctx(struct toe_ctx *ctx);
void toe_dev_put(struct toe_dev *dev);
/* The engine attached to ndev, with a reference; or NULL. */
struct toe_dev *toe_dev_find_by_ndev(struct net_device *ndev);
/*
 * The engine attached in net with the lowest ifindex above after_ifindex,
 * with a reference; or NULL. Netlink dumps walk the engines with it.
 */
struct toe_dev *toe_dev_next(struct net *net, int after_ifindex);

/* ---- Counters for netlink (toe_counters.c) ---------------------------------- */

int toe_counters_put_dev(struct sk_buff *skb, struct toe_dev *dev);
int toe_counters_put_ctx(struct sk_buff *skb, struct toe_ctx *ctx);
int toe_counters_reset(struct toe_dev *dev);
void toe_counters_forget(const struct toe_dev *dev);
void toe_counters_forget_all(void);

/* ---- Generic netlink (toe_genl*.c) ----------------------------------------- */

int toe_genl_register(void);
void toe_genl_unregister(void);
/* Multicasts "engine attached/detached" to the "events" group. */
void toe_genl_notify_engine(struct toe_dev *dev, bool attached);
/* Multicasts "context opened/closed" in net (NULL: no namespace yet). */
void toe_genl_notify_app(struct toe_ctx *ctx, struct net *net, bool opened);
/*
 * Multicasts a connection event (connected, accepted, peer closed, error,
 * closed) of owner's socket to the "sockets" group. dev->lock held.
 */
void toe_genl_notify_sock(struct toe_dev *dev, u32 owner,
			  const struct toe_event *ev);

/* ---- Tracepoints (toe_trace.c) ---------------------------------------------- */

/* The engine reported ev to owner: state and buffer-return tracepoints. */
void toe_trace_event(struct toe_dev *dev, u32 owner,
		     const struct toe_event *ev);
/* The engine's trace hook (port is the toe_dev): retransmissions, drops. */
void toe_trace_flow(void *port, const struct toe_trace_rec *rec);
/* Unbinds a released context: its sockets are reset, buffers returned. */
void toe_dev_unbind_ctx(struct toe_dev *dev, struct toe_ctx *ctx);
/* Wakes the engine thread (a kick, or frames to process). */
void toe_dev_wake(struct toe_dev *dev);
/* The rx_handler queued a frame: wakes the thread if it sleeps. */
void toe_dev_wake_for_rx(struct toe_dev *dev);
int toe_dev_notifiers_register(void);
void toe_dev_notifiers_unregister(void);

/* ---- Receive (toe_rx.c) ------------------------------------------------------ */

rx_handler_result_t toe_rx_handler(struct sk_buff **pskb);
/* Engine thread: feed up to budget queued frames to the engine. */
u32 toe_rx_process(struct toe_dev *dev, u32 budget);

/* ---- The engine thread (toe_thread.c) ---------------------------------------- */

int toe_thread_start(struct toe_dev *dev);
void toe_thread_stop(struct toe_dev *dev);
/*
 * One round: a batch of frames, of each context's requests, the expired
 * timers, then completions published. dev->lock held. Returns whether
 * there was anything to do.
 */
bool toe_dev_round(struct toe_dev *dev);
/* Whether a round would find work. dev->lock held. */
bool toe_dev_has_work(struct toe_dev *dev);
/* The deadline timer, and the deferred-frame timer (toe_inline.c). */
void toe_dev_timers_init(struct toe_dev *dev);
/* Arms the deadline timer for the engine's next timer. dev->lock held. */
void toe_dev_arm_deadline(struct toe_dev *dev);
void toe_dev_timers_cancel(struct toe_dev *dev);

/* ---- Rounds in the application's context (toe_inline.c) --------------------- */

/*
 * A kick: runs the kicker's round itself while the thread sleeps. Returns
 * false when the thread must be woken instead.
 */
bool toe_dev_kick_inline(struct toe_dev *dev, struct toe_ctx *ctx);
/*
 * rx_handler, the thread asleep and no inline waiter: leaves the frame for
 * an application that ran rounds a moment ago and will be back (a kick or
 * a wait), rather than waking the thread; the rx_defer timer wakes it if
 * none comes in time. Returns whether the frame was left so.
 */
bool toe_dev_defer_rx(struct toe_dev *dev);
void toe_dev_rx_defer_init(struct toe_dev *dev);
/*
 * Waits until ctx has min_complete completions, serving the engine
 * meanwhile, until expires (KTIME_MAX: no limit). Returns 0, -ETIME,
 * -ERESTARTSYS, or 1 when the engine is not one a waiter may serve or the
 * wait left its bulk work to the thread (then wait the usual way).
 */
int toe_ctx_wait_inline(struct toe_ctx *ctx, struct toe_dev *dev,
			u32 min_complete, ktime_t expires);

/* ---- Transmit, neighbours, local addresses (toe_xmit.c, toe_neigh.c) ------- */

int toe_xmit(void *port, const struct toe_tx_frame *f);
/* Module exit: waits until every zero-copy skb has been freed. */
void toe_xmit_wait_inflight(void);
int toe_resolve_l2(void *port, u32 dst_ip, u8 mac_out[6]);
/* Whether addr (network order) is one of dev's IPv4 addresses. */
bool toe_dev_has_addr(struct toe_dev *dev, __be32 addr);
/* Fills cfg's local addresses from the device (RTNL held). */
void toe_neigh_fill_local_ips(struct net_device *ndev,
			      struct toe_engine_config *cfg);
int toe_neigh_notifiers_register(void);
void toe_neigh_notifiers_unregister(void);

/* ---- Port reservation and per-socket glue state (toe_port.c) ---------------- */

/*
 * The glue's record of an engine socket: the owner, the protocol, the
 * host-stack socket that reserves its local port, and the user_data the
 * completions of a connect and a close echo.
 */
struct toe_sock_rec {
	u32 handle;
	u32 owner;
	u8 proto;
	bool bound; /* has a local port (own reservation or a listener's) */
	u16 port; /* host order */
	__be32 addr; /* the reservation's address */
	struct socket *resv; /* the reservation, or NULL */
	bool sock_ref_set; /* TOE_SO_REF replaced the engine's reference */
	u64 sock_ref;
	u64 connect_ref;
	u64 close_ref;
	u64 expires_us; /* lingering: release time */
	struct list_head linger_node;
};

/* Time a TCP port stays reserved after its socket closed (TIME_WAIT). */
#define TOE_PORT_LINGER_US (60ULL * USEC_PER_SEC)
/* How long a frame waits for an application about to enter (toe_inline.c). */
#define TOE_RX_DEFER_US_DEFAULT 50u

int toe_sock_rec_add(struct toe_dev *dev, u32 handle, u32 owner, u8 proto,
		     bool bound);
struct toe_sock_rec *toe_sock_rec_find(struct toe_dev *dev, u32 owner,
				       u32 handle);
/* The socket closed: its reservation lingers (TCP) or goes (UDP). */
void toe_sock_rec_closed(struct toe_dev *dev, u32 handle);
/*
 * Reserves ip:port (network order ip, host order port; port 0: the host
 * picks) for rec's protocol in the host stack, checking the caller's right
 * to a privileged port. Fills rec->port.
 */
int toe_port_reserve(struct toe_dev *dev, struct toe_ctx *ctx,
		     struct toe_sock_rec *rec, __be32 ip, u16 port);
void toe_port_unreserve(struct toe_dev *dev, struct toe_sock_rec *rec);
/* Releases reservations whose lingering time is over. */
void toe_port_reap(struct toe_dev *dev, u64 now_us);
/* When the next lingering reservation is due, or TOE_DEADLINE_NONE. */
u64 toe_port_next_expiry(struct toe_dev *dev);
/* Detach: releases every record and reservation. */
void toe_port_release_all(struct toe_dev *dev);

#endif /* _TOE_PRIV_H */

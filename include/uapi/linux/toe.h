/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * toe: the ABI shared by toe.ko, libtoe and toectl.
 *
 * Every structure here is made of fixed-width types with explicit padding,
 * holds no pointers or longs, and has its size pinned by a static assertion,
 * so that 32- and 64-bit user space and the kernel agree byte for byte.
 * Nobody copies this header: the module, libtoe and the tools include it.
 */
#ifndef _UAPI_LINUX_TOE_H
#define _UAPI_LINUX_TOE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TOE_DEVICE_NAME "toe"
#define TOE_DEVICE_PATH "/dev/toe"

/*
 * The major number changes only when an old libtoe could no longer talk to
 * the module; the minor number grows with each compatible addition, and
 * feature bits say which optional parts are present.
 */
#define TOE_ABI_MAJOR 1
#define TOE_ABI_MINOR 0

/* Feature bits reported in toe_version_info.features. */
#define TOE_FEAT_CONTEXT (1ULL << 0) /* per-open application contexts */
#define TOE_FEAT_RINGS (1ULL << 1) /* TOE_IOC_SETUP and mmapped queues */
#define TOE_FEAT_ANON (1ULL << 2) /* anonymous buffer pools */

struct toe_version_info {
	__u16 abi_major;
	__u16 abi_minor;
	__u32 reserved0; /* zero */
	__u64 features; /* TOE_FEAT_* */
	__u32 context_id; /* the caller's context, as toectl shows it */
	__u32 reserved1; /* zero */
};

#define TOE_IOC_MAGIC 0xE7

/* Returns the ABI version and feature bits; never fails on a valid fd. */
#define TOE_IOC_GET_VERSION _IOR(TOE_IOC_MAGIC, 0x00, struct toe_version_info)

/*
 * Application contexts
 * --------------------
 * TOE_IOC_SETUP sizes a context's queues. The application then mmaps, at
 * the offsets below, its doorbell page, its request queue (SQ), its
 * completion queue (CQ) and its anonymous buffer pool. The positions of the
 * indices and entries inside each mapping come back in toe_setup's offsets,
 * so the layout can grow without breaking old libraries.
 *
 * Rings are power-of-two sized with free-running __u32 indices; the
 * producer and the consumer index sit on separate cache lines. SQ: the
 * application produces (tail), the engine consumes (head). CQ: the engine
 * produces (tail), the application consumes (head). The module keeps its
 * own copy of every index it owns and masks every index it reads.
 */
#define TOE_MMAP_DOORBELL 0x00000000ULL
#define TOE_MMAP_SQ 0x10000000ULL
#define TOE_MMAP_CQ 0x20000000ULL
#define TOE_MMAP_ANON 0x30000000ULL

#define TOE_SQ_ENTRIES_MAX 16384
#define TOE_CQ_ENTRIES_MAX 65536
#define TOE_ANON_COUNT_MAX 4096
#define TOE_ANON_SIZE_MAX 65536

/*
 * Each field is a byte offset into the ring's own mapping: of the head
 * index, the tail index, the mask (entries - 1), the number of entries, and
 * the first entry, as in io_uring's io_sqring_offsets.
 */
struct toe_ring_offsets {
	__u32 head;
	__u32 tail;
	__u32 ring_mask;
	__u32 ring_entries;
	__u32 entries; /* the first entry */
	__u32 reserved[3];
};

/* The doorbell page: the one place both sides signal each other. */
struct toe_doorbell {
	__u32 flags; /* TOE_DB_* written by the engine */
	__u32 reserved0;
	__u64 kicks; /* wake-ups the engine took, for diagnostics */
	__u8 pad[48];
	__u32 cq_armed; /* written by the application: wake me on a CQE */
	__u32 reserved1;
	__u8 pad2[56];
};

/* Set while the engine sleeps: the application must kick it (TOE_IOC_ENTER). */
#define TOE_DB_NEED_WAKEUP (1U << 0)
/* The engine's device went away; no new requests are processed. */
#define TOE_DB_DETACHED (1U << 1)
/*
 * Set with NEED_WAKEUP when the engine runs a waiter's rounds in the
 * waiter's own context (wait mode "inline"): while both are set, a
 * completion comes sooner to a TOE_IOC_ENTER wait than to polling the CQ,
 * which would have to wake the engine thread.
 */
#define TOE_DB_SERVES_WAITERS (1U << 2)

#define TOE_SETUP_F_ANON (1U << 0) /* create the anonymous buffer pool */

struct toe_setup {
	/* in */
	__u32 sq_entries; /* rounded up to a power of two, at most TOE_SQ_ENTRIES_MAX */
	__u32 cq_entries; /* likewise; 0 means twice sq_entries */
	__u32 anon_count; /* anonymous buffers, with TOE_SETUP_F_ANON */
	__u32 anon_size; /* bytes each, a multiple of 2048 */
	__u32 flags; /* TOE_SETUP_F_* */
	__u32 reserved0;
	/* out */
	struct toe_ring_offsets sq_off;
	struct toe_ring_offsets cq_off;
	__u32 doorbell_size;
	__u32 sq_size; /* bytes to mmap at TOE_MMAP_SQ */
	__u32 cq_size;
	__u32 anon_region; /* memory-region handle of the anonymous pool */
	__u64 anon_pool_size;
	__u64 reserved1[2];
};

/* Memory registration: pins [addr, addr + len) for named buffers and sends. */
struct toe_reg_mr {
	__u64 addr; /* in */
	__u64 len; /* in */
	__u32 flags; /* in: none yet, must be zero */
	__u32 handle; /* out */
};

struct toe_dereg_mr {
	__u32 handle;
	__u32 reserved;
};

/* Kick the engine, and optionally wait for completions. */
struct toe_enter {
	__u32 flags; /* TOE_ENTER_F_* */
	__u32 min_complete; /* with TOE_ENTER_F_WAIT */
	__s64 timeout_ns; /* with TOE_ENTER_F_WAIT; negative: forever */
};

#define TOE_ENTER_F_KICK (1U << 0)
#define TOE_ENTER_F_WAIT (1U << 1)

/* Attaches the engine to a netdev; needs CAP_NET_ADMIN. */
struct toe_attach {
	__u32 ifindex;
	__s32 cpu; /* -1: any */
	__u32 poll_idle_us; /* busy-poll this long after the last work */
	__u32 buflets; /* 0: the default pool */
	__u32 flags;
	__u32 reserved;
};

/*
 * Requests: the seed's socket and named-buffer descriptors as the
 * application posts them. Only the fields an opcode names are read; the rest
 * must be zero.
 */
enum toe_op {
	TOE_OP_NOP = 0,
	TOE_OP_SOCKET, /* proto -> CQE res = the new handle (always > 0) */
	TOE_OP_BIND, /* handle, addr, port */
	TOE_OP_LISTEN, /* handle, backlog */
	TOE_OP_ACCEPT, /* handle (listener), user_data -> TOE_CQE_ACCEPT */
	TOE_OP_CONNECT, /* handle, addr, port -> TOE_CQE_CONNECTED */
	TOE_OP_POST_BUF, /* handle, region, offset, len, threshold, timeout_ms */
	TOE_OP_SEND, /* handle, region, offset, len, flags; UDP: addr, port */
	TOE_OP_SETOPT, /* handle, opt, value */
	TOE_OP_SHUTDOWN, /* handle, how */
	TOE_OP_CLOSE, /* handle: graceful */
	TOE_OP_ABORT, /* handle: reset */
	TOE_OP_ANON_RETURN, /* buf_id: give an anonymous buffer back */
	TOE_OP_MAX,
};

enum toe_proto {
	TOE_PROTO_TCP = 6,
	TOE_PROTO_UDP = 17,
};

enum toe_sockopt {
	TOE_SO_NODELAY = 1, /* value: 0 or 1 */
	TOE_SO_KEEPALIVE, /* value: 0 or 1 */
	TOE_SO_KEEPIDLE, /* value: seconds */
	TOE_SO_KEEPINTVL, /* value: seconds */
	TOE_SO_KEEPCNT, /* value: probes */
	TOE_SO_ANON_DELIVERY, /* value: 0 or 1 */
	TOE_SO_REF, /* value: the socket's reference number */
	TOE_SO_CONGESTION, /* value: enum toe_cc; before data is sent */
};

/* TOE_SO_CONGESTION, TOE_A_CONGESTION: the congestion control algorithm. */
enum toe_cc {
	TOE_CC_NEWRENO = 0, /* RFC 5681, RFC 6582 */
	TOE_CC_CUBIC = 1, /* RFC 9438 with HyStart++ (RFC 9406); the default */
};

#define TOE_SEND_MORE (1U << 0) /* more data follows: no PSH, Nagle may wait */

/* Addresses and ports are in network byte order throughout the ABI. */
struct toe_sqe {
	__u8 opcode; /* enum toe_op */
	__u8 proto; /* TOE_OP_SOCKET: enum toe_proto */
	__u16 flags; /* TOE_SEND_* */
	__u32 handle; /* socket handle */
	__u64 user_data; /* echoed in the completion; the buffer's reference */
	__u64 offset; /* into the region */
	__u32 region; /* memory region handle */
	__u32 len;
	__u32 threshold; /* POST_BUF: return the buffer after this many bytes */
	__u32 timeout_ms; /* POST_BUF: return the buffer after this long */
	__be32 addr;
	__be16 port;
	__u16 arg; /* LISTEN: backlog; SHUTDOWN: how; SETOPT: enum toe_sockopt */
	__u64 value; /* SETOPT */
	__u32 buf_id; /* ANON_RETURN */
	__u32 reserved;
};

enum toe_cqe_type {
	TOE_CQE_REQ = 1, /* a request's result; res = 0, a handle, or -errno */
	TOE_CQE_CONNECTED, /* res = 0 or -ECONNREFUSED, -ETIMEDOUT, ... */
	TOE_CQE_ACCEPT, /* new_handle, addr, port of the peer */
	TOE_CQE_RECV, /* a named buffer returned: bytes, reason */
	TOE_CQE_RECV_ANON, /* an anonymous buffer filled: buf_id, bytes */
	TOE_CQE_SEND, /* a send fully acknowledged (TCP) or transmitted (UDP) */
	TOE_CQE_PEER_CLOSED, /* the peer sent FIN */
	TOE_CQE_CLOSED, /* the socket's last completion */
};

/* Why a named buffer came back (the seed's return conditions). */
enum toe_recv_reason {
	TOE_REASON_NONE = 0,
	TOE_REASON_THRESHOLD,
	TOE_REASON_FULL,
	TOE_REASON_PSH,
	TOE_REASON_URG,
	TOE_REASON_FIN,
	TOE_REASON_RST,
	TOE_REASON_TIMEOUT,
	TOE_REASON_CLOSED, /* socket deleted, or the application released it */
	TOE_REASON_DATAGRAM, /* UDP: the buffer holds one datagram */
};

#define TOE_CQE_F_TRUNCATED (1U << 0) /* UDP: the datagram did not fit */

struct toe_cqe {
	__u64 user_data; /* the request's, or the buffer's reference number */
	__u64 sock_ref; /* the socket's reference number (TOE_SO_REF) */
	__s32 res; /* 0, a count or a handle, or -errno */
	__u16 type; /* enum toe_cqe_type */
	__u16 reason; /* enum toe_recv_reason */
	__u32 handle; /* the socket */
	__u32 new_handle; /* ACCEPT: the new socket; RECV_ANON: buf_id */
	__u32 bytes;
	__u32 flags; /* TOE_CQE_F_* */
	__be32 addr; /* ACCEPT, UDP RECV: the peer */
	__be16 port;
	__u16 reserved0;
	__u8 udp_header[8]; /* UDP RECV: the datagram's header bytes */
	__u64 reserved1;
};

#define TOE_IOC_SETUP _IOWR(TOE_IOC_MAGIC, 0x01, struct toe_setup)
#define TOE_IOC_REG_MR _IOWR(TOE_IOC_MAGIC, 0x02, struct toe_reg_mr)
#define TOE_IOC_DEREG_MR _IOW(TOE_IOC_MAGIC, 0x03, struct toe_dereg_mr)
#define TOE_IOC_ENTER _IOW(TOE_IOC_MAGIC, 0x04, struct toe_enter)
#define TOE_IOC_ATTACH _IOW(TOE_IOC_MAGIC, 0x05, struct toe_attach)
#define TOE_IOC_DETACH _IOW(TOE_IOC_MAGIC, 0x06, struct toe_attach)

/*
 * Generic netlink family "toe": the control plane toectl speaks. Reading is
 * open to everyone, except that sockets of other users' processes are
 * listed only to CAP_NET_ADMIN; every change needs CAP_NET_ADMIN. Lists
 * are dumps. Counters come as TOE_A_COUNTERS, a nest of TOE_A_COUNTER
 * nests each holding a name and a value, so that new counters need no new
 * attributes.
 */
#define TOE_GENL_NAME "toe"
#define TOE_GENL_VERSION 1
#define TOE_GENL_MCGRP_EVENTS "events"
/*
 * Connection events (TOE_CMD_SOCK_EVENT). Joining needs CAP_NET_ADMIN, as
 * they name other users' sockets.
 */
#define TOE_GENL_MCGRP_SOCKETS "sockets"

enum toe_genl_cmd {
	TOE_CMD_UNSPEC,
	TOE_CMD_ENGINE_GET, /* dump: engines with their counters */
	TOE_CMD_ENGINE_ATTACH, /* IFINDEX or IFNAME; CPU, POLL_IDLE_US, BUFLETS, MAX_SOCKETS, CONGESTION, WAIT_MODE, RX_DEFER_US, POLL_MODE */
	TOE_CMD_ENGINE_DETACH, /* IFINDEX or IFNAME */
	TOE_CMD_APP_GET, /* dump: application contexts */
	TOE_CMD_SOCKET_GET, /* dump: sockets (optional IFINDEX) */
	TOE_CMD_BUFFER_GET, /* dump: named buffers (optional SOCK_HANDLE) */
	TOE_CMD_COUNTERS_RESET, /* IFINDEX or IFNAME, or every engine */
	/* Notifications on the "events" group */
	TOE_CMD_ENGINE_ATTACHED,
	TOE_CMD_ENGINE_DETACHED,
	TOE_CMD_APP_OPENED,
	TOE_CMD_APP_CLOSED,
	/* On the "sockets" group: TOE_A_SOCK_EVENT and the socket */
	TOE_CMD_SOCK_EVENT,
	__TOE_CMD_MAX,
};
#define TOE_CMD_MAX (__TOE_CMD_MAX - 1)

enum toe_genl_attr {
	TOE_A_UNSPEC,
	TOE_A_IFINDEX, /* u32 */
	TOE_A_IFNAME, /* string */
	TOE_A_CPU, /* s32, -1: any */
	TOE_A_POLL_IDLE_US, /* u32 */
	TOE_A_BUFLETS, /* u32 */
	TOE_A_COUNTERS, /* nest of TOE_A_COUNTER */
	TOE_A_COUNTER, /* nest: TOE_A_COUNTER_NAME, TOE_A_COUNTER_VALUE */
	TOE_A_COUNTER_NAME, /* string */
	TOE_A_COUNTER_VALUE, /* u64 */
	TOE_A_APP_ID, /* u32: the context id (the engine's owner id) */
	TOE_A_PID, /* u32: the process that opened the context */
	TOE_A_COMM, /* string */
	TOE_A_UID, /* u32: the opener's uid */
	TOE_A_SQ_ENTRIES, /* u32 */
	TOE_A_CQ_ENTRIES, /* u32 */
	TOE_A_ANON_COUNT, /* u32 */
	TOE_A_ANON_SIZE, /* u32 */
	TOE_A_MEM_REGIONS, /* u32 */
	TOE_A_MEM_REGISTERED, /* u64: bytes of pinned user memory */
	TOE_A_PINNED_PAGES, /* u64 */
	TOE_A_SOCK_HANDLE, /* u32 */
	TOE_A_SOCK_PROTO, /* u8: IPPROTO_TCP or IPPROTO_UDP */
	TOE_A_SOCK_STATE, /* u8: TCP state, RFC 9293 order (0 CLOSED .. 10 TIME_WAIT) */
	TOE_A_SOCK_FLAGS, /* u32 */
	TOE_A_LOCAL_ADDR, /* u32, network order */
	TOE_A_LOCAL_PORT, /* u16, host order */
	TOE_A_REMOTE_ADDR, /* u32, network order */
	TOE_A_REMOTE_PORT, /* u16, host order */
	TOE_A_SND_UNA, /* u32 */
	TOE_A_SND_NXT, /* u32 */
	TOE_A_RCV_NXT, /* u32 */
	TOE_A_SND_WND, /* u32 */
	TOE_A_RCV_WND, /* u32 */
	TOE_A_CWND, /* u32, bytes */
	TOE_A_SSTHRESH, /* u32, bytes */
	TOE_A_SRTT_US, /* u32 */
	TOE_A_RTO_US, /* u32 */
	TOE_A_MSS, /* u32 */
	TOE_A_RETRANSMITS, /* u64 */
	TOE_A_BUFLETS_HELD, /* u32 */
	TOE_A_NAMED_PENDING, /* u32 */
	TOE_A_BYTES_PARKED, /* u64 */
	TOE_A_BYTES_PLACED, /* u64 */
	TOE_A_SENDS_PENDING, /* u32 */
	TOE_A_USER_REF, /* u64: the socket's or buffer's reference number */
	TOE_A_BUF_OFFSET, /* u64: in its memory region */
	TOE_A_BUF_LENGTH, /* u32 */
	TOE_A_BUF_THRESHOLD, /* u32 */
	TOE_A_BUF_BYTES, /* u32: placed so far */
	TOE_A_BUF_TIMEOUT_MS, /* u32 */
	TOE_A_BUF_AGE_US, /* u64: since it was posted */
	TOE_A_PAD,
	TOE_A_MAX_SOCKETS, /* u32: socket descriptors the engine holds */
	/* A socket's TCP traffic: segments and payload bytes */
	TOE_A_SEGS_IN, /* u64 */
	TOE_A_SEGS_OUT, /* u64 */
	TOE_A_BYTES_SENT, /* u64: retransmissions included */
	TOE_A_BYTES_ACKED, /* u64 */
	TOE_A_BYTES_RECEIVED, /* u64: accepted in order */
	/* A socket's options (TCP); anonymous delivery is TOE_SOCK_F_ANON */
	TOE_A_OPT_KEEPIDLE, /* u32: seconds */
	TOE_A_OPT_KEEPINTVL, /* u32: seconds */
	TOE_A_OPT_KEEPCNT, /* u32: probes */
	TOE_A_OPT_USER_TIMEOUT_MS, /* u32: 0, the retries bound the wait */
	/* A listener */
	TOE_A_BACKLOG, /* u32 */
	TOE_A_ACCEPTQ_LEN, /* u32: established, waiting for an accept */
	TOE_A_SYNQ_LEN, /* u32: half-open */
	TOE_A_ACCEPT_REQS, /* u32: accept requests waiting */
	TOE_A_ACCEPTQ_OVERFLOWS, /* u64: SYNs, handshakes refused: queue full */
	TOE_A_CHILD_FAILURES, /* u64: SYNs dropped: no socket for the child */
	TOE_A_SYNCOOKIES_SENT, /* u64: the SYN queue was full */
	TOE_A_SYNCOOKIES_OK, /* u64 */
	TOE_A_SYNCOOKIES_FAILED, /* u64 */
	/* An application context's totals */
	TOE_A_APP_SOCKETS, /* u32 */
	TOE_A_APP_BUFFERS_POSTED, /* u32: named buffers not yet returned */
	TOE_A_APP_SENDS_PENDING, /* u32 */
	TOE_A_SQ_PENDING, /* u32: requests not yet consumed */
	TOE_A_CQ_PENDING, /* u32: completions not yet consumed */
	TOE_A_CQ_OVERFLOW, /* u32: completions parked off the ring */
	/* An engine's limits: per socket, then per engine and per context */
	TOE_A_LIMIT_SOCK_BUFFERS, /* u32: named buffers posted per socket */
	TOE_A_LIMIT_SOCK_SENDS, /* u32: sends in flight per socket */
	TOE_A_LIMIT_SOCK_ACCEPTS, /* u32: accept requests per listener */
	TOE_A_LIMIT_SOCK_BUFLETS, /* u32: buflets one socket may hold */
	TOE_A_LIMIT_BACKLOG, /* u32: largest listen backlog */
	TOE_A_LIMIT_SYN_QUEUE, /* u32: half-open connections, engine-wide */
	TOE_A_LIMIT_TIME_WAIT, /* u32: TIME_WAIT sockets, engine-wide */
	TOE_A_LIMIT_ANON_BUFFERS, /* u32: anonymous buffers per context */
	TOE_A_LIMIT_SQ_ENTRIES, /* u32: largest SQ of a context */
	TOE_A_LIMIT_CQ_ENTRIES, /* u32: largest CQ of a context */
	TOE_A_LIMIT_CQ_OVERFLOW, /* u32: completions parked per context */
	/* TOE_CMD_SOCK_EVENT */
	TOE_A_SOCK_EVENT, /* u8: enum toe_sock_event */
	TOE_A_SOCK_STATUS, /* s32: 0 or -errno */
	/* ENGINE_ATTACH and engines: the connections' default; sockets: theirs */
	TOE_A_CONGESTION, /* u8: enum toe_cc */
	/* ENGINE_ATTACH and engines */
	TOE_A_WAIT_MODE, /* u8: enum toe_wait_mode */
	TOE_A_RX_DEFER_US, /* u32: see below */
	TOE_A_POLL_MODE, /* u8: enum toe_poll_mode */
	__TOE_A_MAX,
};
#define TOE_A_MAX (__TOE_A_MAX - 1)

/*
 * TOE_A_WAIT_MODE: who runs the engine's rounds while its thread sleeps.
 * INLINE: a kick runs the kicker's round itself, and an application
 * waiting in TOE_IOC_ENTER serves the engine until its completion is
 * ready, so a request and its answer cross no thread. THREAD: every round
 * runs on the engine thread.
 */
enum toe_wait_mode {
	TOE_WAIT_INLINE = 0,
	TOE_WAIT_THREAD = 1,
};

/*
 * TOE_A_RX_DEFER_US (wait mode INLINE): a frame that arrives while the
 * thread sleeps and nobody waits, on an engine where an inline wait had its
 * answer in the last 2 ms, is left for that application's next kick or wait
 * for up to this long before the thread is woken for it (as the kernel's
 * napi_defer_hard_irqs with gro_flush_timeout). 0: wake the thread at
 * once. Absent at attach: 50.
 */
#define TOE_RX_DEFER_MAX_US 10000u

/*
 * TOE_A_POLL_MODE: how long the engine thread polls after its last work.
 * FIXED: POLL_IDLE_US every time. ADAPTIVE: only while polling pays: for
 * twice the recent gap between bursts of work when that gap is shorter
 * than POLL_IDLE_US (50 if 0), not at all when it is longer, and never
 * while another task waits for the thread's CPU.
 */
enum toe_poll_mode {
	TOE_POLL_FIXED = 0,
	TOE_POLL_ADAPTIVE = 1,
};
#define TOE_POLL_ADAPTIVE_DEFAULT_US 50u

/* TOE_A_SOCK_FLAGS */
#define TOE_SOCK_F_LISTENING (1U << 0)
#define TOE_SOCK_F_ANON (1U << 1) /* anonymous delivery */
#define TOE_SOCK_F_HOST_CLOSED (1U << 2) /* closed by the application */
#define TOE_SOCK_F_RD_SHUT (1U << 3)
#define TOE_SOCK_F_WR_SHUT (1U << 4)
#define TOE_SOCK_F_NODELAY (1U << 5) /* TCP: Nagle off */
#define TOE_SOCK_F_KEEPALIVE (1U << 6) /* TCP: keepalive probes on */

/* TOE_A_SOCK_EVENT: what happened to a connection. */
enum toe_sock_event {
	TOE_SOCK_EV_CONNECTED = 1, /* an active open finished (status) */
	TOE_SOCK_EV_ACCEPTED, /* a listener's connection was accepted */
	TOE_SOCK_EV_PEER_CLOSED, /* the peer sent FIN */
	TOE_SOCK_EV_ERROR, /* the connection failed: reset, timeout (status) */
	TOE_SOCK_EV_CLOSED, /* the socket is gone (status: why) */
};

#ifdef __cplusplus
#define TOE_ABI_ASSERT(cond) static_assert(cond, "toe ABI")
#else
#define TOE_ABI_ASSERT(cond) _Static_assert(cond, "toe ABI")
#endif
TOE_ABI_ASSERT(sizeof(struct toe_version_info) == 24);
TOE_ABI_ASSERT(sizeof(struct toe_ring_offsets) == 32);
TOE_ABI_ASSERT(sizeof(struct toe_doorbell) == 128);
TOE_ABI_ASSERT(sizeof(struct toe_setup) == 128);
TOE_ABI_ASSERT(sizeof(struct toe_reg_mr) == 24);
TOE_ABI_ASSERT(sizeof(struct toe_dereg_mr) == 8);
TOE_ABI_ASSERT(sizeof(struct toe_enter) == 16);
TOE_ABI_ASSERT(sizeof(struct toe_attach) == 24);
TOE_ABI_ASSERT(sizeof(struct toe_sqe) == 64);
TOE_ABI_ASSERT(sizeof(struct toe_cqe) == 64);
#undef TOE_ABI_ASSERT

#endif /* _UAPI_LINUX_TOE_H */

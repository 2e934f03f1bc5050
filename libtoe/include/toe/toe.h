/* SPDX-License-Identifier: MIT */
/*
 * libtoe: direct application access to the toe offload engine.
 *
 * Every call that can fail returns a negative errno value; nothing sets
 * errno. See toe(7) for the model and the man page of each call.
 *
 * Requests go to the engine through the context's request queue (SQ) and
 * come back on its completion queue (CQ). There are two ways to submit:
 *
 *   - one call per request (toe_socket(), toe_send(), ...): the call writes
 *     one entry and publishes it at once;
 *   - batches: toe_get_sqe() reserves entries, the inline toe_prep_*()
 *     helpers fill them, and toe_submit() publishes them all with one
 *     barrier and at most one kick.
 *
 * Publishing never enters the kernel while the engine is polling; it issues
 * TOE_IOC_ENTER only when the engine has said it sleeps (TOE_DB_NEED_WAKEUP).
 *
 * A struct toe_handle is not thread-safe: use one per thread, or lock.
 */
#ifndef TOE_TOE_H
#define TOE_TOE_H

#include <linux/toe.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TOE_API __attribute__((visibility("default")))
#else
#define TOE_API
#endif

/* One application context on the engine: an open /dev/toe. */
struct toe_handle;

/* ---- Contexts ---------------------------------------------------------- */

/* toe_params.flags */
#define TOE_PARAMS_F_NOSPIN (1U << 0) /* toe_wait_cqe() sleeps at once */

/*
 * Sizes for a new context. A zeroed structure asks for the defaults; on
 * success toe_open_params() writes back what the module granted.
 */
struct toe_params {
	uint32_t sq_entries; /* 0: 256; rounded up to a power of two */
	uint32_t cq_entries; /* 0: twice sq_entries */
	uint32_t anon_count; /* anonymous buffers; 0: no pool */
	uint32_t anon_size; /* bytes each, a multiple of 2048; 0: 2048 */
	uint32_t flags; /* TOE_PARAMS_F_* */
	uint32_t spin_us; /* toe_wait_cqe() polls this long first; 0: 50 */
	uint32_t reserved[10]; /* zero */
};

/* Default sizes, for documentation and the C++ wrappers. */
#define TOE_DEFAULT_SQ_ENTRIES 256
#define TOE_DEFAULT_ANON_SIZE 2048
#define TOE_DEFAULT_SPIN_US 50

/*
 * Opens an application context with the default sizes and no anonymous
 * pool. path may be NULL for /dev/toe. On success stores the handle in *out
 * and returns 0.
 */
TOE_API int toe_open(const char *path, struct toe_handle **out);

/* Opens a context sized by *params (NULL: the defaults). */
TOE_API int toe_open_params(const char *path, struct toe_params *params,
			    struct toe_handle **out);

/* Closes the context; the module releases every socket and buffer in it. */
TOE_API void toe_close(struct toe_handle *h);

/* The context's file descriptor, readable when completions are ready. */
TOE_API int toe_fd(const struct toe_handle *h);

/* Fills *info with the module's ABI version and feature bits. */
TOE_API int toe_version(struct toe_handle *h, struct toe_version_info *info);

/* The library's own version string, e.g. "0.1.0". */
TOE_API const char *toe_library_version(void);

/* ---- Memory ------------------------------------------------------------ */

/* A registered (pinned) memory region: sends and named buffers live here. */
struct toe_mr {
	void *addr;
	uint64_t len;
	uint32_t handle; /* the region number requests name */
	uint32_t reserved;
};

/*
 * These two share their names with the ioctl structures of <linux/toe.h>,
 * as stat() does with struct stat; C++ sees a function hiding a class.
 */
#if defined(__cplusplus) && defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
/* Pins [addr, addr + len) for the engine and fills *mr. */
TOE_API int toe_reg_mr(struct toe_handle *h, void *addr, size_t len,
		       struct toe_mr *mr);

/* Unpins a region; -EBUSY while a buffer or a send still points into it. */
TOE_API int toe_dereg_mr(struct toe_handle *h, struct toe_mr *mr);
#if defined(__cplusplus) && defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* The anonymous buffer pool (toe_params.anon_count > 0). */
struct toe_anon_pool {
	void *base; /* mapped read-write into the application */
	uint64_t size;
	uint32_t count; /* buffers; ids run from 0 to count - 1 */
	uint32_t buf_size; /* bytes each; buffer id starts at id * buf_size */
	uint32_t region; /* region handle, to send from the pool */
	uint32_t reserved;
};

/* Describes the pool; -ENOENT when the context has none. */
TOE_API int toe_get_anon_pool(const struct toe_handle *h,
			      struct toe_anon_pool *pool);

/* The start of anonymous buffer buf_id, or NULL for an id out of range. */
TOE_API void *toe_anon_buf(const struct toe_handle *h, uint32_t buf_id);

/* ---- Submission: batches ----------------------------------------------- */

/*
 * Reserves the next request entry, or returns NULL when the queue is full
 * (published entries the engine has not taken yet, plus reserved ones).
 * The entry is the caller's to fill until toe_submit().
 */
TOE_API struct toe_sqe *toe_get_sqe(struct toe_handle *h);

/*
 * Publishes every reserved entry: a release store of the tail, a full
 * barrier, and TOE_IOC_ENTER only if the engine sleeps. Returns the number
 * of entries published, or a negative errno if the kick failed (the entries
 * stay published either way).
 */
TOE_API int toe_submit(struct toe_handle *h);

/* Free request entries: how many toe_get_sqe() calls would succeed now. */
TOE_API unsigned toe_sq_space_left(const struct toe_handle *h);

/*
 * The prep helpers fill every field of an entry (the ABI wants unused
 * fields zero). Addresses are struct sockaddr_in; only AF_INET exists yet.
 */
static inline void toe_prep_rw(struct toe_sqe *sqe, uint8_t op,
			       uint32_t sock, uint64_t user_data)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->handle = sock;
	sqe->user_data = user_data;
}

static inline void toe_prep_nop(struct toe_sqe *sqe, uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_NOP, 0, user_data);
}

/* proto: TOE_PROTO_TCP or TOE_PROTO_UDP. The request's user_data becomes
 * the socket's reference number (cqe->sock_ref); TOE_SO_REF changes it. */
static inline void toe_prep_socket(struct toe_sqe *sqe, int proto,
				   uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_SOCKET, 0, user_data);
	sqe->proto = (uint8_t)proto;
}

static inline void toe_prep_bind(struct toe_sqe *sqe, uint32_t sock,
				 const struct sockaddr_in *addr,
				 uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_BIND, sock, user_data);
	sqe->addr = addr->sin_addr.s_addr;
	sqe->port = addr->sin_port;
}

static inline void toe_prep_listen(struct toe_sqe *sqe, uint32_t sock,
				   uint16_t backlog, uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_LISTEN, sock, user_data);
	sqe->arg = backlog;
}

/* The accepted socket's reference number is this request's user_data. */
static inline void toe_prep_accept(struct toe_sqe *sqe, uint32_t listener,
				   uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_ACCEPT, listener, user_data);
}

static inline void toe_prep_connect(struct toe_sqe *sqe, uint32_t sock,
				    const struct sockaddr_in *addr,
				    uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_CONNECT, sock, user_data);
	sqe->addr = addr->sin_addr.s_addr;
	sqe->port = addr->sin_port;
}

/* A named buffer: [offset, offset + len) of region. user_data is the
 * buffer's reference number in its TOE_CQE_RECV completion. */
static inline void toe_prep_post_buf(struct toe_sqe *sqe, uint32_t sock,
				     uint32_t region, uint64_t offset,
				     uint32_t len, uint32_t threshold,
				     uint32_t timeout_ms, uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_POST_BUF, sock, user_data);
	sqe->region = region;
	sqe->offset = offset;
	sqe->len = len;
	sqe->threshold = threshold;
	sqe->timeout_ms = timeout_ms;
}

/* flags: TOE_SEND_*. The memory must stay unchanged until TOE_CQE_SEND. */
static inline void toe_prep_send(struct toe_sqe *sqe, uint32_t sock,
				 uint32_t region, uint64_t offset, uint32_t len,
				 unsigned flags, uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_SEND, sock, user_data);
	sqe->region = region;
	sqe->offset = offset;
	sqe->len = len;
	sqe->flags = (uint16_t)flags;
}

/* UDP: one datagram to dest. */
static inline void toe_prep_sendto(struct toe_sqe *sqe, uint32_t sock,
				   uint32_t region, uint64_t offset,
				   uint32_t len, unsigned flags,
				   const struct sockaddr_in *dest,
				   uint64_t user_data)
{
	toe_prep_send(sqe, sock, region, offset, len, flags, user_data);
	sqe->addr = dest->sin_addr.s_addr;
	sqe->port = dest->sin_port;
}

/* opt: enum toe_sockopt, e.g. TOE_SO_NODELAY or TOE_SO_ANON_DELIVERY. */
static inline void toe_prep_setsockopt(struct toe_sqe *sqe, uint32_t sock,
				       int opt, uint64_t value,
				       uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_SETOPT, sock, user_data);
	sqe->arg = (uint16_t)opt;
	sqe->value = value;
}

/* how: SHUT_RD, SHUT_WR or SHUT_RDWR. */
static inline void toe_prep_shutdown(struct toe_sqe *sqe, uint32_t sock,
				     int how, uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_SHUTDOWN, sock, user_data);
	sqe->arg = (uint16_t)how;
}

static inline void toe_prep_sock_close(struct toe_sqe *sqe, uint32_t sock,
				       uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_CLOSE, sock, user_data);
}

static inline void toe_prep_sock_abort(struct toe_sqe *sqe, uint32_t sock,
				       uint64_t user_data)
{
	toe_prep_rw(sqe, TOE_OP_ABORT, sock, user_data);
}

static inline void toe_prep_anon_return(struct toe_sqe *sqe, uint32_t buf_id)
{
	toe_prep_rw(sqe, TOE_OP_ANON_RETURN, 0, 0);
	sqe->buf_id = buf_id;
}

/* ---- Submission: one call per request ---------------------------------- */

/*
 * Each call checks its arguments, writes one entry, and publishes it (with
 * any entries reserved before) as toe_submit() does. 0 on success; -EAGAIN
 * when the request queue is full. The request's outcome arrives later as a
 * completion carrying user_data.
 */
TOE_API int toe_socket(struct toe_handle *h, int proto, uint64_t user_data);
TOE_API int toe_bind(struct toe_handle *h, uint32_t sock,
		     const struct sockaddr_in *addr, uint64_t user_data);
TOE_API int toe_listen(struct toe_handle *h, uint32_t sock, unsigned backlog,
		       uint64_t user_data);
TOE_API int toe_accept(struct toe_handle *h, uint32_t listener,
		       uint64_t user_data);
TOE_API int toe_connect(struct toe_handle *h, uint32_t sock,
			const struct sockaddr_in *addr, uint64_t user_data);
TOE_API int toe_post_buf(struct toe_handle *h, uint32_t sock, uint32_t region,
			 uint64_t offset, uint32_t len, uint32_t threshold,
			 uint32_t timeout_ms, uint64_t user_data);
TOE_API int toe_send(struct toe_handle *h, uint32_t sock, uint32_t region,
		     uint64_t offset, uint32_t len, unsigned flags,
		     uint64_t user_data);
TOE_API int toe_sendto(struct toe_handle *h, uint32_t sock, uint32_t region,
		       uint64_t offset, uint32_t len, unsigned flags,
		       const struct sockaddr_in *dest, uint64_t user_data);
TOE_API int toe_setsockopt(struct toe_handle *h, uint32_t sock, int opt,
			   uint64_t value, uint64_t user_data);
TOE_API int toe_shutdown(struct toe_handle *h, uint32_t sock, int how,
			 uint64_t user_data);
TOE_API int toe_sock_close(struct toe_handle *h, uint32_t sock,
			   uint64_t user_data);
TOE_API int toe_sock_abort(struct toe_handle *h, uint32_t sock,
			   uint64_t user_data);
TOE_API int toe_anon_return(struct toe_handle *h, uint32_t buf_id);

/* ---- Completions ------------------------------------------------------- */

/* Completions ready to be read. */
TOE_API unsigned toe_cq_ready(const struct toe_handle *h);

/* The oldest completion, left in the queue: 0, or -EAGAIN when none. */
TOE_API int toe_peek_cqe(struct toe_handle *h, struct toe_cqe **cqe);

/* Up to count completions in order, without consuming them. */
TOE_API unsigned toe_peek_batch_cqe(struct toe_handle *h,
				    struct toe_cqe **cqes, unsigned count);

/* Marks the completion toe_peek_cqe() gave as consumed. */
TOE_API void toe_cqe_seen(struct toe_handle *h, struct toe_cqe *cqe);

/* Consumes the n oldest completions. */
TOE_API void toe_cq_advance(struct toe_handle *h, unsigned n);

/*
 * Waits for a completion: polls for up to toe_params.spin_us while
 * polling pays (not while the engine thread sleeps and serves waiters,
 * TOE_DB_SERVES_WAITERS; it stops after four empty spins in a row and
 * tries again every 32nd wait), then sleeps in
 * the kernel (TOE_IOC_ENTER with TOE_ENTER_F_WAIT) only while nothing is
 * ready; the module runs the engine's work in the sleeper's own context
 * meanwhile. timeout_ns < 0 waits for ever; 0 only looks. 0 with *cqe set,
 * -ETIME on time-out, -EINTR on a signal.
 */
TOE_API int toe_wait_cqe(struct toe_handle *h, struct toe_cqe **cqe,
			 int64_t timeout_ns);

/*
 * toe_submit() and toe_wait_cqe() in one: publishes the reserved entries
 * and waits for a completion. When the engine sleeps, the kick rides on
 * the wait's TOE_IOC_ENTER, so a request and the wait for its answer cost
 * one system call (none while the engine polls). Returns as
 * toe_wait_cqe() does; the entries stay published either way.
 */
TOE_API int toe_submit_and_wait(struct toe_handle *h, struct toe_cqe **cqe,
				int64_t timeout_ns);

/*
 * For event loops around toe_fd(): sets the doorbell's cq_armed word with
 * a full barrier and returns how many completions are already ready. Call
 * it before each sleep in poll(2) or epoll_wait(2) and do not sleep when it
 * returns more than 0. The fd is readable while completions are ready, and
 * the module wakes its waiters whether or not cq_armed is set.
 */
TOE_API int toe_cq_arm(struct toe_handle *h);

/* Names, for messages: "recv", "psh", ... ("?" when unknown). */
TOE_API const char *toe_cqe_type_name(unsigned type);
TOE_API const char *toe_reason_name(unsigned reason);

#ifdef __cplusplus
}
#endif

#endif /* TOE_TOE_H */

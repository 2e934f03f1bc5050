// SPDX-License-Identifier: GPL-2.0
/*
 * Requests and completions: each SQE, already copied out of the ring, is
 * validated and mapped onto the engine's host-request calls with the
 * context's owner id; each engine event becomes a CQE.
 *
 * Completion rules (docs/kernel.md):
 *  - A request refused at submission (bad opcode, a nonzero field the
 *    opcode does not use, an unknown handle or region, a range outside its
 *    region, an engine error) completes with one TOE_CQE_REQ whose res is
 *    -errno, and has no other effect.
 *  - NOP, SOCKET, BIND, LISTEN, SETOPT and SHUTDOWN complete with one
 *    TOE_CQE_REQ (SOCKET: res and handle = the new socket); so does a UDP
 *    CONNECT, which only fixes the peer.
 *  - ACCEPT, TCP CONNECT, POST_BUF and SEND complete only with their own
 *    completion (TOE_CQE_ACCEPT, TOE_CQE_CONNECTED, TOE_CQE_RECV,
 *    TOE_CQE_SEND), which carries the request's user_data.
 *  - CLOSE and ABORT complete with the socket's TOE_CQE_CLOSED, its last
 *    completion, which carries the request's user_data.
 *  - ANON_RETURN produces no completion when it succeeds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/nospec.h>

#include "toe_priv.h"

/* A handler's result: the completion comes later (or never). */
#define TOE_SQE_ASYNC 1

/* SQE fields, for the per-opcode "must be zero" check. */
#define TOE_F_PROTO BIT(0)
#define TOE_F_FLAGS BIT(1)
#define TOE_F_HANDLE BIT(2)
#define TOE_F_OFFSET BIT(3)
#define TOE_F_REGION BIT(4)
#define TOE_F_LEN BIT(5)
#define TOE_F_THRESHOLD BIT(6)
#define TOE_F_TIMEOUT BIT(7)
#define TOE_F_ADDR BIT(8)
#define TOE_F_PORT BIT(9)
#define TOE_F_ARG BIT(10)
#define TOE_F_VALUE BIT(11)
#define TOE_F_BUF_ID BIT(12)

#define TOE_LISTEN_BACKLOG_DEFAULT 128

typedef int (*toe_sqe_fn)(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			  struct toe_cqe *cqe);

static inline struct toe_engine *toe_ctx_engine(struct toe_ctx *ctx)
{
	return ctx->dev->eng;
}

static bool toe_sqe_unused_zero(const struct toe_sqe *s, u32 used)
{
	return (used & TOE_F_PROTO || !s->proto) &&
	       (used & TOE_F_FLAGS || !s->flags) &&
	       (used & TOE_F_HANDLE || !s->handle) &&
	       (used & TOE_F_OFFSET || !s->offset) &&
	       (used & TOE_F_REGION || !s->region) &&
	       (used & TOE_F_LEN || !s->len) &&
	       (used & TOE_F_THRESHOLD || !s->threshold) &&
	       (used & TOE_F_TIMEOUT || !s->timeout_ms) &&
	       (used & TOE_F_ADDR || !s->addr) &&
	       (used & TOE_F_PORT || !s->port) &&
	       (used & TOE_F_ARG || !s->arg) &&
	       (used & TOE_F_VALUE || !s->value) &&
	       (used & TOE_F_BUF_ID || !s->buf_id) && !s->reserved;
}

/* Binds an unbound socket to a port the host stack picks and reserves. */
static int toe_sqe_autobind(struct toe_ctx *ctx, struct toe_sock_rec *rec)
{
	struct toe_dev *dev = ctx->dev;
	int err;

	if (rec->bound)
		return 0;
	err = toe_port_reserve(dev, ctx, rec, htonl(INADDR_ANY), 0);
	if (err)
		return err;
	err = toe_sock_bind(dev->eng, ctx->id, rec->handle, 0, rec->port);
	if (err) {
		toe_port_unreserve(dev, rec);
		return err;
	}
	rec->bound = true;
	return 0;
}

static int toe_sqe_nop(struct toe_ctx *ctx, const struct toe_sqe *sqe,
		       struct toe_cqe *cqe)
{
	return 0;
}

static int toe_sqe_socket(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			  struct toe_cqe *cqe)
{
	struct toe_engine *eng = toe_ctx_engine(ctx);
	u32 handle;
	int err;

	if (sqe->proto != TOE_PROTO_TCP && sqe->proto != TOE_PROTO_UDP)
		return -EPROTONOSUPPORT;
	err = toe_sock_create(eng, ctx->id, sqe->proto, sqe->user_data,
			      &handle);
	if (err)
		return err;
	err = toe_sock_rec_add(ctx->dev, handle, ctx->id, sqe->proto, false);
	if (err) {
		/* Without its record the socket could never be bound. */
		toe_sock_abort(eng, ctx->id, handle);
		return err;
	}
	/*
	 * As nearly every server asks of Linux with SO_REUSEADDR: a port
	 * whose old connections linger in TIME_WAIT can be bound again.
	 */
	if (sqe->proto == TOE_PROTO_TCP)
		toe_sock_setopt(eng, ctx->id, handle, TOE_OPT_REUSEADDR, 1);
	cqe->res = (s32)handle;
	cqe->handle = handle;
	return 0;
}

static int toe_sqe_bind(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			struct toe_cqe *cqe)
{
	struct toe_dev *dev = ctx->dev;
	struct toe_sock_rec *rec;
	int err;

	rec = toe_sock_rec_find(dev, ctx->id, sqe->handle);
	if (!rec)
		return -ENOENT;
	if (rec->bound)
		return -EINVAL;
	if (sqe->addr != htonl(INADDR_ANY) && !toe_dev_has_addr(dev, sqe->addr))
		return -EADDRNOTAVAIL;
	err = toe_port_reserve(dev, ctx, rec, sqe->addr, ntohs(sqe->port));
	if (err)
		return err;
	err = toe_sock_bind(dev->eng, ctx->id, rec->handle, ntohl(sqe->addr),
			    rec->port);
	if (err) {
		toe_port_unreserve(dev, rec);
		return err;
	}
	rec->bound = true;
	return 0;
}

static int toe_sqe_listen(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			  struct toe_cqe *cqe)
{
	struct toe_sock_rec *rec;
	int err;

	rec = toe_sock_rec_find(ctx->dev, ctx->id, sqe->handle);
	if (!rec)
		return -ENOENT;
	if (rec->proto != TOE_PROTO_TCP)
		return -EOPNOTSUPP;
	err = toe_sqe_autobind(ctx, rec);
	if (err)
		return err;
	return toe_sock_listen(toe_ctx_engine(ctx), ctx->id, sqe->handle,
			       sqe->arg ? sqe->arg :
					  TOE_LISTEN_BACKLOG_DEFAULT);
}

static int toe_sqe_accept(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			  struct toe_cqe *cqe)
{
	int err;

	err = toe_sock_accept(toe_ctx_engine(ctx), ctx->id, sqe->handle,
			      sqe->user_data);
	return err ? err : TOE_SQE_ASYNC;
}

static int toe_sqe_connect(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			   struct toe_cqe *cqe)
{
	struct toe_sock_rec *rec;
	int err;

	rec = toe_sock_rec_find(ctx->dev, ctx->id, sqe->handle);
	if (!rec)
		return -ENOENT;
	if (sqe->addr == htonl(INADDR_ANY) || !sqe->port)
		return -EINVAL;
	err = toe_sqe_autobind(ctx, rec);
	if (err)
		return err;
	rec->connect_ref = sqe->user_data;
	err = toe_sock_connect(toe_ctx_engine(ctx), ctx->id, sqe->handle,
			       ntohl(sqe->addr), ntohs(sqe->port));
	if (err)
		return err;
	/* UDP only fixes the peer: the engine sends no event. */
	return rec->proto == TOE_PROTO_TCP ? TOE_SQE_ASYNC : 0;
}

/* The region and range a POST_BUF or SEND names, with a reference. */
static int toe_sqe_region(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			  struct toe_mr **out)
{
	struct toe_mr *mr;

	mr = toe_mr_get(ctx, sqe->region);
	if (!mr)
		return -ENOENT;
	if (!toe_os_mem_range_ok(&mr->mem, sqe->offset, sqe->len)) {
		toe_mr_put(mr);
		return -EFAULT;
	}
	*out = mr;
	return 0;
}

static int toe_sqe_post_buf(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			    struct toe_cqe *cqe)
{
	struct toe_named_buffer_req req = {};
	struct toe_mr *mr;
	int err;

	if (!sqe->len || sqe->threshold > sqe->len)
		return -EINVAL;
	err = toe_sqe_region(ctx, sqe, &mr);
	if (err)
		return err;
	req.mem = &mr->mem;
	req.offset = sqe->offset;
	req.length = sqe->len;
	req.threshold = sqe->threshold;
	req.timeout_ms = sqe->timeout_ms;
	req.user_ref = sqe->user_data;
	/* The engine takes its own reference when it keeps the buffer. */
	err = toe_sock_post_buffer(toe_ctx_engine(ctx), ctx->id, sqe->handle,
				   &req);
	toe_mr_put(mr);
	return err ? err : TOE_SQE_ASYNC;
}

static int toe_sqe_send(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			struct toe_cqe *cqe)
{
	struct toe_send_req req = {};
	struct toe_sock_rec *rec;
	struct toe_mr *mr;
	int err;

	if (sqe->flags & ~TOE_SEND_MORE)
		return -EINVAL;
	rec = toe_sock_rec_find(ctx->dev, ctx->id, sqe->handle);
	if (!rec)
		return -ENOENT;
	if (rec->proto == TOE_PROTO_TCP && (sqe->addr || sqe->port))
		return -EINVAL;
	err = toe_sqe_region(ctx, sqe, &mr);
	if (err)
		return err;
	/* Last of the checks: binding is the one with a lasting effect. */
	if (rec->proto == TOE_PROTO_UDP) {
		err = toe_sqe_autobind(ctx, rec);
		if (err)
			goto out;
	}
	req.mem = &mr->mem;
	req.offset = sqe->offset;
	req.length = sqe->len;
	req.flags = sqe->flags & TOE_SEND_MORE ? TOE_SEND_MORE : 0;
	req.dst_ip = ntohl(sqe->addr);
	req.dst_port = ntohs(sqe->port);
	req.user_ref = sqe->user_data;
	err = toe_sock_send(toe_ctx_engine(ctx), ctx->id, sqe->handle, &req);
out:
	toe_mr_put(mr);
	return err ? err : TOE_SQE_ASYNC;
}

/*
 * The engine keeps the reference number given at SOCKET (or ACCEPT); a
 * later one lives in the glue's record and replaces it in completions.
 */
static int toe_sqe_set_ref(struct toe_ctx *ctx, const struct toe_sqe *sqe)
{
	struct toe_sock_rec *rec;

	rec = toe_sock_rec_find(ctx->dev, ctx->id, sqe->handle);
	if (!rec)
		return -ENOENT;
	rec->sock_ref = sqe->value;
	rec->sock_ref_set = true;
	return 0;
}

static int toe_sqe_setopt(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			  struct toe_cqe *cqe)
{
	int opt;

	switch (sqe->arg) {
	case TOE_SO_NODELAY:
		opt = TOE_OPT_NODELAY;
		break;
	case TOE_SO_KEEPALIVE:
		opt = TOE_OPT_KEEPALIVE;
		break;
	case TOE_SO_KEEPIDLE:
		opt = TOE_OPT_KEEPIDLE;
		break;
	case TOE_SO_KEEPINTVL:
		opt = TOE_OPT_KEEPINTVL;
		break;
	case TOE_SO_KEEPCNT:
		opt = TOE_OPT_KEEPCNT;
		break;
	case TOE_SO_ANON_DELIVERY:
		if (sqe->value && !ctx->anon_mr)
			return -EINVAL; /* no pool to deliver into */
		opt = TOE_OPT_ANON_DELIVERY;
		break;
	case TOE_SO_REF:
		return toe_sqe_set_ref(ctx, sqe);
	case TOE_SO_CONGESTION:
		/* enum toe_cc is the engine's own value; the engine checks it. */
		opt = TOE_OPT_CONGESTION;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return toe_sock_setopt(toe_ctx_engine(ctx), ctx->id, sqe->handle, opt,
			       sqe->value);
}

static int toe_sqe_shutdown(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			    struct toe_cqe *cqe)
{
	if (sqe->arg > TOE_SHUT_RDWR)
		return -EINVAL;
	return toe_sock_shutdown(toe_ctx_engine(ctx), ctx->id, sqe->handle,
				 sqe->arg);
}

/* CLOSE and ABORT: TOE_CQE_CLOSED, the socket's last, answers them. */
static int toe_sqe_close(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			 struct toe_cqe *cqe)
{
	struct toe_engine *eng = toe_ctx_engine(ctx);
	struct toe_sock_rec *rec;
	u64 prev_ref = 0;
	int err;

	/* Set first: the engine may emit CLOSED before it returns. */
	rec = toe_sock_rec_find(ctx->dev, ctx->id, sqe->handle);
	if (rec) {
		prev_ref = rec->close_ref;
		rec->close_ref = sqe->user_data;
	}
	if (sqe->opcode == TOE_OP_ABORT)
		err = toe_sock_abort(eng, ctx->id, sqe->handle);
	else
		err = toe_sock_close(eng, ctx->id, sqe->handle);
	if (err) {
		rec = toe_sock_rec_find(ctx->dev, ctx->id, sqe->handle);
		if (rec)
			rec->close_ref = prev_ref;
		return err;
	}
	return TOE_SQE_ASYNC;
}

static int toe_sqe_anon_return(struct toe_ctx *ctx, const struct toe_sqe *sqe,
			       struct toe_cqe *cqe)
{
	int err;

	if (!ctx->anon_mr || sqe->buf_id >= ctx->anon_count)
		return -EINVAL;
	err = toe_anon_provide(toe_ctx_engine(ctx), ctx->id, &ctx->anon_mr->mem,
			       (u64)sqe->buf_id * ctx->anon_size,
			       ctx->anon_size, sqe->buf_id);
	return err ? err : TOE_SQE_ASYNC;
}

struct toe_sqe_op {
	toe_sqe_fn fn;
	u32 fields; /* the fields the opcode reads; the rest must be zero */
};

static const struct toe_sqe_op toe_sqe_ops[TOE_OP_MAX] = {
	[TOE_OP_NOP] = { toe_sqe_nop, 0 },
	[TOE_OP_SOCKET] = { toe_sqe_socket, TOE_F_PROTO },
	[TOE_OP_BIND] = { toe_sqe_bind,
			  TOE_F_HANDLE | TOE_F_ADDR | TOE_F_PORT },
	[TOE_OP_LISTEN] = { toe_sqe_listen, TOE_F_HANDLE | TOE_F_ARG },
	[TOE_OP_ACCEPT] = { toe_sqe_accept, TOE_F_HANDLE },
	[TOE_OP_CONNECT] = { toe_sqe_connect,
			     TOE_F_HANDLE | TOE_F_ADDR | TOE_F_PORT },
	[TOE_OP_POST_BUF] = { toe_sqe_post_buf,
			      TOE_F_HANDLE | TOE_F_REGION | TOE_F_OFFSET |
				      TOE_F_LEN | TOE_F_THRESHOLD |
				      TOE_F_TIMEOUT },
	[TOE_OP_SEND] = { toe_sqe_send, TOE_F_HANDLE | TOE_F_REGION |
						TOE_F_OFFSET | TOE_F_LEN |
						TOE_F_FLAGS | TOE_F_ADDR |
						TOE_F_PORT },
	[TOE_OP_SETOPT] = { toe_sqe_setopt,
			    TOE_F_HANDLE | TOE_F_ARG | TOE_F_VALUE },
	[TOE_OP_SHUTDOWN] = { toe_sqe_shutdown, TOE_F_HANDLE | TOE_F_ARG },
	[TOE_OP_CLOSE] = { toe_sqe_close, TOE_F_HANDLE },
	[TOE_OP_ABORT] = { toe_sqe_close, TOE_F_HANDLE },
	[TOE_OP_ANON_RETURN] = { toe_sqe_anon_return, TOE_F_BUF_ID },
};

void toe_sqe_execute(struct toe_ctx *ctx, const struct toe_sqe *sqe)
{
	struct toe_cqe cqe = {
		.user_data = sqe->user_data,
		.type = TOE_CQE_REQ,
		.handle = sqe->handle,
	};
	const struct toe_sqe_op *op;
	int res;

	if (sqe->opcode >= TOE_OP_MAX) {
		res = -EINVAL;
	} else {
		op = &toe_sqe_ops[array_index_nospec(sqe->opcode, TOE_OP_MAX)];
		if (!toe_sqe_unused_zero(sqe, op->fields))
			res = -EINVAL;
		else
			res = op->fn(ctx, sqe, &cqe);
	}
	if (res == TOE_SQE_ASYNC)
		return;
	if (res < 0) {
		ctx->ctr.sqe_errors++;
		cqe.type = TOE_CQE_REQ;
		cqe.res = res;
	}
	toe_ring_post_cqe(ctx, &cqe);
}

/* ---- Engine events -> completions -------------------------------------------- */

static u16 toe_cqe_reason(u16 ret)
{
	switch (ret) {
	case TOE_RET_THRESHOLD:
		return TOE_REASON_THRESHOLD;
	case TOE_RET_FULL:
		return TOE_REASON_FULL;
	case TOE_RET_PSH:
		return TOE_REASON_PSH;
	case TOE_RET_URG:
		return TOE_REASON_URG;
	case TOE_RET_FIN:
		return TOE_REASON_FIN;
	case TOE_RET_RST:
		return TOE_REASON_RST;
	case TOE_RET_TIMEOUT:
		return TOE_REASON_TIMEOUT;
	case TOE_RET_CLOSED:
		return TOE_REASON_CLOSED;
	case TOE_RET_DATAGRAM:
		return TOE_REASON_DATAGRAM;
	default:
		return TOE_REASON_NONE;
	}
}

void toe_sqe_event(struct toe_ctx *ctx, const struct toe_event *ev)
{
	struct toe_cqe cqe = {
		.sock_ref = ev->sock_ref,
		.res = ev->status,
		.handle = ev->sock,
	};
	struct toe_sock_rec *rec =
		toe_sock_rec_find(ctx->dev, ctx->id, ev->sock);

	if (rec && rec->sock_ref_set)
		cqe.sock_ref = rec->sock_ref;
	switch (ev->type) {
	case TOE_EV_CONNECTED:
		cqe.type = TOE_CQE_CONNECTED;
		cqe.user_data = rec ? rec->connect_ref : cqe.sock_ref;
		cqe.addr = htonl(ev->peer_ip);
		cqe.port = htons(ev->peer_port);
		break;
	case TOE_EV_ACCEPT:
		cqe.type = TOE_CQE_ACCEPT;
		/* The accept request's user_data, now the new socket's ref. */
		cqe.user_data = ev->sock_ref;
		cqe.sock_ref = ev->sock_ref;
		cqe.handle = ev->parent;
		cqe.new_handle = ev->sock;
		cqe.addr = htonl(ev->peer_ip);
		cqe.port = htons(ev->peer_port);
		break;
	case TOE_EV_RECV:
		cqe.type = TOE_CQE_RECV;
		cqe.user_data = ev->buf_ref;
		cqe.bytes = min_t(u64, ev->bytes, U32_MAX);
		cqe.reason = toe_cqe_reason(ev->reason);
		if (ev->flags & TOE_EVF_TRUNCATED)
			cqe.flags |= TOE_CQE_F_TRUNCATED;
		cqe.addr = htonl(ev->peer_ip);
		cqe.port = htons(ev->peer_port);
		if (ev->udp_hdr_len == sizeof(cqe.udp_header))
			memcpy(cqe.udp_header, ev->udp_hdr,
			       sizeof(cqe.udp_header));
		break;
	case TOE_EV_RECV_ANON:
		cqe.type = TOE_CQE_RECV_ANON;
		cqe.new_handle = ev->anon_id;
		cqe.bytes = min_t(u64, ev->bytes, U32_MAX);
		cqe.reason = toe_cqe_reason(ev->reason);
		if (ev->flags & TOE_EVF_TRUNCATED)
			cqe.flags |= TOE_CQE_F_TRUNCATED;
		cqe.addr = htonl(ev->peer_ip);
		cqe.port = htons(ev->peer_port);
		if (ev->udp_hdr_len == sizeof(cqe.udp_header))
			memcpy(cqe.udp_header, ev->udp_hdr,
			       sizeof(cqe.udp_header));
		break;
	case TOE_EV_SEND:
		cqe.type = TOE_CQE_SEND;
		cqe.user_data = ev->buf_ref;
		cqe.bytes = min_t(u64, ev->bytes, U32_MAX);
		break;
	case TOE_EV_PEER_CLOSED:
	case TOE_EV_ERROR:
		/*
		 * A reset or a failed connection is the peer going away
		 * with an error: res carries it (e.g. -ECONNRESET).
		 */
		cqe.type = TOE_CQE_PEER_CLOSED;
		cqe.user_data = cqe.sock_ref;
		break;
	case TOE_EV_CLOSED:
		cqe.type = TOE_CQE_CLOSED;
		cqe.user_data = rec ? rec->close_ref : 0;
		break;
	default:
		ctx->ctr.events_unknown++;
		return;
	}
	toe_ring_post_cqe(ctx, &cqe);
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * toe engine: the public API between the portable engine and its port.
 *
 * The port is either the kernel glue in kmod/linux (a netdev rx_handler, a
 * kthread and dev_queue_xmit) or a user-space test port. The engine calls
 * the port through struct toe_port_ops and the port drives the engine with
 * the functions below.
 *
 * Threading: every function here runs on the engine's own thread, except
 * toe_engine_classify(), which may run concurrently on any CPU (softirq).
 *
 * Byte order: every IPv4 address and port in this API (arguments, events,
 * introspection) is in HOST byte order, e.g. 10.0.0.1 is 0x0a000001.
 *
 * Errors: 0 or a negative errno, everywhere.
 *
 * Ownership: "owner" is the application context the host request comes
 * from. A socket handle that does not exist, is stale, or belongs to another
 * owner gives -ENOENT: nothing about other owners' sockets is revealed.
 *
 * Host memory: struct toe_mem (see toe_os.h) names a region the port has
 * made accessible (kernel: pinned pages; user space: a base and a length).
 * The engine takes a reference on a region for as long as a posted buffer
 * or a send request points into it, and drops it when the completion event
 * for that buffer or request has been emitted.
 */
#ifndef TOE_ENGINE_H
#define TOE_ENGINE_H

#include "toe_os.h"
/* TOE_PROTO_TCP, TOE_PROTO_UDP and TOE_SEND_MORE come from the ABI. */
#include "uapi/linux/toe.h"

#ifdef __cplusplus
extern "C" {
#endif

struct toe_engine;
struct toe_mem;

/* ---- Limits --------------------------------------------------- */

/* Local IPv4 addresses an engine answers for. */
#define TOE_MAX_LOCAL_IPS 8

/* Largest L2+L3+L4 header the engine builds: Ethernet, 802.1Q, IPv4 with
 * options room, TCP with 40 bytes of options.
 */
#define TOE_TX_HDR_MAX 192

/* Payload fragments per transmitted frame. */
#define TOE_TX_MAX_FRAGS 32

/* toe_engine_next_deadline_us() when no timer is armed. */
#define TOE_DEADLINE_NONE (~(u64)0)

/* The owner value no application context uses. */
#define TOE_OWNER_NONE 0u

/* The handle value no socket ever has. */
#define TOE_HANDLE_NONE 0u

/* Largest listen backlog; toe_sock_listen() clamps larger ones to it. */
#define TOE_BACKLOG_MAX 65535

/* ---- Configuration ------------------------------------------------------- */

/* tx_features */
#define TOE_TXF_CSUM_PARTIAL (1u << 0) /* port completes L4 checksums */
#define TOE_TXF_GSO_TCPV4 (1u << 1) /* port segments TCP super-frames */
#define TOE_TXF_GSO_UDPV4 (1u << 2) /* port fragments large UDP (unused) */

struct toe_engine_config {
	u8 mac[6]; /* the attached interface's MAC */
	u16 vlan_id; /* 0 = untagged; else 1..4094, tagged on tx, required on rx */
	u32 mtu; /* IP MTU of the link (68..65535), e.g. 1500 */
	u32 local_ips[TOE_MAX_LOCAL_IPS]; /* host order */
	u32 nr_local_ips;

	u32 buflet_count; /* cells in the buflet pool */
	u32 buflet_size; /* data bytes per buflet (>= 256) */
	/* buflets one socket may hold (window bound); in-order bytes inside
	 * an advertised window may use twice as many (buflet.c)
	 */
	u32 sock_buflets_max;

	u32 max_sockets; /* socket descriptors, all states (<= 1M) */
	u32 syn_queue_max; /* half-open connections, engine-wide */
	u32 time_wait_max; /* sockets in TIME_WAIT, engine-wide */
	u32 sock_named_max; /* posted named buffers per socket */
	u32 sock_send_max; /* outstanding send requests per socket */
	u32 sock_accept_max; /* pending accept requests per listener */
	u32 owner_anon_max; /* anonymous buffers per owner's pool */

	u16 ephemeral_port_min; /* local ports the engine picks itself */
	u16 ephemeral_port_max; /* (the glue reserves them from the host) */

	u32 tx_features; /* TOE_TXF_* the port supports */
	u32 gso_max_size; /* largest super-frame payload, 0 = no GSO */

	u8 ip_ttl; /* 0 = 64 */
	u8 congestion; /* enum toe_cc: each connection's algorithm to start with */
	u8 reserved0[2];

	u64 isn_secret[2]; /* key for ISNs and SYN cookies; 0 = random */
	u64 random_seed; /* engine PRNG (ports, IP ids); 0 = random */
};

/* Fills a configuration with the defaults: no addresses, MTU 1500,
 * 16384 buflets of 2048 bytes, 512 per socket, 4096 sockets, CUBIC, ...
 */
void toe_engine_config_defaults(struct toe_engine_config *cfg);

/* ---- Frames ---------------------------------------------------------------- */

struct toe_tx_frag {
	struct toe_mem *mem;
	u64 off;
	u32 len;
	u32 reserved;
};

/* toe_tx_frame.flags */
/*
 * TOE_TX_CSUM_PARTIAL: the L4 checksum field holds the folded pseudo-header
 * sum only; the port sums from csum_start to the end of the frame and
 * stores the complement at csum_start + csum_offset (CHECKSUM_PARTIAL).
 */
#define TOE_TX_CSUM_PARTIAL (1u << 0)
#define TOE_TX_GSO_TCPV4 (1u << 1) /* segment into gso_size payloads */

/*
 * One frame to transmit: complete headers in hdr (Ethernet, optional 802.1Q,
 * IPv4, L4) followed by the payload fragments, in order. With gso_size != 0
 * the frame is a TCP super-frame: the port segments it into gso_size
 * payloads (TSO/GSO), replicating and fixing the headers as Linux GSO does.
 * hdr is valid only during the xmit call; the fragments' memory stays valid
 * while the engine holds its references, so a port that keeps fragments past
 * the call (the kernel attaches pinned pages to an skb) takes its own page
 * references.
 */
struct toe_tx_frame {
	u8 hdr[TOE_TX_HDR_MAX];
	u32 hdr_len;
	u32 l3_off; /* IPv4 header offset in hdr */
	u32 l4_off; /* L4 header offset in hdr */
	u32 flags; /* TOE_TX_* */
	u16 csum_start; /* offset of the L4 header from the frame start */
	u16 csum_offset; /* checksum field offset from csum_start */
	u32 gso_size; /* 0 = one frame on the wire */
	u32 payload_len; /* sum of the fragments' len */
	u32 nr_frags;
	struct toe_tx_frag frags[TOE_TX_MAX_FRAGS];
};

struct toe_rx_seg {
	const u8 *data;
	u32 len;
};

/* toe_rx_frame.flags */
#define TOE_RX_CSUM_VERIFIED (1u << 0) /* L4 checksum already verified */

/*
 * One received Ethernet frame (possibly a GRO super-frame) as a list of
 * segments. The first segment should hold all headers; the engine copes
 * when it doesn't. len is the sum of the segments' lengths. The data is
 * only read during the call.
 */
struct toe_rx_frame {
	const struct toe_rx_seg *segs;
	u32 nr_segs;
	u32 len;
	u32 flags; /* TOE_RX_* */
};

/* toe_engine_classify() and toe_engine_input() results */
#define TOE_RX_NOT_MINE 0 /* pass to the host stack */
#define TOE_RX_MINE 1 /* classify: steal it for the engine */
#define TOE_RX_CONSUMED 2 /* input: the engine processed (or dropped) it */
/*
 * classify: the host stack takes the frame as usual, and the engine wants
 * a copy through toe_engine_input (an ICMP error about one of its
 * connections: the host's own sockets may need it too).
 */
#define TOE_RX_SHARE 3

/* ---- Events ------------------------------------------------------------------ */

#define TOE_EV_CONNECTED 1 /* connect finished: status 0 or -errno */
#define TOE_EV_ACCEPT 2 /* accept finished: sock = new socket */
#define TOE_EV_RECV 3 /* a named buffer came back */
#define TOE_EV_RECV_ANON 4 /* an anonymous buffer came back */
#define TOE_EV_SEND 5 /* a send request finished */
#define TOE_EV_PEER_CLOSED 6 /* FIN received after all data was delivered */
#define TOE_EV_CLOSED 7 /* the socket's last event; the handle is dead */
#define TOE_EV_ERROR 8 /* connection failed (status), e.g. -ECONNRESET */

/* Why a named buffer came back (toe_event.reason for TOE_EV_RECV) */
#define TOE_RET_THRESHOLD 1 /* its threshold was reached */
#define TOE_RET_FULL 2 /* it is full */
#define TOE_RET_PSH 3 /* a segment with PSH was placed in it */
#define TOE_RET_URG 4 /* a segment with URG was placed in it */
#define TOE_RET_FIN 5 /* the peer's FIN: no more data will come */
#define TOE_RET_RST 6 /* the connection was reset */
#define TOE_RET_TIMEOUT 7 /* its timeout expired */
#define TOE_RET_CLOSED 8 /* its socket was closed, aborted or released */
#define TOE_RET_DATAGRAM 9 /* UDP: it holds one datagram */

/* toe_event.flags */
#define TOE_EVF_TRUNCATED (1u << 0) /* UDP datagram larger than the buffer */

/*
 * A completion for the host. Fields not meaningful for a type are zero.
 *
 * CONNECTED: sock, sock_ref, status, peer_ip/peer_port.
 * ACCEPT: sock = the new socket (its sock_ref is the accept request's
 *         user_ref), parent = the listener, peer_ip/peer_port.
 * RECV: sock, sock_ref, buf_ref = the buffer's user_ref, bytes placed from
 *       its offset, reason, status (0, or -ECONNRESET with TOE_RET_RST).
 *       UDP: also peer_ip/peer_port, udp_hdr, flags (TRUNCATED; then
 *       udp_hdr's length field gives the datagram's size).
 * RECV_ANON: sock, sock_ref, anon_id, bytes placed from the anonymous
 *       buffer's start, reason (as for RECV). Returned unused buffers (owner
 *       release) have sock = TOE_HANDLE_NONE, bytes 0, status -ECANCELED.
 * SEND: sock, sock_ref, buf_ref = the request's user_ref, bytes, status.
 * PEER_CLOSED, ERROR: sock, sock_ref, status.
 * CLOSED: sock, sock_ref, status (0, or why the connection ended).
 */
struct toe_event {
	u16 type; /* TOE_EV_* */
	u16 reason; /* TOE_RET_* */
	s32 status; /* 0 or -errno */
	u32 sock; /* socket handle */
	u32 parent; /* ACCEPT: the listener's handle */
	u64 sock_ref; /* the socket's user_ref */
	u64 buf_ref; /* the buffer's or send request's user_ref */
	u64 bytes;
	u32 flags; /* TOE_EVF_* */
	u32 anon_id;
	u32 peer_ip;
	u16 peer_port;
	u8 udp_hdr_len; /* 8 for UDP receives, else 0 */
	u8 reserved0;
	u8 udp_hdr[8]; /* the datagram's UDP header, as on the wire */
};

/* ---- Port ------------------------------------------------------------------- */

/* toe_trace_rec.kind */
enum toe_trace_kind {
	TOE_TRACE_RETRANSMIT = 1,
	TOE_TRACE_DROP,
};

/* toe_trace_rec.reason for TOE_TRACE_DROP: which counter the drop went to */
enum toe_drop_reason {
	TOE_DROP_TCP = 1, /* tcp_drops: TCP rejected the segment */
	TOE_DROP_NO_BUFLET, /* drop_no_buflet */
	TOE_DROP_RX_SHUTDOWN, /* drop_rx_shutdown */
	TOE_DROP_UDP_NO_ROOM, /* drop_udp_no_room */
	TOE_DROP_ANON_EMPTY, /* drop_anon_empty */
};

/*
 * One retransmission or drop on one socket, for tracing a flow: the bytes
 * [seq, seq + len) (seq 0 for UDP).
 */
struct toe_trace_rec {
	u16 kind;
	u16 reason;
	u32 sock; /* handle; 0 for a socket the host does not hold */
	u32 owner;
	u8 proto;
	u32 local_ip, remote_ip; /* host order */
	u16 local_port, remote_port;
	u32 seq;
	u32 len;
};

struct toe_port_ops {
	/* Send one frame. 0, or -errno (the frame is dropped and counted;
	 * TCP recovers by retransmission).
	 */
	int (*xmit)(void *port, const struct toe_tx_frame *f);
	/* Deliver a completion to the application context owner. */
	void (*event)(void *port, u32 owner, const struct toe_event *ev);
	/* The next hop's MAC for dst_ip: 0, -EAGAIN while resolution is
	 * pending (the engine retries from a timer), or -EHOSTUNREACH.
	 */
	int (*resolve_l2)(void *port, u32 dst_ip, u8 mac_out[6]);
	/* Optional: a retransmission or drop on a socket, as it happens. */
	void (*trace)(void *port, const struct toe_trace_rec *rec);
};

/* ---- Engine ----------------------------------------------------------------- */

/* Creates an engine; 0 or -EINVAL (bad config) / -ENOMEM. */
int toe_engine_create(const struct toe_engine_config *cfg,
		      const struct toe_port_ops *ops, void *port,
		      struct toe_engine **out);

/* Frees the engine and everything in it. Emits no events but drops every
 * host memory reference. Call toe_owner_release() first for owners that
 * should get their completions. The caller guarantees no classify runs.
 */
void toe_engine_destroy(struct toe_engine *eng);

/* Local addresses may change while the engine runs. */
int toe_engine_add_local_ip(struct toe_engine *eng, u32 ip);
int toe_engine_del_local_ip(struct toe_engine *eng, u32 ip);

/* TOE_RX_MINE, TOE_RX_SHARE or TOE_RX_NOT_MINE; reads only, safe on any
 * CPU at any time (RCU read side inside).
 */
int toe_engine_classify(const struct toe_engine *eng,
			const struct toe_rx_frame *f);

/* Full processing: TOE_RX_CONSUMED or TOE_RX_NOT_MINE. Any byte sequence
 * is safe.
 */
int toe_engine_input(struct toe_engine *eng, const struct toe_rx_frame *f);

/* Runs expired timers. */
void toe_engine_poll(struct toe_engine *eng);

/* Absolute time (toe_os_now_us) of the earliest armed timer, or
 * TOE_DEADLINE_NONE.
 */
u64 toe_engine_next_deadline_us(struct toe_engine *eng);

/* ---- Host requests ------------------------------------------------------------- */

int toe_sock_create(struct toe_engine *eng, u32 owner, int proto,
		    u64 user_ref, u32 *handle);

/* ip 0 = any local address; port 0 = an ephemeral port.
 * -EADDRNOTAVAIL (not a local address), -EADDRINUSE, -EINVAL (bound).
 */
int toe_sock_bind(struct toe_engine *eng, u32 owner, u32 h, u32 ip,
		  u16 port);

/* TCP only; binds an ephemeral port when unbound. backlog bounds the
 * established connections waiting for an accept request (>= 1).
 */
int toe_sock_listen(struct toe_engine *eng, u32 owner, u32 h, int backlog);

/* Queues an accept request on a listener; completes with TOE_EV_ACCEPT
 * when a connection is ready (at once if one is waiting). -ENOBUFS when
 * sock_accept_max requests are already queued.
 */
int toe_sock_accept(struct toe_engine *eng, u32 owner, u32 listener,
		    u64 user_ref);

/* TCP: sends SYN once the next hop is resolved; TOE_EV_CONNECTED follows.
 * UDP: fixes the peer (no event).
 */
int toe_sock_connect(struct toe_engine *eng, u32 owner, u32 h, u32 ip,
		     u16 port);

/* The seed's named buffer designation. */
struct toe_named_buffer_req {
	struct toe_mem *mem;
	u64 offset;
	u32 length; /* >= 1 */
	u32 threshold; /* return once this many bytes are in; 0 = length */
	u32 timeout_ms; /* return after this long since posting; 0 = never */
	u32 reserved;
	u64 user_ref; /* the buffer's reference number */
};

int toe_sock_post_buffer(struct toe_engine *eng, u32 owner, u32 h,
			 const struct toe_named_buffer_req *req);

/* toe_send_req.flags: TOE_SEND_MORE (uapi) = more data follows: no PSH. */

struct toe_send_req {
	struct toe_mem *mem;
	u64 offset;
	u32 length; /* TCP >= 1; UDP 0..65507 */
	u32 flags; /* TOE_SEND_* */
	u32 dst_ip; /* UDP, unconnected: the destination */
	u16 dst_port;
	u16 reserved;
	u64 user_ref;
};

int toe_sock_send(struct toe_engine *eng, u32 owner, u32 h,
		  const struct toe_send_req *req);

/* Options. Values are plain integers; booleans are 0/1. */
#define TOE_OPT_NODELAY 1 /* disable Nagle */
#define TOE_OPT_KEEPALIVE 2 /* enable keepalive probes */
#define TOE_OPT_KEEPIDLE 3 /* idle time before probes, seconds */
#define TOE_OPT_KEEPINTVL 4 /* between probes, seconds */
#define TOE_OPT_KEEPCNT 5 /* probes before the connection is dropped */
#define TOE_OPT_ANON_DELIVERY 6 /* opt in to anonymous buffers */
/* TOE_OPT_LINGER, on close: ~0 = graceful (default), 0 = abort, n = abort
 * if not done within n seconds.
 */
#define TOE_OPT_LINGER 7
/* TOE_OPT_REUSEADDR: non-listening sockets that all set it may share a
 * local port (e.g. reconnecting from a fixed port).
 */
#define TOE_OPT_REUSEADDR 8
#define TOE_OPT_TOS 9 /* IPv4 TOS byte */
#define TOE_OPT_TTL 10 /* IPv4 TTL, 0 = the engine's default */
#define TOE_OPT_USER_TIMEOUT 11 /* ms unacked data may wait, 0 = default */
#define TOE_OPT_MAXSEG 12 /* MSS clamp, 0 = from the MTU */
/* TOE_OPT_CONGESTION: enum toe_cc; -EISCONN once data was sent */
#define TOE_OPT_CONGESTION 13

int toe_sock_setopt(struct toe_engine *eng, u32 owner, u32 h, int opt,
		    u64 value);
int toe_sock_getopt(struct toe_engine *eng, u32 owner, u32 h, int opt,
		    u64 *value);

#define TOE_SHUT_RD 0
#define TOE_SHUT_WR 1
#define TOE_SHUT_RDWR 2

/* SHUT_RD returns every posted buffer (TOE_RET_CLOSED) and discards later
 * data; SHUT_WR sends FIN after the pending sends.
 */
int toe_sock_shutdown(struct toe_engine *eng, u32 owner, u32 h, int how);

/* Graceful close: posted buffers come back (TOE_RET_CLOSED), pending sends
 * go out followed by FIN, and TOE_EV_CLOSED comes last. The handle is dead
 * for every request once close returns 0.
 */
int toe_sock_close(struct toe_engine *eng, u32 owner, u32 h);

/* Abortive close: RST to the peer, sends fail with -ECONNABORTED, buffers
 * come back, then TOE_EV_CLOSED.
 */
int toe_sock_abort(struct toe_engine *eng, u32 owner, u32 h);

/* Gives owner's pool an anonymous buffer. -ENOBUFS when the pool holds
 * owner_anon_max buffers, -EEXIST when id is already in the pool.
 */
int toe_anon_provide(struct toe_engine *eng, u32 owner, struct toe_mem *mem,
		     u64 off, u32 len, u32 id);

/* The application went away, or its engine is being detached: aborts each
 * of its sockets (RST to peers), returns every buffer and fails every send
 * with an event carrying error (-ECONNABORTED when the application closed,
 * -ENETDOWN when the engine leaves its device, so the two can be told
 * apart), and drops every reference to its memory. Afterwards the engine
 * holds no toe_mem of owner.
 */
void toe_owner_release(struct toe_engine *eng, u32 owner, int error);

/* ---- Introspection (toectl) ------------------------------------------------- */

/*
 * Counters, kept per connection and summed per engine. Segments are TCP
 * segments (a GSO super-frame counts as the segments it becomes).
 */
struct toe_tcp_stats {
	u64 segs_in;
	u64 segs_out;
	u64 bytes_in; /* payload accepted in order */
	u64 bytes_out; /* payload sent, retransmissions included */
	u64 retransmits; /* segments sent again, any cause */
	u64 fast_retransmits; /* by three duplicate ACKs or a partial ACK */
	u64 timeouts; /* retransmission timer expiries */
	u64 dupacks_in;
	u64 ooo_segs_in; /* segments queued out of order */
	u64 dup_segs_in; /* segments wholly below rcv_nxt */
	u64 challenge_acks;
	u64 challenge_acks_suppressed; /* over the rate limit */
	u64 oow_acks_suppressed; /* answers to invalid segments withheld */
	u64 paws_drops;
	u64 bad_acks; /* ACK of data never sent */
	u64 window_probes;
	u64 keepalive_probes;
	u64 rst_in;
	u64 rst_out;
	u64 delayed_acks; /* ACKs sent by the delayed-ACK timer */
	u64 bytes_acked; /* payload the peer acknowledged */
	/* engine-wide only */
	u64 active_opens;
	u64 passive_opens;
	u64 connect_failures;
	u64 resets; /* connections ended by a valid RST */
	u64 aborts_timeout; /* retransmission, keepalive or SYN timeouts */
	u64 syncookies_sent;
	u64 syncookies_ok;
	u64 syncookies_failed;
	u64 listen_drops; /* SYNs dropped: accept queue full, no memory */
	u64 time_wait_recycled; /* TIME_WAIT sockets ended early by the cap */
	u64 closed_port_rsts; /* RSTs for segments to no connection */
	/* per connection and engine-wide again */
	u64 sack_blocks_in; /* SACK blocks received (D-SACK included) */
	u64 dsacks_in; /* D-SACK blocks received (RFC 2883) */
	u64 sack_blocks_out; /* SACK blocks sent */
	u64 dsacks_out;
	u64 sack_recoveries; /* loss recoveries driven by SACK and RACK */
	u64 rack_marked_lost; /* records RACK judged lost */
	u64 tlp_probes; /* tail loss probes sent (RFC 8985 7) */
	u64 tlp_recoveries; /* losses a probe repaired */
	u64 sack_work_max; /* most scoreboard records one ACK visited */
	/* path MTU (per connection and engine-wide) */
	u64 pmtu_icmp_in; /* ICMP "fragmentation needed" for a connection */
	u64 pmtu_icmp_ignored; /* its sequence number was outside the flight */
	u64 pmtu_reductions; /* the path MTU went down (ICMP or PLPMTUD) */
	u64 plpmtud_probes; /* PLPMTUD probes sent */
	u64 plpmtud_probe_acked; /* probes acknowledged: the MTU went up */
	u64 plpmtud_probes_lost; /* probes lost (or refused by ICMP) */
	u64 plpmtud_blackholes; /* timeouts of full-sized segments: base size */
};

/*
 * A listener's own share of the engine-wide listen_drops and syncookies_*
 * counts (struct toe_tcp_stats), for toectl's listener view.
 */
struct toe_listen_stats {
	u64 acceptq_overflows; /* SYNs and handshakes refused: accept queue full */
	u64 child_failures; /* SYNs dropped: no socket for the child */
	u64 syncookies_sent; /* the SYN queue was full */
	u64 syncookies_ok;
	u64 syncookies_failed;
};

struct toe_engine_counters {
	u64 frames_in;
	u64 frames_out;
	u64 bytes_in; /* L2 bytes */
	u64 bytes_out;
	u64 not_mine; /* input frames handed back to the host */
	u64 not_ipv4;
	u64 bad_l2; /* runt, wrong VLAN, bad MAC */
	u64 bad_ip; /* bad version, length or header checksum */
	u64 bad_csum; /* bad TCP/UDP checksum */
	u64 bad_l4; /* truncated or malformed TCP/UDP header */
	u64 fragments; /* IP fragments (handed back) */
	u64 no_socket; /* well-formed but for no socket (handed back) */
	u64 tx_errors; /* xmit failures */
	u64 tx_no_l2; /* frames not sent because the next hop is unknown */
	u64 drop_no_buflet; /* payload refused: pool or socket bound empty */
	u64 drop_rx_shutdown; /* payload after the reader shut down */
	u64 drop_udp_no_room; /* UDP datagram with no buffer and no buflet */
	u64 drop_anon_empty; /* anon delivery found the pool empty */
	u64 tcp_segs_in;
	u64 tcp_segs_out;
	u64 tcp_retransmits;
	u64 tcp_rst_in;
	u64 tcp_rst_out;
	u64 tcp_drops; /* segments TCP rejected (out of window, bad ack...) */
	u64 udp_in;
	u64 udp_out;
	u64 bytes_placed; /* payload handed to the host (named or anon) */
	u64 bytes_copied; /* payload copied into host memory */
	u64 bytes_parked; /* payload parked in buflets */
	u64 named_returned;
	u64 anon_returned;
	u64 events;
	u64 timers_fired;
	u32 buflets_total;
	u32 buflets_free;
	u32 buflets_in_use;
	u32 sockets;
	u32 listeners;
	u32 time_wait;
	u32 syn_queue;
	u32 owners;
	/* memory: the live socket descriptors, and the tables sized at
	 * creation for max_sockets (slots, flow and bind buckets)
	 */
	u64 socket_bytes;
	u64 table_bytes;
	/* TCP in detail: the engine's sums (struct toe_tcp_stats) */
	struct toe_tcp_stats tcp;
};

void toe_engine_get_counters(const struct toe_engine *eng,
			     struct toe_engine_counters *c);

/* The configuration the engine runs with (its limits), for toectl. */
void toe_engine_get_config(const struct toe_engine *eng,
			   struct toe_engine_config *cfg);

/* TCP states as reported (RFC 9293 names). */
#define TOE_TCPS_CLOSED 0
#define TOE_TCPS_LISTEN 1
#define TOE_TCPS_SYN_SENT 2
#define TOE_TCPS_SYN_RECEIVED 3
#define TOE_TCPS_ESTABLISHED 4
#define TOE_TCPS_FIN_WAIT_1 5
#define TOE_TCPS_FIN_WAIT_2 6
#define TOE_TCPS_CLOSE_WAIT 7
#define TOE_TCPS_CLOSING 8
#define TOE_TCPS_LAST_ACK 9
#define TOE_TCPS_TIME_WAIT 10

struct toe_sock_info {
	u32 handle;
	u32 owner; /* TOE_OWNER_NONE once the host let go (e.g. TIME_WAIT) */
	u64 user_ref;
	u8 proto;
	u8 state; /* TCP: TOE_TCPS_*; UDP: 0 */
	u16 local_port;
	u16 remote_port;
	u8 congestion; /* TCP: enum toe_cc */
	u8 reserved0;
	u32 local_ip;
	u32 remote_ip;
	/* TCP (zero for UDP) */
	u32 snd_una;
	u32 snd_nxt;
	u32 rcv_nxt;
	u32 snd_wnd;
	u32 rcv_wnd;
	u32 cwnd;
	u32 ssthresh;
	u32 srtt_us;
	u32 rto_us;
	u32 mss;
	u64 retransmits;
	/* receive side */
	u32 buflets_held;
	u32 named_pending;
	u64 bytes_parked;
	u64 bytes_placed;
	u32 sends_pending;
	u32 flags; /* TOE_SIF_* */
	/* TCP traffic (zero for UDP): segments and payload bytes */
	u64 segs_in;
	u64 segs_out;
	u64 bytes_sent; /* retransmissions included */
	u64 bytes_acked;
	u64 bytes_received; /* accepted in order */
	/* TCP options (zero for UDP) */
	u32 keepidle_s;
	u32 keepintvl_s;
	u32 keepcnt;
	u32 user_timeout_ms; /* 0: the retries bound the wait */
	/* listener (zero otherwise) */
	u32 backlog;
	u32 acceptq_len; /* established, waiting for an accept request */
	u32 synq_len; /* half-open children */
	u32 accept_reqs; /* accept requests waiting for a connection */
	struct toe_listen_stats listen;
};

/* toectl reads these flags as they are: they are the ABI's. */
#define TOE_SIF_LISTENING TOE_SOCK_F_LISTENING
#define TOE_SIF_ANON TOE_SOCK_F_ANON
#define TOE_SIF_HOST_CLOSED TOE_SOCK_F_HOST_CLOSED
#define TOE_SIF_RD_SHUT TOE_SOCK_F_RD_SHUT
#define TOE_SIF_WR_SHUT TOE_SOCK_F_WR_SHUT
#define TOE_SIF_NODELAY TOE_SOCK_F_NODELAY
#define TOE_SIF_KEEPALIVE TOE_SOCK_F_KEEPALIVE

/* Any owner's socket (administrative view). 0 or -ENOENT. */
int toe_sock_get_info(struct toe_engine *eng, u32 handle,
		      struct toe_sock_info *info);

/* Iterates over every socket: start with *cursor = 0; each call fills
 * info and returns 0, or -ENOENT when done. Sockets created or freed
 * between calls may or may not be seen; none is seen twice.
 */
int toe_sock_iter_next(struct toe_engine *eng, u32 *cursor,
		       struct toe_sock_info *info);

/* One owner's totals over its sockets. */
struct toe_owner_info {
	u32 sockets;
	u32 named_pending; /* named buffers posted, not yet returned */
	u32 sends_pending;
	u32 anon_buffers; /* in the owner's anonymous pool */
};

/* 0, or -ENOENT when owner has no socket and no pool in the engine. */
int toe_owner_get_info(struct toe_engine *eng, u32 owner,
		       struct toe_owner_info *info);

struct toe_buffer_info {
	u64 user_ref;
	u64 offset;
	u32 length;
	u32 threshold;
	u32 bytes; /* placed so far */
	u32 timeout_ms;
	u64 posted_us; /* toe_os_now_us at posting */
};

/* Iterates over a socket's posted named buffers in placement order: start
 * with *cursor = 0; 0 per buffer, -ENOENT when done or when the socket
 * doesn't exist.
 */
int toe_sock_buffer_iter_next(struct toe_engine *eng, u32 handle,
			      u32 *cursor, struct toe_buffer_info *info);

#ifdef __cplusplus
}
#endif

#endif /* TOE_ENGINE_H */

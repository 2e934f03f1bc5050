// SPDX-License-Identifier: MIT
// Engines and ports: attach and detach by ioctl, port reservation in the
// host stack, privileged ports, and what detach does to live contexts.
#include "raw.hpp"

#include <linux/capability.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace glue {
namespace {

// A host-stack socket bound to addr:port (network order addr): 0 or -errno.
long host_bind(int type, in_addr_t addr, uint16_t port, int *fd_out = nullptr)
{
	int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
	check(fd >= 0, "socket");
	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = addr;
	sin.sin_port = htons(port);
	long ret = ::bind(fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin)) ? -errno : 0;
	if (ret == 0 && fd_out)
		*fd_out = fd;
	else
		::close(fd);
	return ret;
}

uint16_t host_free_port(int type)
{
	int fd;
	check_errno(host_bind(type, INADDR_ANY, 0, &fd), 0, "host bind port 0");
	sockaddr_in sin{};
	socklen_t len = sizeof(sin);
	check(::getsockname(fd, reinterpret_cast<sockaddr *>(&sin), &len) == 0, "getsockname");
	::close(fd);
	return ntohs(sin.sin_port);
}

toe_sqe sock_op(uint8_t opcode, uint32_t handle)
{
	toe_sqe s{};
	s.opcode = opcode;
	s.handle = handle;
	return s;
}

} // namespace

GLUE_CASE(attach_checks_arguments)
{
	int fd = open_dev();
	check(fd >= 0, "open");
	check_errno(attach_if(fd, 1 << 30), ENODEV, "attach an unknown ifindex");
	check_errno(attach_if(fd, int(if_nametoindex("lo"))), EOPNOTSUPP, "attach loopback");
	check_errno(attach_if(fd, cfg.ifindex, 1 << 20), EINVAL, "attach to CPU 2^20");
	check_errno(attach_if(fd, cfg.ifindex, -1, 2000000000u), EINVAL, "idle poll of 2000 s");
	toe_attach a{};
	a.ifindex = uint32_t(cfg.ifindex);
	a.cpu = -1;
	a.flags = 1;
	check_errno(xioctl(fd, TOE_IOC_ATTACH, &a), EINVAL, "unknown attach flag");
	check_errno(detach_if(fd, cfg.ifindex), ENOENT, "detach while not attached");
	check_errno(attach_if(fd, cfg.ifindex, 0, 50), 0, "attach on CPU 0");
	check_errno(attach_if(fd, cfg.ifindex), EBUSY, "attach twice");
	int status = run_child([&] {
		drop_capability(CAP_NET_ADMIN);
		check_errno(detach_if(fd, cfg.ifindex), EPERM, "detach without CAP_NET_ADMIN");
		check_errno(attach_if(fd, cfg.ifindex), EPERM, "attach without CAP_NET_ADMIN");
	});
	check(status == 0, "unprivileged child (status " + std::to_string(status) + ")");
	check_errno(detach_if(fd, cfg.ifindex), 0, "detach");
	check_errno(detach_if(fd, cfg.ifindex), ENOENT, "detach again");
	::close(fd);
}

GLUE_CASE(bind_checks_addresses_and_state)
{
	Attach attach;
	RawCtx ctx;
	uint32_t udp = ctx.socket(TOE_PROTO_UDP);
	check_errno(ctx.bind(udp, inet_addr("203.0.113.9"), 0), EADDRNOTAVAIL,
		    "bind an address the device lacks");
	check_errno(ctx.bind(udp, cfg.peer, 0), EADDRNOTAVAIL, "bind the peer's address");
	check_errno(ctx.bind(udp, cfg.local, 0), 0, "bind the device's address");
	check_errno(ctx.bind(udp, cfg.local, 0), EINVAL, "bind twice");
	uint32_t tcp = ctx.socket(TOE_PROTO_TCP);
	check_errno(ctx.bind(tcp, INADDR_ANY, 0), 0, "bind the wildcard address");
	toe_sqe s = sock_op(TOE_OP_LISTEN, udp);
	s.arg = 4;
	toe_cqe c = ctx.request(s);
	check_errno(c.res, EOPNOTSUPP, "listen on UDP");
	s.handle = tcp;
	check_errno(ctx.request(s).res, 0, "listen on TCP");
	s = sock_op(TOE_OP_CONNECT, tcp);
	check_errno(ctx.request(s).res, EINVAL, "connect to 0.0.0.0:0");
}

// Ports the engine binds are held in the host stack, and ports the host
// holds are refused to the engine.
GLUE_CASE(ports_are_reserved_in_the_host)
{
	Attach attach;
	RawCtx ctx;
	for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
		const char *name = type == SOCK_DGRAM ? "UDP" : "TCP";
		int proto = type == SOCK_DGRAM ? TOE_PROTO_UDP : TOE_PROTO_TCP;
		uint16_t port = host_free_port(type);
		uint32_t h = ctx.socket(proto);
		check_errno(ctx.bind(h, cfg.local, port), 0, std::string(name) + ": engine binds");
		check_errno(host_bind(type, INADDR_ANY, port), EADDRINUSE,
			    std::string(name) + ": the host cannot bind it now");

		int held;
		uint16_t busy = host_free_port(type);
		check_errno(host_bind(type, INADDR_ANY, busy, &held), 0, "host binds");
		uint32_t h2 = ctx.socket(proto);
		check_errno(ctx.bind(h2, cfg.local, busy), EADDRINUSE,
			    std::string(name) + ": engine bind of a host port");
		::close(held);
		check_errno(ctx.bind(h2, cfg.local, busy), 0,
			    std::string(name) + ": free again, the engine gets it");

		// Port 0: the host picks, and the port is held.
		uint32_t h3 = ctx.socket(proto);
		check_errno(ctx.bind(h3, cfg.local, 0), 0, std::string(name) + ": bind port 0");

		if (type == SOCK_STREAM) {
			// A closed TCP socket's port stays held against the
			// host for TIME_WAIT, but the engine may bind it again.
			toe_sqe close = sock_op(TOE_OP_CLOSE, h);
			close.user_data = 0xc105e;
			ctx.submit(close);
			toe_cqe c = ctx.expect([](const toe_cqe &q) { return q.user_data == 0xc105e; },
					       "TCP close");
			check(c.type == TOE_CQE_CLOSED && c.handle == h, "TCP close answered");
			check_errno(host_bind(type, INADDR_ANY, port), EADDRINUSE,
				    "TCP port still held after close");
			uint32_t again = ctx.socket(proto);
			check_errno(ctx.bind(again, cfg.local, port), 0, "the engine binds it again");
		}
		if (type == SOCK_DGRAM) {
			// A closed UDP socket gives its port back at once.
			toe_sqe close = sock_op(TOE_OP_CLOSE, h);
			close.user_data = 0xc105e;
			ctx.submit(close);
			toe_cqe c = ctx.expect([](const toe_cqe &q) { return q.user_data == 0xc105e; },
					       "UDP close");
			check(c.type == TOE_CQE_CLOSED, "close answered by TOE_CQE_CLOSED");
			check(c.handle == h, "for the closed socket");
			check_errno(host_bind(type, INADDR_ANY, port), 0, "UDP port free after close");
		}
	}
}

GLUE_CASE(privileged_ports_need_cap_net_bind_service)
{
	Attach attach;
	int status = run_child([] {
		// The right is checked against the opener's credentials.
		drop_capability(CAP_NET_BIND_SERVICE);
		RawCtx ctx;
		uint32_t h = ctx.socket(TOE_PROTO_TCP);
		check_errno(ctx.bind(h, cfg.local, 80), EACCES, "port 80 without the capability");
		check_errno(ctx.bind(h, cfg.local, 0), 0, "an ephemeral port is fine");
	});
	check(status == 0, "unprivileged child (status " + std::to_string(status) + ")");
	RawCtx ctx;
	uint32_t h = ctx.socket(TOE_PROTO_TCP);
	check_errno(ctx.bind(h, cfg.local, 80), 0, "port 80 with the capability");
}

GLUE_CASE(dereg_refused_while_buffer_posted)
{
	Attach attach;
	RawCtx ctx;
	std::vector<uint8_t> buf(16384);
	uint32_t region;
	check_errno(ctx.reg_mr(buf.data(), buf.size(), &region), 0, "register");
	uint32_t udp = ctx.socket(TOE_PROTO_UDP, 0x50c);
	check_errno(ctx.bind(udp, cfg.local, 0), 0, "bind");
	toe_sqe post = sock_op(TOE_OP_POST_BUF, udp);
	post.region = region;
	post.offset = 4096;
	post.len = 2048;
	post.user_data = 0xb0f;
	ctx.submit(post);
	// The post has no completion of its own; a NOP after it proves it ran.
	toe_sqe nop{};
	nop.opcode = TOE_OP_NOP;
	check(ctx.request(nop).res == 0, "NOP after the post");
	check_errno(ctx.dereg_mr(region), EBUSY, "deregister while a buffer is posted");

	toe_sqe close = sock_op(TOE_OP_CLOSE, udp);
	close.user_data = 0xc1;
	ctx.submit(close);
	toe_cqe recv = ctx.expect([](const toe_cqe &q) { return q.user_data == 0xb0f; },
				  "the posted buffer back");
	check(recv.type == TOE_CQE_RECV, "buffer returned as TOE_CQE_RECV");
	check(recv.reason == TOE_REASON_CLOSED, "reason: closed");
	check(recv.bytes == 0 && recv.handle == udp, "no bytes, right socket");
	check(recv.sock_ref == 0x50c, "the socket's reference number");
	toe_cqe closed = ctx.expect([](const toe_cqe &q) { return q.type == TOE_CQE_CLOSED; },
				    "TOE_CQE_CLOSED");
	check(closed.user_data == 0xc1 && closed.handle == udp, "CLOSED answers the close");
	check_errno(ctx.dereg_mr(region), 0, "deregister once the buffer is back");
}

// Detaching resets the context's sockets, returns each buffer with a
// completion, and leaves the context drained but detached.
GLUE_CASE(detach_returns_buffers_and_marks_contexts)
{
	long long pinned = module_param("pinned_pages");
	Attach attach;
	RawCtx ctx;
	std::vector<uint8_t> buf(8192);
	uint32_t region;
	check_errno(ctx.reg_mr(buf.data(), buf.size(), &region), 0, "register");
	uint32_t udp = ctx.socket(TOE_PROTO_UDP);
	check_errno(ctx.bind(udp, cfg.local, 0), 0, "bind");
	for (uint32_t i = 0; i < 3; i++) {
		toe_sqe post = sock_op(TOE_OP_POST_BUF, udp);
		post.region = region;
		post.offset = i * 1024;
		post.len = 1024;
		post.user_data = 0xd0 + i;
		ctx.submit(post);
	}
	toe_sqe nop{};
	nop.opcode = TOE_OP_NOP;
	check(ctx.request(nop).res == 0, "NOP after the posts");

	attach.detach();
	check(__atomic_load_n(&ctx.doorbell()->flags, __ATOMIC_ACQUIRE) & TOE_DB_DETACHED,
	      "doorbell says detached");
	for (uint32_t i = 0; i < 3; i++) {
		uint64_t ud = 0xd0 + i;
		toe_cqe c = ctx.expect([ud](const toe_cqe &q) { return q.user_data == ud; },
				       "buffer back after detach");
		check(c.type == TOE_CQE_RECV, "as TOE_CQE_RECV");
	}
	ctx.expect([udp](const toe_cqe &q) { return q.type == TOE_CQE_CLOSED && q.handle == udp; },
		   "the socket's CLOSED");
	check_errno(ctx.enter(TOE_ENTER_F_KICK), ENODEV, "kick a detached context");
	check_errno(ctx.enter(TOE_ENTER_F_WAIT, 1, -1), ENODEV, "wait on a drained, detached context");
	pollfd p{ctx.fd(), POLLIN, 0};
	check(::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "poll reports the hang-up");
	check_errno(ctx.dereg_mr(region), 0, "region free again");
	ctx.close_fd();
	check(module_param("pinned_pages") == pinned, "pages unpinned");
}

} // namespace glue

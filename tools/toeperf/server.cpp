// SPDX-License-Identifier: MIT
#include "server.hpp"

#include "backend.hpp"
#include "protocol.hpp"
#include "reader.hpp"
#include "stats.hpp"
#include "syscalls.hpp"

#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace toeperf {

namespace {

// The largest message or chunk a client may ask for.
constexpr size_t kServerSendBytes = kMaxSize;

void log_error(const char *what, int err)
{
	std::fprintf(stderr, "toeperf server: %s: %s\n", what, errno_text(err).c_str());
}

int serve_echo(Backend &b, int conn, Reader &in, uint32_t size)
{
	for (;;) {
		int r = in.consume(size);
		if (r <= 0)
			return r;
		if (int err = b.send(conn, kControlBytes, size))
			return err;
	}
}

int serve_sink(Backend &b, int conn, Reader &in)
{
	int64_t got = in.drain();
	if (got < 0)
		return int(got);
	uint64_t count = uint64_t(got);
	std::memcpy(b.send_memory().data(), &count, sizeof(count));
	if (int err = b.send(conn, 0, sizeof(count)))
		return err;
	return b.flush(conn);
}

int serve_source(Backend &b, int conn, uint32_t size, uint32_t millis)
{
	uint64_t end = now_ns() + uint64_t(millis) * 1'000'000;
	while (now_ns() < end)
		if (int err = b.send(conn, kControlBytes, size))
			return err;
	return b.flush(conn);
}

int serve_stats(Backend &b, int conn, const SyscallCounter &syscalls)
{
	ProcessUsage usage = process_usage();
	ServerStats st{usage.cpu.user_ns, usage.cpu.sys_ns, usage.context_switches,
		       syscalls.count().value_or(kSyscallsUnknown)};
	std::memcpy(b.send_memory().data(), &st, sizeof(st));
	if (int err = b.send(conn, 0, sizeof(st)))
		return err;
	return b.flush(conn);
}

int serve(Backend &b, int conn, const SyscallCounter &syscalls)
{
	Reader in(b, conn);
	Hello hello{};
	int r = in.consume(sizeof(hello), &hello);
	if (r <= 0)
		return r;
	if (hello.magic != kHelloMagic || hello.size > kServerSendBytes)
		return -EPROTO;
	if (int err = b.flush(conn)) // the control area is about to change
		return err;
	switch (hello.request) {
	case Request::echo: return serve_echo(b, conn, in, hello.size);
	case Request::sink: return serve_sink(b, conn, in);
	case Request::source: return serve_source(b, conn, hello.size, hello.millis);
	case Request::stats: return serve_stats(b, conn, syscalls);
	}
	return -EPROTO;
}

void tcp_listener(const SyscallCounter &syscalls, std::unique_ptr<Backend> b)
{
	for (;;) {
		int conn = b->accept();
		if (conn < 0) {
			log_error("accept", conn);
			continue;
		}
		int err = serve(*b, conn, syscalls);
		if (err < 0 && err != -ECONNRESET && err != -EPIPE)
			log_error("connection", err);
		b->close(conn);
	}
}

void udp_echo(std::unique_ptr<Backend> b, int sock)
{
	for (;;) {
		std::span<const std::byte> got;
		sockaddr_in from{};
		int n = b->recv_datagram(sock, got, &from);
		if (n < 0) {
			log_error("udp receive", n);
			return;
		}
		if (int err = b->send_datagram(sock, kControlBytes, size_t(n), &from))
			log_error("udp send", err);
	}
}

} // namespace

int run_server(const Options &o)
{
	// Opened before the threads start, so that it counts theirs too.
	SyscallCounter syscalls;
	std::vector<std::thread> threads;
	for (uint32_t i = 0; i < o.connections; i++) {
		sockaddr_in addr = o.endpoint;
		addr.sin_port = htons(uint16_t(ntohs(o.endpoint.sin_port) + i));
		auto b = make_backend(o, kServerSendBytes);
		if (int err = b->listen(addr))
			die("cannot listen on port " + std::to_string(ntohs(addr.sin_port)) + ": " +
			    errno_text(err));
		threads.emplace_back(tcp_listener, std::cref(syscalls), std::move(b));
	}
	if (o.proto == Proto::udp) {
		auto b = make_backend(o, kServerSendBytes);
		int sock = b->udp_bind(o.endpoint);
		if (sock < 0)
			die("cannot bind the UDP socket: " + errno_text(sock));
		threads.emplace_back(udp_echo, std::move(b), sock);
	}
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &o.endpoint.sin_addr, addr, sizeof(addr));
	std::printf("toeperf server (%s) listening on %s:%u, %u port(s)%s\n", backend_name(o.backend),
		    addr, ntohs(o.endpoint.sin_port), o.connections,
		    o.proto == Proto::udp ? ", udp echo" : "");
	std::fflush(stdout);
	for (std::thread &t : threads)
		t.join();
	return 0;
}

} // namespace toeperf

// SPDX-License-Identifier: MIT
#include "client.hpp"

#include "backend.hpp"
#include "protocol.hpp"
#include "reader.hpp"
#include "syscalls.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace toeperf {

namespace {

// The Hello sits right before the payload, so a crr connection sends its
// Hello and its request with one send.
constexpr size_t kHelloOffset = kControlBytes - sizeof(Hello);

struct Worker {
	uint64_t transactions = 0;
	uint64_t bytes = 0;
	uint64_t elapsed_ns = 0;
	std::vector<uint64_t> latencies;
	int error = 0;
	const char *failed_at = "";
};

sockaddr_in port_plus(const sockaddr_in &base, uint32_t i)
{
	sockaddr_in a = base;
	a.sin_port = htons(uint16_t(ntohs(base.sin_port) + i));
	return a;
}

void put_hello(Backend &b, Request req, uint32_t size, uint32_t millis)
{
	Hello h{kHelloMagic, req, size, millis, {}};
	std::memcpy(b.send_memory().data() + kHelloOffset, &h, sizeof(h));
}

bool fail(Worker &w, const char *where, int err)
{
	w.error = err ? err : -EPIPE;
	w.failed_at = where;
	return false;
}

uint64_t deadline(const Options &o) { return now_ns() + uint64_t(o.seconds * 1e9); }
bool more(const Options &o, uint64_t done, uint64_t end)
{
	return (!o.count || done < o.count) && now_ns() < end;
}

// pingpong and rr over TCP: request out, the same size back, timed.
void transact(const Options &o, uint32_t index, Worker &w)
{
	auto b = make_backend(o, o.size);
	put_hello(*b, Request::echo, o.size, 0);
	int conn = b->connect(port_plus(o.endpoint, index));
	if (conn < 0)
		return (void)fail(w, "connect", conn);
	Reader in(*b, conn);
	int err = b->send(conn, kHelloOffset, sizeof(Hello));
	uint64_t start = now_ns(), end = deadline(o);
	while (!err && more(o, w.transactions, end)) {
		uint64_t t0 = now_ns();
		if ((err = b->send(conn, kControlBytes, o.size)))
			break;
		int r = in.consume(o.size);
		if (r <= 0) {
			err = r ? r : -EPIPE;
			break;
		}
		uint64_t t1 = now_ns();
		w.latencies.push_back(t1 - t0);
		w.transactions++;
	}
	w.elapsed_ns = now_ns() - start;
	if (err)
		fail(w, "exchange", err);
	else if ((err = b->flush(conn)))
		fail(w, "flush", err);
	b->close(conn);
}

void transact_udp(const Options &o, Worker &w)
{
	auto b = make_backend(o, o.size);
	int sock = b->udp_connect(o.endpoint);
	if (sock < 0)
		return (void)fail(w, "udp socket", sock);
	uint64_t start = now_ns(), end = deadline(o);
	while (more(o, w.transactions, end)) {
		uint64_t t0 = now_ns();
		if (int err = b->send_datagram(sock, kControlBytes, o.size, nullptr))
			return (void)fail(w, "udp send", err);
		std::span<const std::byte> got;
		int n = b->recv_datagram(sock, got, nullptr);
		if (n < 0)
			return (void)fail(w, "udp receive", n);
		if (uint32_t(n) != o.size)
			return (void)fail(w, "udp echo size", -EBADMSG);
		w.latencies.push_back(now_ns() - t0);
		w.transactions++;
	}
	w.elapsed_ns = now_ns() - start;
	b->close(sock);
}

void stream_out(const Options &o, uint32_t index, Worker &w)
{
	auto b = make_backend(o, o.size);
	put_hello(*b, Request::sink, o.size, 0);
	int conn = b->connect(port_plus(o.endpoint, index));
	if (conn < 0)
		return (void)fail(w, "connect", conn);
	int err = b->send(conn, kHelloOffset, sizeof(Hello));
	uint64_t start = now_ns(), end = deadline(o);
	uint64_t sent = 0;
	while (!err && now_ns() < end) {
		err = b->send(conn, kControlBytes, o.size);
		sent += o.size;
	}
	if (!err)
		err = b->shutdown_write(conn);
	uint64_t count = 0;
	if (!err) {
		Reader in(*b, conn);
		int r = in.consume(sizeof(count), &count);
		err = r == 1 ? 0 : r ? r : -EPIPE;
	}
	w.elapsed_ns = now_ns() - start;
	if (!err && count != sent)
		err = -EBADMSG;
	if (err)
		fail(w, "stream", err);
	w.bytes = count;
	b->close(conn);
}

void stream_in(const Options &o, uint32_t index, Worker &w)
{
	auto b = make_backend(o, o.size);
	put_hello(*b, Request::source, o.size, uint32_t(o.seconds * 1000));
	int conn = b->connect(port_plus(o.endpoint, index));
	if (conn < 0)
		return (void)fail(w, "connect", conn);
	uint64_t start = now_ns();
	int err = b->send(conn, kHelloOffset, sizeof(Hello));
	Reader in(*b, conn);
	int64_t got = err ? 0 : in.drain();
	w.elapsed_ns = now_ns() - start;
	if (err || got < 0)
		return (void)fail(w, "stream", err ? err : int(got));
	w.bytes = uint64_t(got);
	b->close(conn);
}

// crr: a connection per transaction, Hello and request in one send.
void connect_transact(const Options &o, Worker &w)
{
	auto b = make_backend(o, o.size);
	put_hello(*b, Request::echo, o.size, 0);
	uint64_t start = now_ns(), end = deadline(o);
	while (more(o, w.transactions, end)) {
		uint64_t t0 = now_ns();
		int conn = b->connect(o.endpoint);
		if (conn < 0)
			return (void)fail(w, "connect", conn);
		int err = b->send(conn, kHelloOffset, sizeof(Hello) + o.size);
		Reader in(*b, conn);
		int r = err ? err : in.consume(o.size);
		b->close(conn);
		if (r != 1)
			return (void)fail(w, "transaction", r ? r : -EPIPE);
		w.latencies.push_back(now_ns() - t0);
		w.transactions++;
	}
	w.elapsed_ns = now_ns() - start;
}

// The server's usage so far, if the peer is a toeperf server.
std::optional<ServerStats> server_stats(const Options &o)
{
	auto b = make_backend(o, sizeof(ServerStats));
	put_hello(*b, Request::stats, 0, 0);
	int conn = b->connect(o.endpoint);
	if (conn < 0)
		return std::nullopt;
	ServerStats st{};
	Reader in(*b, conn);
	int r = b->send(conn, kHelloOffset, sizeof(Hello));
	if (!r)
		r = in.consume(sizeof(st), &st);
	b->close(conn);
	if (r != 1)
		return std::nullopt;
	return st;
}

} // namespace

Result run_client(const Options &o)
{
	Result r;
	r.options = o;
	// Opened before the workers start, so that it counts their calls.
	// What the client does outside the measure (asking the server,
	// reading /proc) falls outside the two readings.
	SyscallCounter syscalls;
	std::optional<ServerStats> server_before = server_stats(o);
	EngineUsage engine_before = engine_usage();
	ProcessUsage client_before = process_usage();
	std::optional<uint64_t> syscalls_before = syscalls.count();

	std::vector<Worker> workers(o.connections);
	std::vector<std::thread> threads;
	for (uint32_t i = 0; i < o.connections; i++) {
		Worker &w = workers[i];
		switch (o.mode) {
		case Mode::pingpong:
		case Mode::rr:
			if (o.proto == Proto::udp)
				threads.emplace_back([&o, &w] { transact_udp(o, w); });
			else
				threads.emplace_back([&o, i, &w] { transact(o, i, w); });
			break;
		case Mode::stream:
			if (o.reverse)
				threads.emplace_back([&o, i, &w] { stream_in(o, i, w); });
			else
				threads.emplace_back([&o, i, &w] { stream_out(o, i, w); });
			break;
		case Mode::crr:
			threads.emplace_back([&o, &w] { connect_transact(o, w); });
			break;
		}
	}
	for (std::thread &t : threads)
		t.join();

	std::optional<uint64_t> syscalls_after = syscalls.count();
	ProcessUsage client_after = process_usage();
	EngineUsage engine_after = engine_usage();
	std::optional<ServerStats> server_after = server_before ? server_stats(o) : std::nullopt;

	std::vector<uint64_t> latencies;
	uint64_t elapsed = 0;
	for (Worker &w : workers) {
		if (w.error)
			die(std::string(w.failed_at) + ": " + errno_text(w.error));
		r.transactions += w.transactions;
		r.bytes += w.bytes;
		elapsed = std::max(elapsed, w.elapsed_ns);
		latencies.insert(latencies.end(), w.latencies.begin(), w.latencies.end());
	}
	if (o.mode != Mode::stream)
		r.bytes = r.transactions * o.size * 2;
	r.seconds = double(elapsed) / 1e9;
	r.latency = percentiles(latencies);
	r.client_cpu = {client_after.cpu.user_ns - client_before.cpu.user_ns,
			client_after.cpu.sys_ns - client_before.cpu.sys_ns};
	r.client_context_switches = client_after.context_switches - client_before.context_switches;
	if (syscalls_before && syscalls_after)
		r.client_syscalls = *syscalls_after - *syscalls_before;
	if (server_before && server_after) {
		r.server_cpu_known = true;
		r.server_cpu = {server_after->user_ns - server_before->user_ns,
				server_after->sys_ns - server_before->sys_ns};
		r.server_context_switches =
			server_after->context_switches - server_before->context_switches;
		if (server_before->syscalls != kSyscallsUnknown &&
		    server_after->syscalls != kSyscallsUnknown)
			r.server_syscalls = server_after->syscalls - server_before->syscalls;
	}
	if (engine_before.found && engine_after.found) {
		r.engine_cpu_known = true;
		r.engine_ns = engine_after.ns - engine_before.ns;
		r.engine_context_switches =
			engine_after.context_switches - engine_before.context_switches;
	}
	return r;
}

} // namespace toeperf

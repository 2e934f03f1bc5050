// SPDX-License-Identifier: MIT
// The interface every backend gives the workloads. One Backend object
// belongs to one thread and serves a listener and its connections, or a
// client's connections, one at a time; the workloads are written once
// against it, so only the way bytes move differs between backends.
//
// Sends come from the backend's own send memory (registered with the engine
// for toe), which the workload fills once: the bytes must stay unchanged
// while a send may still be in flight (until flush()). Receives hand back
// a view of the bytes where the backend put them (a named buffer, a
// provided buffer, a socket buffer copy); the view lasts until the next
// recv() on that connection.
#pragma once

#include "options.hpp"
#include "protocol.hpp"

#include <cstddef>
#include <memory>
#include <netinet/in.h>
#include <span>

namespace toeperf {

class Backend {
public:
	virtual ~Backend() = default;

	// kControlBytes of control area, then room for a message or chunk.
	virtual std::span<std::byte> send_memory() = 0;

	// TCP. Calls return 0 (or an id) on success, a negative errno on
	// failure.
	virtual int listen(const sockaddr_in &addr) = 0;
	virtual int accept() = 0; // a connection id
	virtual int connect(const sockaddr_in &addr) = 0; // a connection id
	// Sends [offset, offset + len) of send_memory(). It may return while
	// the bytes are still in flight.
	virtual int send(int conn, size_t offset, size_t len) = 0;
	// Waits until every send on conn has left send_memory().
	virtual int flush(int conn) = 0;
	// Bytes received (> 0), 0 at the end of the stream, or -errno.
	virtual int recv(int conn, std::span<const std::byte> &got) = 0;
	virtual int shutdown_write(int conn) = 0;
	virtual void close(int conn) = 0;

	// UDP: a socket bound to addr (server) or connected to it (client).
	virtual int udp_bind(const sockaddr_in &addr) = 0;
	virtual int udp_connect(const sockaddr_in &peer) = 0;
	// dest: nullptr for the connected peer.
	virtual int send_datagram(int sock, size_t offset, size_t len,
				  const sockaddr_in *dest) = 0;
	virtual int recv_datagram(int sock, std::span<const std::byte> &got,
				  sockaddr_in *from) = 0;
};

// send_bytes: room for the largest message or chunk after the control area.
std::unique_ptr<Backend> make_backend(const Options &o, size_t send_bytes);

std::unique_ptr<Backend> make_toe_backend(const Options &o, size_t send_bytes);
// How a kernel-socket backend waits: in the blocking call, in epoll_wait,
// or in a blocking call that first busy-polls the device (SO_BUSY_POLL).
enum class KernelWait { block, epoll, busy_poll };
std::unique_ptr<Backend> make_kernel_backend(const Options &o, size_t send_bytes,
					     KernelWait wait);
std::unique_ptr<Backend> make_uring_backend(const Options &o, size_t send_bytes,
					    bool sqpoll);

} // namespace toeperf

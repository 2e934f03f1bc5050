// SPDX-License-Identifier: MIT
// The kernel's own sockets: blocking calls, non-blocking sockets woken by
// epoll, or blocking calls that busy-poll the device's receive queue before
// they sleep (SO_BUSY_POLL with SO_PREFER_BUSY_POLL, the kernel's answer to
// the latency of a wake-up: the tuned baseline toe must beat). Every
// received byte is copied out of the socket buffer into ours, which is what
// read(2) costs an application.
#include "backend.hpp"

#include <cerrno>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace toeperf {

namespace {

class KernelBackend final : public Backend {
public:
	KernelBackend(size_t send_bytes, KernelWait wait, uint32_t busy_poll_us)
		: send_(kControlBytes + send_bytes), recv_(256 * 1024),
		  epoll_(wait == KernelWait::epoll),
		  busy_poll_us_(wait == KernelWait::busy_poll ? busy_poll_us : 0)
	{
		if (epoll_) {
			epfd_ = epoll_create1(EPOLL_CLOEXEC);
			if (epfd_ < 0)
				die("epoll_create1: " + errno_text(-errno));
		}
	}

	~KernelBackend() override
	{
		if (listener_ >= 0)
			::close(listener_);
		if (epfd_ >= 0)
			::close(epfd_);
	}

	std::span<std::byte> send_memory() override { return send_; }

	int listen(const sockaddr_in &addr) override
	{
		int fd = new_socket(SOCK_STREAM);
		if (fd < 0)
			return fd;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (::bind(fd, (const sockaddr *)&addr, sizeof(addr)) || ::listen(fd, 128)) {
			int err = -errno;
			::close(fd);
			return err;
		}
		listener_ = fd;
		return 0;
	}

	int accept() override
	{
		for (;;) {
			int fd = ::accept4(listener_, nullptr, nullptr,
					   SOCK_CLOEXEC | (epoll_ ? SOCK_NONBLOCK : 0));
			if (fd >= 0)
				return tune(fd);
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if (int err = wait(listener_, EPOLLIN))
				return err;
		}
	}

	int connect(const sockaddr_in &addr) override
	{
		int fd = new_socket(SOCK_STREAM);
		if (fd < 0)
			return fd;
		tune(fd);
		if (::connect(fd, (const sockaddr *)&addr, sizeof(addr)) == 0)
			return fd;
		int err = -errno;
		if (err == -EINPROGRESS) {
			socklen_t len = sizeof(err);
			if (!(err = wait(fd, EPOLLOUT)) &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err)
				return fd;
			err = err > 0 ? -err : err;
		}
		::close(fd);
		return err;
	}

	int send(int conn, size_t offset, size_t len) override
	{
		const std::byte *p = send_.data() + offset;
		while (len) {
			ssize_t n = ::send(conn, p, len, MSG_NOSIGNAL);
			if (n > 0) {
				p += n;
				len -= size_t(n);
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if (int err = wait(conn, EPOLLOUT))
				return err;
		}
		return 0;
	}

	int flush(int) override { return 0; }

	int recv(int conn, std::span<const std::byte> &got) override
	{
		for (;;) {
			ssize_t n = ::recv(conn, recv_.data(), recv_.size(), 0);
			if (n >= 0) {
				got = std::span<const std::byte>(recv_.data(), size_t(n));
				return int(n);
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if (int err = wait(conn, EPOLLIN))
				return err;
		}
	}

	int shutdown_write(int conn) override
	{
		return ::shutdown(conn, SHUT_WR) ? -errno : 0;
	}

	void close(int conn) override
	{
		if (epoll_)
			epoll_ctl(epfd_, EPOLL_CTL_DEL, conn, nullptr);
		::close(conn);
	}

	int udp_bind(const sockaddr_in &addr) override
	{
		int fd = new_socket(SOCK_DGRAM);
		if (fd >= 0 && ::bind(fd, (const sockaddr *)&addr, sizeof(addr))) {
			int err = -errno;
			::close(fd);
			return err;
		}
		return fd;
	}

	int udp_connect(const sockaddr_in &peer) override
	{
		int fd = new_socket(SOCK_DGRAM);
		if (fd >= 0 && ::connect(fd, (const sockaddr *)&peer, sizeof(peer))) {
			int err = -errno;
			::close(fd);
			return err;
		}
		return fd;
	}

	int send_datagram(int sock, size_t offset, size_t len, const sockaddr_in *dest) override
	{
		for (;;) {
			ssize_t n = ::sendto(sock, send_.data() + offset, len, MSG_NOSIGNAL,
					     (const sockaddr *)dest, dest ? sizeof(*dest) : 0);
			if (n >= 0)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if (int err = wait(sock, EPOLLOUT))
				return err;
		}
	}

	int recv_datagram(int sock, std::span<const std::byte> &got, sockaddr_in *from) override
	{
		for (;;) {
			socklen_t len = sizeof(sockaddr_in);
			ssize_t n = ::recvfrom(sock, recv_.data(), recv_.size(), 0,
					       (sockaddr *)from, from ? &len : nullptr);
			if (n >= 0) {
				got = std::span<const std::byte>(recv_.data(), size_t(n));
				return int(n);
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if (int err = wait(sock, EPOLLIN))
				return err;
		}
	}

private:
	int new_socket(int type)
	{
		int fd = ::socket(AF_INET, type | SOCK_CLOEXEC | (epoll_ ? SOCK_NONBLOCK : 0), 0);
		if (fd < 0)
			return -errno;
		if (busy_poll_us_)
			busy_poll(fd);
		return fd;
	}

	// Accepted sockets inherit these from the listener. Asking for more
	// than net.core.busy_read allows needs CAP_NET_ADMIN: a refusal ends
	// the run rather than measuring plain blocking sockets under this name.
	void busy_poll(int fd)
	{
		int us = int(busy_poll_us_), one = 1;
		if (setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us)))
			die("SO_BUSY_POLL: " + errno_text(-errno) +
			    " (more than net.core.busy_read needs CAP_NET_ADMIN)");
		if (setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)))
			die("SO_PREFER_BUSY_POLL: " + errno_text(-errno));
	}

	int tune(int fd)
	{
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return fd;
	}

	// Only the epoll variant gets EAGAIN: it sleeps in epoll_wait until
	// fd is ready for what it wants.
	int wait(int fd, uint32_t events)
	{
		if (!epoll_)
			return -EAGAIN;
		epoll_event ev{};
		// One-shot: a ready fd we are not waiting for stays quiet.
		ev.events = events | EPOLLONESHOT;
		ev.data.fd = fd;
		if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) && errno == ENOENT &&
		    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev))
			return -errno;
		for (;;) {
			epoll_event out;
			int n = epoll_wait(epfd_, &out, 1, -1);
			if (n > 0 && out.data.fd == fd)
				return 0;
			if (n < 0 && errno != EINTR)
				return -errno;
		}
	}

	std::vector<std::byte> send_;
	std::vector<std::byte> recv_;
	bool epoll_;
	uint32_t busy_poll_us_;
	int epfd_ = -1;
	int listener_ = -1;
};

} // namespace

std::unique_ptr<Backend> make_kernel_backend(const Options &o, size_t send_bytes, KernelWait wait)
{
	return std::make_unique<KernelBackend>(send_bytes, wait, o.busy_poll_us);
}

} // namespace toeperf

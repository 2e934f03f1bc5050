// SPDX-License-Identifier: MIT
// io_uring through liburing: connections receive with one multishot recv
// each, over a ring of provided buffers the kernel picks from; sends,
// accepts and connects are ring requests too. The SQPOLL variant has a
// kernel thread take the submissions; it polls the completion ring
// only with --busy-poll instead of entering the kernel to wait.
#include "backend.hpp"

#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace toeperf {

namespace {

constexpr unsigned kRingEntries = 256;
constexpr unsigned kBufferCount = 64; // provided buffers, a power of two
constexpr unsigned kBufferSize = 64 * 1024;
constexpr int kBufferGroup = 0;
// Short: an idle SQPOLL thread spins on a CPU the test host may not spare.
constexpr unsigned kSqpollIdleMs = 10;

// user_data: the operation, the connection's fd and a generation, so late
// completions of a closed connection are told apart.
enum Op : uint8_t { kRecv = 1, kSend, kAccept, kConnect, kCancel, kRecvMsg };
uint64_t tag(Op op, int fd, uint32_t gen)
{
	return uint64_t(op) << 56 | uint64_t(gen & 0xffffff) << 32 | uint32_t(fd);
}
Op tag_op(uint64_t ud) { return Op(ud >> 56); }
int tag_fd(uint64_t ud) { return int(uint32_t(ud)); }
uint32_t tag_gen(uint64_t ud) { return uint32_t(ud >> 32) & 0xffffff; }

struct Received {
	int res;
	unsigned buf; // valid when res > 0
};

struct Conn {
	int fd = -1;
	uint32_t gen = 0;
	bool armed = false; // the multishot recv is in the kernel
	bool eof = false;
	int viewed = -1;
	std::deque<Received> received;
};

class UringBackend final : public Backend {
public:
	UringBackend(const Options &o, size_t send_bytes, bool sqpoll)
		: send_(kControlBytes + send_bytes), sqpoll_(sqpoll), busy_poll_(o.busy_poll)
	{
		io_uring_params params{};
		if (sqpoll_) {
			params.flags |= IORING_SETUP_SQPOLL;
			params.sq_thread_idle = kSqpollIdleMs;
		}
		if (int err = io_uring_queue_init_params(kRingEntries, &ring_, &params))
			die("io_uring_queue_init: " + errno_text(err));
		size_t ring_bytes = kBufferCount * sizeof(io_uring_buf);
		void *br = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (br == MAP_FAILED)
			die("mmap: " + errno_text(-errno));
		bufring_ = static_cast<io_uring_buf_ring *>(br);
		io_uring_buf_ring_init(bufring_);
		io_uring_buf_reg reg{};
		reg.ring_addr = uint64_t(bufring_);
		reg.ring_entries = kBufferCount;
		reg.bgid = kBufferGroup;
		if (int err = io_uring_register_buf_ring(&ring_, &reg, 0))
			die("io_uring_register_buf_ring: " + errno_text(err));
		buffers_.resize(size_t(kBufferCount) * kBufferSize);
		for (unsigned b = 0; b < kBufferCount; b++)
			io_uring_buf_ring_add(bufring_, buffer(b), kBufferSize, uint16_t(b),
					      io_uring_buf_ring_mask(kBufferCount), int(b));
		io_uring_buf_ring_advance(bufring_, kBufferCount);
		conns_.resize(4096);
	}

	~UringBackend() override
	{
		if (listener_ >= 0)
			::close(listener_);
		io_uring_queue_exit(&ring_);
		munmap(bufring_, kBufferCount * sizeof(io_uring_buf));
	}

	std::span<std::byte> send_memory() override { return send_; }

	int listen(const sockaddr_in &addr) override
	{
		int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
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
		io_uring_sqe *sqe = get_sqe();
		io_uring_prep_accept(sqe, listener_, nullptr, nullptr, SOCK_CLOEXEC);
		sqe->user_data = tag(kAccept, listener_, 0);
		int res = run_one(sqe->user_data);
		return res < 0 ? res : open_conn(res);
	}

	int connect(const sockaddr_in &addr) override
	{
		int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		io_uring_sqe *sqe = get_sqe();
		io_uring_prep_connect(sqe, fd, (const sockaddr *)&addr, sizeof(addr));
		sqe->user_data = tag(kConnect, fd, 0);
		int res = run_one(sqe->user_data);
		if (res < 0) {
			::close(fd);
			return res;
		}
		return open_conn(fd);
	}

	int send(int fd, size_t offset, size_t len) override
	{
		while (len) {
			io_uring_sqe *sqe = get_sqe();
			io_uring_prep_send(sqe, fd, send_.data() + offset, len, MSG_NOSIGNAL);
			sqe->user_data = tag(kSend, fd, conns_[fd].gen);
			int res = run_one(sqe->user_data);
			if (res < 0)
				return res;
			offset += size_t(res);
			len -= size_t(res);
		}
		return 0;
	}

	int flush(int) override { return 0; }

	int recv(int fd, std::span<const std::byte> &got) override
	{
		Conn &c = conns_[fd];
		recycle(c);
		for (;;) {
			if (!c.received.empty()) {
				Received r = c.received.front();
				c.received.pop_front();
				if (r.res == -ENOBUFS) {
					arm(c);
					continue;
				}
				if (r.res <= 0) {
					c.eof = true;
					return r.res;
				}
				c.viewed = int(r.buf);
				got = std::span<const std::byte>(buffer(r.buf), size_t(r.res));
				return r.res;
			}
			if (c.eof)
				return 0;
			if (!c.armed)
				arm(c);
			if (int err = step())
				return err;
		}
	}

	int shutdown_write(int fd) override { return ::shutdown(fd, SHUT_WR) ? -errno : 0; }

	// Cancels the multishot recv and waits for its last completion, so no
	// provided buffer stays with a dead connection.
	void close(int fd) override
	{
		Conn &c = conns_[fd];
		recycle(c);
		if (c.armed) {
			io_uring_sqe *sqe = get_sqe();
			io_uring_prep_cancel64(sqe, tag(kRecv, fd, c.gen), 0);
			sqe->user_data = tag(kCancel, fd, c.gen);
			submit();
			while (c.armed)
				if (step())
					break;
		}
		for (Received &r : c.received)
			if (r.res > 0)
				give_back(r.buf);
		c.received.clear();
		c.fd = -1;
		::close(fd);
	}

	int udp_bind(const sockaddr_in &addr) override
	{
		int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (::bind(fd, (const sockaddr *)&addr, sizeof(addr))) {
			int err = -errno;
			::close(fd);
			return err;
		}
		return fd;
	}

	int udp_connect(const sockaddr_in &peer) override
	{
		int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (::connect(fd, (const sockaddr *)&peer, sizeof(peer))) {
			int err = -errno;
			::close(fd);
			return err;
		}
		return open_conn(fd);
	}

	int send_datagram(int fd, size_t offset, size_t len, const sockaddr_in *dest) override
	{
		msghdr msg{};
		iovec iov{send_.data() + offset, len};
		sockaddr_in to{};
		if (dest) {
			to = *dest;
			msg.msg_name = &to;
			msg.msg_namelen = sizeof(to);
		}
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		io_uring_sqe *sqe = get_sqe();
		io_uring_prep_sendmsg(sqe, fd, &msg, MSG_NOSIGNAL);
		sqe->user_data = tag(kSend, fd, 0);
		int res = run_one(sqe->user_data);
		return res < 0 ? res : 0;
	}

	// A connected socket receives like a TCP one (multishot); a bound one
	// needs the sender's address, so it takes one recvmsg at a time.
	int recv_datagram(int fd, std::span<const std::byte> &got, sockaddr_in *from) override
	{
		if (!from)
			return recv(fd, got);
		msghdr msg{};
		iovec iov{buffer(0), kBufferSize};
		msg.msg_name = from;
		msg.msg_namelen = sizeof(*from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		// Buffer 0 is ours alone here: a bound socket's backend never
		// arms a multishot recv, so the kernel never picks buffers.
		io_uring_sqe *sqe = get_sqe();
		io_uring_prep_recvmsg(sqe, fd, &msg, 0);
		sqe->user_data = tag(kRecvMsg, fd, 0);
		int res = run_one(sqe->user_data);
		if (res >= 0)
			got = std::span<const std::byte>(buffer(0), size_t(res));
		return res;
	}

private:
	std::byte *buffer(unsigned b) { return buffers_.data() + size_t(b) * kBufferSize; }

	void give_back(unsigned b)
	{
		io_uring_buf_ring_add(bufring_, buffer(b), kBufferSize, uint16_t(b),
				      io_uring_buf_ring_mask(kBufferCount), 0);
		io_uring_buf_ring_advance(bufring_, 1);
	}

	void recycle(Conn &c)
	{
		if (c.viewed >= 0) {
			give_back(unsigned(c.viewed));
			c.viewed = -1;
		}
	}

	int open_conn(int fd)
	{
		if (size_t(fd) >= conns_.size()) {
			::close(fd);
			return -EMFILE;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		Conn &c = conns_[fd];
		uint32_t gen = c.gen + 1;
		c = Conn{};
		c.fd = fd;
		c.gen = gen;
		arm(c);
		return fd;
	}

	void arm(Conn &c)
	{
		io_uring_sqe *sqe = get_sqe();
		io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = kBufferGroup;
		sqe->user_data = tag(kRecv, c.fd, c.gen);
		c.armed = true;
		submit();
	}

	io_uring_sqe *get_sqe()
	{
		io_uring_sqe *sqe;
		while (!(sqe = io_uring_get_sqe(&ring_)))
			submit();
		return sqe;
	}

	void submit()
	{
		int r;
		do
			r = io_uring_submit(&ring_);
		while (r == -EINTR || r == -EBUSY);
	}

	// Submits and waits for the completion carrying ud.
	int run_one(uint64_t ud)
	{
		submit();
		for (;;) {
			for (auto it = done_.begin(); it != done_.end(); ++it)
				if (it->first == ud) {
					int res = it->second;
					done_.erase(it);
					return res;
				}
			if (int err = step())
				return err;
		}
	}

	// Takes the completions that are ready, waiting for one if none is.
	int step()
	{
		io_uring_cqe *cqe;
		int err;
		if (busy_poll_) {
			while ((err = io_uring_peek_cqe(&ring_, &cqe)) == -EAGAIN)
				;
		} else {
			do
				err = io_uring_wait_cqe(&ring_, &cqe);
			while (err == -EINTR);
		}
		if (err)
			return err;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&ring_, head, cqe) {
			file(*cqe);
			seen++;
		}
		io_uring_cq_advance(&ring_, seen);
		return 0;
	}

	void file(const io_uring_cqe &cqe)
	{
		uint64_t ud = cqe.user_data;
		switch (tag_op(ud)) {
		case kRecv: {
			int fd = tag_fd(ud);
			bool has_buf = cqe.flags & IORING_CQE_F_BUFFER;
			unsigned buf = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
			Conn *c = size_t(fd) < conns_.size() ? &conns_[fd] : nullptr;
			if (!c || c->fd != fd || c->gen != tag_gen(ud)) {
				if (has_buf)
					give_back(buf);
				return;
			}
			if (!(cqe.flags & IORING_CQE_F_MORE))
				c->armed = false;
			if (cqe.res == -ECANCELED)
				return;
			c->received.push_back({cqe.res, buf});
			return;
		}
		case kCancel:
			return;
		default:
			done_.emplace_back(ud, cqe.res);
		}
	}

	std::vector<std::byte> send_;
	bool sqpoll_;
	bool busy_poll_;
	io_uring ring_{};
	io_uring_buf_ring *bufring_ = nullptr;
	std::vector<std::byte> buffers_;
	std::vector<Conn> conns_;
	std::vector<std::pair<uint64_t, int>> done_;
	int listener_ = -1;
};

} // namespace

std::unique_ptr<Backend> make_uring_backend(const Options &o, size_t send_bytes, bool sqpoll)
{
	return std::make_unique<UringBackend>(o, send_bytes, sqpoll);
}

} // namespace toeperf

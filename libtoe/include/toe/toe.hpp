// SPDX-License-Identifier: MIT
// libtoe's C++ wrappers: RAII ownership over the C API.
//
// Errors: every failure throws std::system_error carrying the errno value
// (generic_category). "Nothing yet" is not an error: poll() and wait()
// return an empty std::optional.
//
// Requests: the calls that only start something (accept, post, send, close)
// publish their request at once, or at the end of the innermost
// Device::Batch when one is alive. The calls whose result the caller needs
// before going on (Socket::open, bind, listen, connect, set_option) wait for
// their completion; completions for anything else that arrive meanwhile
// are kept, in order, for poll() and wait().
//
// Lifetimes: a Device must outlive its MemoryRegions and Sockets, and a
// MemoryRegion must outlive the buffers and sends that point into it.
#pragma once

#include <toe/toe.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
#include <sys/mman.h>
#include <system_error>
#include <utility>

namespace toe {

// Throws std::system_error for a negative errno return.
inline int check(int ret, const char *what)
{
	if (ret < 0)
		throw std::system_error(-ret, std::generic_category(), what);
	return ret;
}

inline std::string_view library_version() { return toe_library_version(); }

// user_data values with this bit set belong to the wrappers' waiting calls.
inline constexpr uint64_t internal_user_data = uint64_t(1) << 63;

// An IPv4 address and port, host byte order in, network byte order out.
inline sockaddr_in ipv4(uint32_t host_order_addr, uint16_t port)
{
	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(host_order_addr);
	sin.sin_port = htons(port);
	return sin;
}

// An application context: owns the open /dev/toe and its mappings.
class Device {
public:
	explicit Device(const char *path = nullptr) : Device(toe_params{}, path) {}

	explicit Device(const toe_params &params, const char *path = nullptr) : params_(params)
	{
		check(toe_open_params(path, &params_, &handle_), "toe_open");
	}

	~Device() { toe_close(handle_); }

	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;
	Device(Device &&other) noexcept
		: handle_(std::exchange(other.handle_, nullptr)), params_(other.params_),
		  backlog_(std::move(other.backlog_)), batch_depth_(other.batch_depth_),
		  next_tag_(other.next_tag_)
	{
	}
	Device &operator=(Device &&other) noexcept
	{
		std::swap(handle_, other.handle_);
		std::swap(params_, other.params_);
		std::swap(backlog_, other.backlog_);
		std::swap(batch_depth_, other.batch_depth_);
		std::swap(next_tag_, other.next_tag_);
		return *this;
	}

	toe_version_info version() const
	{
		toe_version_info info{};
		check(toe_version(handle_, &info), "toe_version");
		return info;
	}

	int fd() const { return toe_fd(handle_); }
	toe_handle *get() const { return handle_; }
	// The sizes the module granted.
	const toe_params &params() const { return params_; }

	// ---- submission ----

	// Reserves a request entry. When the queue is full it publishes what
	// is reserved and keeps reading completions (into the backlog) until
	// the engine makes room, so a full queue never deadlocks.
	toe_sqe &sqe()
	{
		for (unsigned spins = 0;; spins++) {
			if (toe_sqe *s = toe_get_sqe(handle_))
				return *s;
			check(toe_submit(handle_), "toe_submit");
			drain_ready();
			if (spins > 1024)
				wait_ring(std::chrono::milliseconds(1));
		}
	}

	// Publishes every reserved entry; returns how many.
	int submit()
	{
		deferred_ = false;
		return check(toe_submit(handle_), "toe_submit");
	}

	// While a Batch is alive, requests made through the wrappers are only
	// reserved; the outermost Batch publishes them all when it ends.
	class Batch {
	public:
		explicit Batch(Device &dev) : dev_(dev) { dev_.batch_depth_++; }
		~Batch()
		{
			if (--dev_.batch_depth_ == 0)
				dev_.publish_or_defer();
		}
		Batch(const Batch &) = delete;
		Batch &operator=(const Batch &) = delete;

	private:
		Device &dev_;
	};

	// Publishes unless a Batch is collecting requests.
	void request_done()
	{
		if (!batch_depth_)
			publish_or_defer();
	}

	// With submit-on-wait, the wrappers' requests are published by the
	// next wait(), whose TOE_IOC_ENTER carries the kick when the engine
	// sleeps (toe_submit_and_wait): a request and the wait for its answer
	// cost one system call. poll() publishes them too, so a busy-polling
	// loop strands nothing; until one of the two runs, they wait.
	void set_submit_on_wait(bool on)
	{
		submit_on_wait_ = on;
		if (!on)
			flush_deferred();
	}

	// ---- completions ----

	// The next completion without waiting: the backlog first, then the ring.
	std::optional<toe_cqe> poll()
	{
		flush_deferred();
		if (!backlog_.empty()) {
			toe_cqe c = backlog_.front();
			backlog_.pop_front();
			return c;
		}
		toe_cqe *cqe;
		if (toe_peek_cqe(handle_, &cqe))
			return std::nullopt;
		toe_cqe c = *cqe;
		toe_cqe_seen(handle_, cqe);
		return c;
	}

	// The next completion, waiting up to timeout (negative: for ever).
	// Empty on time-out or when a signal interrupts the sleep.
	std::optional<toe_cqe> wait(std::chrono::nanoseconds timeout = std::chrono::nanoseconds(-1))
	{
		if (!backlog_.empty()) {
			toe_cqe c = backlog_.front();
			backlog_.pop_front();
			return c;
		}
		toe_cqe *cqe;
		int ret = wait_cqe(&cqe, timeout.count());
		if (ret == -ETIME || ret == -EINTR)
			return std::nullopt;
		check(ret, "toe_wait_cqe");
		toe_cqe c = *cqe;
		toe_cqe_seen(handle_, cqe);
		return c;
	}

	// Before sleeping on fd() in poll(2) or epoll_wait(2): the number of
	// completions already waiting (then do not sleep).
	unsigned arm()
	{
		return unsigned(check(toe_cq_arm(handle_), "toe_cq_arm")) + unsigned(backlog_.size());
	}

	// Waits for the completion `match` accepts and returns it; every other
	// completion stays queued for poll() and wait(). Throws ETIMEDOUT after
	// sync_timeout().
	template <typename Match> toe_cqe wait_for(Match match, const char *what)
	{
		for (auto it = backlog_.begin(); it != backlog_.end(); ++it) {
			if (match(*it)) {
				toe_cqe c = *it;
				backlog_.erase(it);
				return c;
			}
		}
		auto deadline = std::chrono::steady_clock::now() + sync_timeout_;
		for (;;) {
			auto left = deadline - std::chrono::steady_clock::now();
			if (left <= std::chrono::nanoseconds(0))
				throw std::system_error(ETIMEDOUT, std::generic_category(), what);
			toe_cqe *cqe;
			int ret = wait_cqe(&cqe, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
			if (ret == -ETIME || ret == -EINTR)
				continue;
			check(ret, what);
			toe_cqe c = *cqe;
			toe_cqe_seen(handle_, cqe);
			if (match(c))
				return c;
			backlog_.push_back(c);
		}
	}

	// How long the waiting calls wait for their completion.
	void set_sync_timeout(std::chrono::nanoseconds t) { sync_timeout_ = t; }
	std::chrono::nanoseconds sync_timeout() const { return sync_timeout_; }

	// A fresh user_data for the wrappers' waiting calls.
	uint64_t next_tag() { return internal_user_data | next_tag_++; }

private:
	void publish_or_defer()
	{
		if (submit_on_wait_)
			deferred_ = true;
		else
			toe_submit(handle_); // a failed kick is seen by the next call
	}

	void flush_deferred()
	{
		if (deferred_) {
			deferred_ = false;
			toe_submit(handle_);
		}
	}

	// toe_wait_cqe(), or toe_submit_and_wait() for deferred requests.
	int wait_cqe(toe_cqe **cqe, int64_t timeout_ns)
	{
		if (!deferred_)
			return toe_wait_cqe(handle_, cqe, timeout_ns);
		deferred_ = false;
		return toe_submit_and_wait(handle_, cqe, timeout_ns);
	}

	void drain_ready()
	{
		toe_cqe *cqe;
		while (toe_peek_cqe(handle_, &cqe) == 0) {
			backlog_.push_back(*cqe);
			toe_cqe_seen(handle_, cqe);
		}
	}

	// Sleeps until the ring has a completion (or timeout passes) and
	// appends it to the backlog. Never through wait(): that would hand
	// back the backlog's oldest entry, and appending it again would put
	// the application's completions out of order.
	void wait_ring(std::chrono::nanoseconds timeout)
	{
		toe_cqe *cqe;
		int ret = wait_cqe(&cqe, timeout.count());
		if (ret == -ETIME || ret == -EINTR)
			return;
		check(ret, "toe_wait_cqe");
		backlog_.push_back(*cqe);
		toe_cqe_seen(handle_, cqe);
	}

	toe_handle *handle_ = nullptr;
	toe_params params_{};
	std::deque<toe_cqe> backlog_;
	unsigned batch_depth_ = 0;
	bool submit_on_wait_ = false;
	bool deferred_ = false; // requests reserved, left for the next wait
	uint64_t next_tag_ = 1;
	std::chrono::nanoseconds sync_timeout_ = std::chrono::seconds(60);
};

// A registered memory region. Either it wraps memory the caller owns, or
// (allocate) it owns page-aligned anonymous memory of its own.
class MemoryRegion {
public:
	MemoryRegion() = default;

	MemoryRegion(Device &dev, std::span<std::byte> mem) : dev_(&dev)
	{
		check(toe_reg_mr(dev.get(), mem.data(), mem.size(), &mr_), "toe_reg_mr");
	}

	static MemoryRegion allocate(Device &dev, size_t bytes)
	{
		void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			throw std::system_error(errno, std::generic_category(), "mmap");
		try {
			MemoryRegion r(dev, {static_cast<std::byte *>(p), bytes});
			r.owned_ = true;
			return r;
		} catch (...) {
			::munmap(p, bytes);
			throw;
		}
	}

	~MemoryRegion() { reset(); }

	MemoryRegion(const MemoryRegion &) = delete;
	MemoryRegion &operator=(const MemoryRegion &) = delete;
	MemoryRegion(MemoryRegion &&o) noexcept
		: dev_(std::exchange(o.dev_, nullptr)), mr_(std::exchange(o.mr_, toe_mr{})),
		  owned_(std::exchange(o.owned_, false))
	{
	}
	MemoryRegion &operator=(MemoryRegion &&o) noexcept
	{
		std::swap(dev_, o.dev_);
		std::swap(mr_, o.mr_);
		std::swap(owned_, o.owned_);
		return *this;
	}

	// Deregisters; throws (EBUSY while buffers still point here).
	void deregister()
	{
		if (dev_ && mr_.addr)
			check(toe_dereg_mr(dev_->get(), &mr_), "toe_dereg_mr");
	}

	uint32_t handle() const { return mr_.handle; }
	std::span<std::byte> bytes() const
	{
		return {static_cast<std::byte *>(mr_.addr), size_t(mr_.len)};
	}
	const toe_mr &mr() const { return mr_; }

	// Where part starts inside the region; throws EINVAL if it lies outside.
	uint64_t offset_of(std::span<const std::byte> part) const
	{
		auto base = reinterpret_cast<uintptr_t>(mr_.addr);
		auto p = reinterpret_cast<uintptr_t>(part.data());
		if (p < base || p - base > mr_.len || part.size() > mr_.len - (p - base))
			throw std::system_error(EINVAL, std::generic_category(),
						"buffer outside its memory region");
		return p - base;
	}

private:
	void reset() noexcept
	{
		void *addr = mr_.addr;
		size_t len = size_t(mr_.len);
		if (dev_ && addr)
			toe_dereg_mr(dev_->get(), &mr_);
		if (owned_ && addr)
			::munmap(addr, len);
		dev_ = nullptr;
		mr_ = {};
		owned_ = false;
	}

	Device *dev_ = nullptr;
	toe_mr mr_{};
	bool owned_ = false;
};

// A socket on the engine. The object closes it gracefully when destroyed
// unless close(), abort() or release() came first.
class Socket {
public:
	Socket() = default;

	// Creates a socket and waits for its handle. ref becomes the socket's
	// reference number (cqe.sock_ref); 0 picks an internal one.
	static Socket open(Device &dev, int proto, uint64_t ref = 0)
	{
		uint64_t ud = ref ? ref : dev.next_tag();
		check(toe_prep_checked_socket(proto), "toe_socket");
		toe_prep_socket(&dev.sqe(), proto, ud);
		dev.submit();
		toe_cqe c = dev.wait_for(
			[ud](const toe_cqe &q) { return q.type == TOE_CQE_REQ && q.user_data == ud; },
			"toe_socket");
		check(c.res, "toe_socket");
		return Socket(dev, uint32_t(c.res), proto);
	}

	// Takes ownership of a handle, e.g. cqe.new_handle of an accept.
	static Socket adopt(Device &dev, uint32_t handle, int proto = TOE_PROTO_TCP)
	{
		return Socket(dev, handle, proto);
	}

	~Socket()
	{
		if (dev_)
			toe_sock_close(dev_->get(), handle_, 0);
	}

	Socket(const Socket &) = delete;
	Socket &operator=(const Socket &) = delete;
	Socket(Socket &&o) noexcept
		: dev_(std::exchange(o.dev_, nullptr)), handle_(o.handle_), proto_(o.proto_)
	{
	}
	Socket &operator=(Socket &&o) noexcept
	{
		std::swap(dev_, o.dev_);
		std::swap(handle_, o.handle_);
		std::swap(proto_, o.proto_);
		return *this;
	}

	uint32_t handle() const { return handle_; }
	explicit operator bool() const { return dev_ != nullptr; }

	// ---- calls that wait for their result ----

	void bind(const sockaddr_in &addr)
	{
		call([&](toe_sqe &s, uint64_t ud) { toe_prep_bind(&s, handle_, &addr, ud); },
		     "toe_bind");
	}

	void listen(unsigned backlog)
	{
		uint16_t bl = backlog > UINT16_MAX ? UINT16_MAX : uint16_t(backlog ? backlog : 1);
		call([&](toe_sqe &s, uint64_t ud) { toe_prep_listen(&s, handle_, bl, ud); },
		     "toe_listen");
	}

	void set_option(int opt, uint64_t value)
	{
		call([&](toe_sqe &s, uint64_t ud) { toe_prep_setsockopt(&s, handle_, opt, value, ud); },
		     "toe_setsockopt");
	}

	// TCP: returns once established; throws ECONNREFUSED, ETIMEDOUT, ...
	// UDP: fixes the peer.
	void connect(const sockaddr_in &addr)
	{
		Device &dev = device();
		uint64_t ud = dev.next_tag();
		toe_prep_connect(&dev.sqe(), handle_, &addr, ud);
		dev.submit();
		uint32_t h = handle_;
		for (;;) {
			toe_cqe c = dev.wait_for(
				[ud, h](const toe_cqe &q) {
					return (q.type == TOE_CQE_CONNECTED && q.handle == h) ||
					       (q.type == TOE_CQE_REQ && q.user_data == ud);
				},
				"toe_connect");
			check(c.res, "toe_connect");
			// TCP is connected by the handshake, not by the request's
			// acknowledgement.
			if (c.type == TOE_CQE_CONNECTED || proto_ == TOE_PROTO_UDP)
				return;
		}
	}

	int proto() const { return proto_; }

	// ---- calls that start something; completions come through Device ----

	void accept(uint64_t user_data)
	{
		toe_prep_accept(&device().sqe(), handle_, user_data);
		device().request_done();
	}

	void post(const MemoryRegion &mr, std::span<std::byte> buf, uint64_t user_data,
		  uint32_t threshold = 0, uint32_t timeout_ms = 0)
	{
		uint64_t off = mr.offset_of(buf);
		if (buf.empty() || threshold > buf.size())
			throw std::system_error(EINVAL, std::generic_category(), "toe_post_buf");
		toe_prep_post_buf(&device().sqe(), handle_, mr.handle(), off, uint32_t(buf.size()),
				  threshold, timeout_ms, user_data);
		device().request_done();
	}

	void send(const MemoryRegion &mr, std::span<const std::byte> data, uint64_t user_data,
		  unsigned flags = 0)
	{
		uint64_t off = mr.offset_of(data);
		toe_prep_send(&device().sqe(), handle_, mr.handle(), off, uint32_t(data.size()), flags,
			      user_data);
		device().request_done();
	}

	void send_to(const MemoryRegion &mr, std::span<const std::byte> data,
		     const sockaddr_in &dest, uint64_t user_data, unsigned flags = 0)
	{
		uint64_t off = mr.offset_of(data);
		toe_prep_sendto(&device().sqe(), handle_, mr.handle(), off, uint32_t(data.size()),
				flags, &dest, user_data);
		device().request_done();
	}

	void shutdown(int how, uint64_t user_data = 0)
	{
		toe_prep_shutdown(&device().sqe(), handle_, how, user_data);
		device().request_done();
	}

	// Graceful close: buffers come back, pending sends go out, then FIN;
	// TOE_CQE_CLOSED is the socket's last completion. The object lets go.
	void close(uint64_t user_data = 0)
	{
		toe_prep_sock_close(&device().sqe(), handle_, user_data);
		dev_->request_done();
		dev_ = nullptr;
	}

	// Reset: RST to the peer, then TOE_CQE_CLOSED. The object lets go.
	void abort(uint64_t user_data = 0)
	{
		toe_prep_sock_abort(&device().sqe(), handle_, user_data);
		dev_->request_done();
		dev_ = nullptr;
	}

	// Gives the handle up without closing it.
	uint32_t release()
	{
		dev_ = nullptr;
		return handle_;
	}

private:
	Socket(Device &dev, uint32_t handle, int proto) : dev_(&dev), handle_(handle), proto_(proto) {}

	static int toe_prep_checked_socket(int proto)
	{
		return proto == TOE_PROTO_TCP || proto == TOE_PROTO_UDP ? 0 : -EPROTONOSUPPORT;
	}

	Device &device() const
	{
		if (!dev_)
			throw std::system_error(EBADF, std::generic_category(), "toe socket");
		return *dev_;
	}

	template <typename Prep> void call(Prep prep, const char *what)
	{
		Device &dev = device();
		uint64_t ud = dev.next_tag();
		prep(dev.sqe(), ud);
		dev.submit();
		toe_cqe c = dev.wait_for(
			[ud](const toe_cqe &q) { return q.type == TOE_CQE_REQ && q.user_data == ud; },
			what);
		check(c.res, what);
	}

	Device *dev_ = nullptr;
	uint32_t handle_ = 0;
	int proto_ = TOE_PROTO_TCP;
};

} // namespace toe

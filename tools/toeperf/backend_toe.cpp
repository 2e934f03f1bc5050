// SPDX-License-Identifier: MIT
// libtoe: requests through the context's queue, completions back, received
// payload placed by the engine straight into named buffers in our own
// registered memory. A receive hands the workload a view of the named
// buffer itself; the buffer is posted again on the next receive.
#include "backend.hpp"

#include <toe/toe.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <deque>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unordered_map>
#include <vector>

namespace toeperf {

namespace {

constexpr uint32_t kSlots = 2; // connections alive at once (one closing)
// Named buffers per connection: 2 MiB posted, about what Linux grows a
// socket's receive buffer to on this path, so a stream lands in them
// rather than waiting in the engine's buflets.
constexpr uint32_t kBuffers = 32;
constexpr uint32_t kBufferSize = 64 * 1024;
constexpr uint32_t kSendsInFlight = 16;
constexpr int64_t kCloseWaitNs = 2'000'000'000;

// user_data: what a completion is about, the connection slot, the buffer.
enum Kind : uint8_t { kSocketReq = 1, kRecv, kSend, kOther };
uint64_t tag(Kind k, uint32_t slot, uint32_t buf)
{
	return uint64_t(k) << 56 | uint64_t(slot) << 32 | buf;
}
Kind tag_kind(uint64_t ud) { return Kind(ud >> 56); }
uint32_t tag_slot(uint64_t ud) { return uint32_t(ud >> 32) & 0xffffff; }
uint32_t tag_buf(uint64_t ud) { return uint32_t(ud); }

struct Filled {
	uint32_t buf;
	uint32_t bytes;
	uint16_t reason;
	int32_t res;
	sockaddr_in from;
};

struct Conn {
	bool used = false;
	uint32_t handle = 0;
	bool connected = false;
	int connect_res = 1; // 1: pending
	bool eof = false;
	int error = 0;
	uint32_t posted = 0; // named buffers the engine holds
	uint32_t sends = 0; // sends not yet completed
	int viewed = -1; // the buffer the workload looks at
	bool udp = false;
	sockaddr_in peer{};
	std::deque<Filled> filled;
};

class ToeBackend final : public Backend {
public:
	ToeBackend(const Options &o, size_t send_bytes)
		: busy_poll_(o.busy_poll), client_buffers_(client_buffers(o))
	{
		toe_params params{};
		params.sq_entries = 1024;
		if (int err = toe_open_params(nullptr, &params, &h_))
			die("cannot open /dev/toe: " + errno_text(err));
		send_bytes_ = round_up(kControlBytes + send_bytes);
		mem_bytes_ = send_bytes_ + size_t(kSlots) * kBuffers * kBufferSize;
		mem_ = mmap(nullptr, mem_bytes_, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (mem_ == MAP_FAILED)
			die("mmap: " + errno_text(-errno));
		if (int err = toe_reg_mr(h_, mem_, mem_bytes_, &mr_))
			die("cannot register memory: " + errno_text(err));
	}

	~ToeBackend() override
	{
		toe_close(h_); // releases every socket and region
		munmap(mem_, mem_bytes_);
	}

	std::span<std::byte> send_memory() override
	{
		return {static_cast<std::byte *>(mem_), send_bytes_};
	}

	int listen(const sockaddr_in &addr) override
	{
		int handle = new_socket(TOE_PROTO_TCP);
		if (handle < 0)
			return handle;
		listener_ = uint32_t(handle);
		int err = toe_bind(h_, listener_, &addr, tag(kOther, 0, 0));
		if (!err)
			err = toe_listen(h_, listener_, 128, tag(kOther, 0, 0));
		if (!err)
			err = toe_accept(h_, listener_, tag(kOther, 0, 0));
		if (!err)
			err = drain_requests();
		return err;
	}

	int accept() override
	{
		while (accepted_.empty())
			if (int err = step())
				return err;
		toe_cqe c = accepted_.front();
		accepted_.pop_front();
		if (int err = toe_accept(h_, listener_, tag(kOther, 0, 0)))
			return err;
		if (c.res < 0)
			return c.res;
		int slot = new_conn(c.new_handle);
		if (slot < 0) {
			toe_sock_abort(h_, c.new_handle, 0);
			return slot;
		}
		conns_[slot].connected = true;
		toe_setsockopt(h_, c.new_handle, TOE_SO_NODELAY, 1, tag(kOther, 0, 0));
		post_all(uint32_t(slot));
		return slot;
	}

	int connect(const sockaddr_in &addr) override
	{
		int handle = new_socket(TOE_PROTO_TCP);
		if (handle < 0)
			return handle;
		int slot = new_conn(uint32_t(handle));
		if (slot < 0) {
			toe_sock_abort(h_, uint32_t(handle), 0);
			return slot;
		}
		Conn &c = conns_[slot];
		toe_setsockopt(h_, c.handle, TOE_SO_NODELAY, 1, tag(kOther, 0, 0));
		if (int err = toe_connect(h_, c.handle, &addr, tag(kOther, 0, 0)))
			return fail_conn(slot, err);
		while (c.connect_res == 1)
			if (int err = step())
				return fail_conn(slot, err);
		if (c.connect_res < 0)
			return fail_conn(slot, c.connect_res);
		c.connected = true;
		post_all(uint32_t(slot), client_buffers_);
		return slot;
	}

	int send(int slot, size_t offset, size_t len) override
	{
		Conn &c = conns_[slot];
		while (c.sends >= kSendsInFlight && !c.error)
			if (int err = step())
				return err;
		if (c.error)
			return c.error;
		toe_sqe *sqe = nullptr;
		if (int err = reserve(sqe))
			return err;
		if (c.udp)
			toe_prep_sendto(sqe, c.handle, mr_.handle, offset, uint32_t(len), 0, &c.peer,
					tag(kSend, slot, 0));
		else
			toe_prep_send(sqe, c.handle, mr_.handle, offset, uint32_t(len), 0,
				      tag(kSend, slot, 0));
		publish();
		c.sends++;
		return 0;
	}

	// An entry to fill; a full queue is published and a completion taken
	// until there is room.
	int reserve(toe_sqe *&sqe)
	{
		while (!(sqe = toe_get_sqe(h_))) {
			submit_now();
			if (int err = step())
				return err;
		}
		return 0;
	}

	// A polling loop publishes at once. A sleeping one leaves its requests
	// for the next wait, whose system call carries the kick
	// (toe_submit_and_wait): one call per request and answer.
	void publish()
	{
		if (busy_poll_)
			submit_now();
		else
			deferred_ = true;
	}

	void submit_now()
	{
		deferred_ = false;
		toe_submit(h_);
	}

	int flush(int slot) override
	{
		Conn &c = conns_[slot];
		while (c.sends && !c.error)
			if (int err = step())
				return err;
		return c.error;
	}

	int recv(int slot, std::span<const std::byte> &got) override
	{
		sockaddr_in from;
		return receive(slot, got, from);
	}

	int shutdown_write(int slot) override
	{
		return toe_shutdown(h_, conns_[slot].handle, SHUT_WR, tag(kOther, 0, 0));
	}

	// Graceful close. Shutting the read side first has the engine give
	// every named buffer back at once (a closing socket keeps them until
	// it is gone, which in TIME_WAIT is long); the slot is free again when
	// they are all back.
	void close(int slot) override
	{
		Conn &c = conns_[slot];
		c.viewed = -1;
		if (!c.udp)
			toe_shutdown(h_, c.handle, SHUT_RD, tag(kOther, 0, 0));
		toe_sock_close(h_, c.handle, tag(kOther, 0, 0));
		auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kCloseWaitNs);
		while (c.posted && std::chrono::steady_clock::now() < deadline)
			if (step(deadline))
				break;
		handles_.erase(c.handle);
		c = Conn{};
	}

	int udp_bind(const sockaddr_in &addr) override
	{
		int handle = new_socket(TOE_PROTO_UDP);
		if (handle < 0)
			return handle;
		int slot = new_conn(uint32_t(handle));
		if (slot < 0)
			return slot;
		conns_[slot].udp = true;
		if (int err = toe_bind(h_, uint32_t(handle), &addr, tag(kOther, 0, 0)))
			return err;
		if (int err = drain_requests())
			return err;
		post_all(uint32_t(slot));
		return slot;
	}

	int udp_connect(const sockaddr_in &peer) override
	{
		sockaddr_in any{};
		any.sin_family = AF_INET;
		int slot = udp_bind(any);
		if (slot >= 0)
			conns_[slot].peer = peer;
		return slot;
	}

	int send_datagram(int slot, size_t offset, size_t len, const sockaddr_in *dest) override
	{
		if (dest)
			conns_[slot].peer = *dest;
		if (int err = send(slot, offset, len))
			return err;
		// The send memory is the workload's again at once, as with
		// sendto(2): UDP sends complete when the frame is on the wire.
		return flush(slot);
	}

	int recv_datagram(int slot, std::span<const std::byte> &got, sockaddr_in *from) override
	{
		sockaddr_in sender{};
		int n = receive(slot, got, sender);
		if (from)
			*from = sender;
		return n;
	}

private:
	static size_t round_up(size_t n) { return (n + 4095) & ~size_t(4095); }

	std::byte *buffer(uint32_t slot, uint32_t buf)
	{
		return static_cast<std::byte *>(mem_) + send_bytes_ +
		       (size_t(slot) * kBuffers + buf) * kBufferSize;
	}

	void post(uint32_t slot, uint32_t buf)
	{
		Conn &c = conns_[slot];
		uint64_t offset = uint64_t(buffer(slot, buf) - static_cast<std::byte *>(mem_));
		toe_sqe *sqe = nullptr;
		if (int err = reserve(sqe)) {
			c.error = err;
			return;
		}
		toe_prep_post_buf(sqe, c.handle, mr_.handle, offset, kBufferSize, 0, 0,
				  tag(kRecv, slot, buf));
		publish();
		c.posted++;
	}

	// A client of request/response measures posts what one answer needs
	// (and one to spare), as an RPC client would: every buffer posted is
	// one more request, and one more completion when the connection
	// closes. Streams, and servers, which do not know the measure, post
	// them all.
	static uint32_t client_buffers(const Options &o)
	{
		if (o.mode == Mode::stream)
			return kBuffers;
		return std::min(kBuffers, (o.size + kBufferSize - 1) / kBufferSize + 1);
	}

	void post_all(uint32_t slot, uint32_t count = kBuffers)
	{
		for (uint32_t b = 0; b < count; b++) {
			toe_sqe *sqe = toe_get_sqe(h_);
			if (!sqe) {
				submit_now();
				post(slot, b);
				continue;
			}
			toe_prep_post_buf(sqe, conns_[slot].handle, mr_.handle,
					  uint64_t(buffer(slot, b) - static_cast<std::byte *>(mem_)),
					  kBufferSize, 0, 0, tag(kRecv, slot, b));
			conns_[slot].posted++;
		}
		publish();
	}

	int receive(int slot, std::span<const std::byte> &got, sockaddr_in &from)
	{
		Conn &c = conns_[slot];
		if (c.viewed >= 0) {
			post(uint32_t(slot), uint32_t(c.viewed));
			c.viewed = -1;
		}
		for (;;) {
			while (!c.filled.empty()) {
				Filled f = c.filled.front();
				c.filled.pop_front();
				if (f.res < 0 && f.res != -ECONNRESET)
					return f.res;
				if (f.reason == TOE_REASON_FIN || f.reason == TOE_REASON_CLOSED)
					c.eof = true;
				if (f.reason == TOE_REASON_RST)
					c.error = -ECONNRESET;
				if (f.bytes) {
					c.viewed = int(f.buf);
					got = std::span<const std::byte>(buffer(uint32_t(slot), f.buf), f.bytes);
					from = f.from;
					return int(f.bytes);
				}
				if (f.reason == TOE_REASON_TIMEOUT && !c.eof)
					post(uint32_t(slot), f.buf);
			}
			if (c.error)
				return c.error;
			if (c.eof)
				return 0;
			if (int err = step())
				return err;
		}
	}

	int new_socket(int proto)
	{
		uint64_t ud = tag(kSocketReq, 0, ++requests_);
		if (int err = toe_socket(h_, proto, ud))
			return err;
		while (!socket_results_.count(ud))
			if (int err = step())
				return err;
		int res = socket_results_[ud];
		socket_results_.erase(ud);
		return res;
	}

	int new_conn(uint32_t handle)
	{
		for (uint32_t s = 0; s < kSlots; s++) {
			if (conns_[s].used)
				continue;
			conns_[s] = Conn{};
			conns_[s].used = true;
			conns_[s].handle = handle;
			handles_[handle] = s;
			return int(s);
		}
		return -EMFILE;
	}

	int fail_conn(int slot, int err)
	{
		toe_sock_abort(h_, conns_[slot].handle, 0);
		handles_.erase(conns_[slot].handle);
		conns_[slot] = Conn{};
		return err;
	}

	// Waits until the engine has answered every request so far.
	int drain_requests()
	{
		uint64_t ud = tag(kSocketReq, 0, ++requests_);
		toe_sqe *sqe = toe_get_sqe(h_);
		if (!sqe)
			return -EAGAIN;
		toe_prep_nop(sqe, ud);
		publish();
		while (!socket_results_.count(ud))
			if (int err = step())
				return err;
		socket_results_.erase(ud);
		int err = request_error_;
		request_error_ = 0;
		return err;
	}

	// Takes one completion and files it where the workload will look.
	int step(std::chrono::steady_clock::time_point deadline = {})
	{
		toe_cqe *cqe = nullptr;
		int err;
		if (busy_poll_) {
			while ((err = toe_peek_cqe(h_, &cqe)) == -EAGAIN)
				if (deadline != std::chrono::steady_clock::time_point{} &&
				    std::chrono::steady_clock::now() >= deadline)
					return -ETIME;
		} else {
			int64_t ns = -1;
			if (deadline != std::chrono::steady_clock::time_point{})
				ns = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(
								  deadline - std::chrono::steady_clock::now())
								  .count());
			if (deferred_) {
				deferred_ = false;
				err = toe_submit_and_wait(h_, &cqe, ns);
			} else {
				err = toe_wait_cqe(h_, &cqe, ns);
			}
			while (err == -EINTR)
				err = toe_wait_cqe(h_, &cqe, ns);
		}
		if (err)
			return err;
		toe_cqe c = *cqe;
		toe_cqe_seen(h_, cqe);
		file(c);
		return 0;
	}

	Conn *by_handle(uint32_t handle)
	{
		auto it = handles_.find(handle);
		return it == handles_.end() ? nullptr : &conns_[it->second];
	}

	void file(const toe_cqe &c)
	{
		switch (c.type) {
		case TOE_CQE_REQ:
			if (tag_kind(c.user_data) == kSocketReq)
				socket_results_[c.user_data] = c.res;
			else if (tag_kind(c.user_data) == kSend && c.res < 0)
				send_done(c);
			else if (c.res < 0 && !request_error_)
				request_error_ = c.res;
			return;
		case TOE_CQE_CONNECTED:
			if (Conn *conn = by_handle(c.handle))
				conn->connect_res = c.res;
			return;
		case TOE_CQE_ACCEPT:
			accepted_.push_back(c);
			return;
		case TOE_CQE_RECV: {
			uint32_t slot = tag_slot(c.user_data);
			if (tag_kind(c.user_data) != kRecv || slot >= kSlots || !conns_[slot].used)
				return;
			Conn &conn = conns_[slot];
			conn.posted--;
			sockaddr_in from{};
			from.sin_family = AF_INET;
			from.sin_addr.s_addr = c.addr;
			from.sin_port = c.port;
			conn.filled.push_back({tag_buf(c.user_data), c.bytes, c.reason, c.res, from});
			return;
		}
		case TOE_CQE_SEND:
			send_done(c);
			return;
		case TOE_CQE_PEER_CLOSED:
		case TOE_CQE_CLOSED:
			// The named buffers carry FIN and CLOSED in order with
			// the data; these only matter for a reset.
			if (Conn *conn = by_handle(c.handle); conn && c.res < 0 && !conn->error)
				conn->error = c.res;
			return;
		default:
			return;
		}
	}

	void send_done(const toe_cqe &c)
	{
		uint32_t slot = tag_slot(c.user_data);
		if (slot >= kSlots || !conns_[slot].used)
			return;
		Conn &conn = conns_[slot];
		if (conn.sends)
			conn.sends--;
		if (c.res < 0 && !conn.error)
			conn.error = c.res;
	}

	toe_handle *h_ = nullptr;
	bool busy_poll_;
	uint32_t client_buffers_; // named buffers a connect posts
	bool deferred_ = false; // requests reserved, left for the next wait
	void *mem_ = nullptr;
	size_t mem_bytes_ = 0;
	size_t send_bytes_ = 0;
	toe_mr mr_{};
	uint32_t listener_ = 0;
	uint64_t requests_ = 0;
	int request_error_ = 0;
	Conn conns_[kSlots];
	std::unordered_map<uint32_t, uint32_t> handles_;
	std::unordered_map<uint64_t, int> socket_results_;
	std::deque<toe_cqe> accepted_;
};

} // namespace

std::unique_ptr<Backend> make_toe_backend(const Options &o, size_t send_bytes)
{
	return std::make_unique<ToeBackend>(o, send_bytes);
}

} // namespace toeperf

// SPDX-License-Identifier: MIT
// sockdev's engine: one thread per context takes requests from the SQ,
// carries them out on non-blocking kernel sockets, and posts completions.
#include "sockdev.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

namespace toe::sockdev {

namespace {

constexpr uint32_t kHeadOff = 0, kTailOff = 64, kMaskOff = 128, kEntriesOff = 132, kArrayOff = 256;

int64_t now_ns()
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(
		       std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

uint32_t round_up_pow2(uint32_t v)
{
	uint32_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

void *shared_alloc(size_t len)
{
	void *p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? nullptr : p;
}

toe_ring_offsets ring_offsets()
{
	toe_ring_offsets o{};
	o.head = kHeadOff;
	o.tail = kTailOff;
	o.ring_mask = kMaskOff;
	o.ring_entries = kEntriesOff;
	o.entries = kArrayOff;
	return o;
}

void init_ring(void *mem, uint32_t entries)
{
	auto *b = static_cast<unsigned char *>(mem);
	uint32_t mask = entries - 1;
	std::memcpy(b + kMaskOff, &mask, 4);
	std::memcpy(b + kEntriesOff, &entries, 4);
}

template <typename T> T load_acquire(const T *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
template <typename T> void store_release(T *p, T v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
void full_barrier() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

} // namespace

Context::Context(int fd) : fd_(fd)
{
	if (const char *idle = std::getenv("TOE_SOCKDEV_IDLE_US"))
		idle_us_ = uint32_t(std::strtoul(idle, nullptr, 10));
}

Context::~Context()
{
	if (engine_.joinable()) {
		stop_ = true;
		uint64_t one = 1;
		ssize_t r = ::write(kick_fd_, &one, sizeof(one));
		(void)r;
		engine_.join();
	}
	for (auto &[h, s] : socks_)
		if (s.fd >= 0)
			::close(s.fd);
	if (const char *path = std::getenv("TOE_SOCKDEV_COUNTERS")) {
		if (FILE *f = std::fopen(path, "a")) {
			std::fprintf(f, "kicks=%llu waits=%llu\n", (unsigned long long)kicks_.load(),
				     (unsigned long long)waits_.load());
			std::fclose(f);
		}
	}
	if (epfd_ >= 0)
		::close(epfd_);
	if (kick_fd_ >= 0)
		::close(kick_fd_);
	if (doorbell_)
		::munmap(doorbell_, 4096);
	if (sq_mem_)
		::munmap(sq_mem_, sq_len_);
	if (cq_mem_)
		::munmap(cq_mem_, cq_len_);
}

int Context::setup(toe_setup *s)
{
	if (set_up_)
		return -EBUSY;
	if (s->flags & TOE_SETUP_F_ANON)
		return -EOPNOTSUPP;
	if (!s->sq_entries || s->sq_entries > TOE_SQ_ENTRIES_MAX || s->cq_entries > TOE_CQ_ENTRIES_MAX)
		return -EINVAL;
	sq_entries_ = round_up_pow2(s->sq_entries);
	cq_entries_ = round_up_pow2(s->cq_entries ? s->cq_entries : 2 * s->sq_entries);
	sq_len_ = kArrayOff + size_t(sq_entries_) * sizeof(toe_sqe);
	cq_len_ = kArrayOff + size_t(cq_entries_) * sizeof(toe_cqe);
	doorbell_ = shared_alloc(4096);
	sq_mem_ = shared_alloc(sq_len_);
	cq_mem_ = shared_alloc(cq_len_);
	epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
	kick_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!doorbell_ || !sq_mem_ || !cq_mem_ || epfd_ < 0 || kick_fd_ < 0)
		return -ENOMEM;
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u32 = 0; // handle 0: the kick
	::epoll_ctl(epfd_, EPOLL_CTL_ADD, kick_fd_, &ev);

	init_ring(sq_mem_, sq_entries_);
	init_ring(cq_mem_, cq_entries_);
	db_ = static_cast<toe_doorbell *>(doorbell_);
	auto at = [](void *m, uint32_t off) {
		return reinterpret_cast<uint32_t *>(static_cast<unsigned char *>(m) + off);
	};
	sq_head_ = at(sq_mem_, kHeadOff);
	sq_tail_ = at(sq_mem_, kTailOff);
	cq_head_ = at(cq_mem_, kHeadOff);
	cq_tail_ = at(cq_mem_, kTailOff);
	sqes_ = reinterpret_cast<toe_sqe *>(at(sq_mem_, kArrayOff));
	cqes_ = reinterpret_cast<toe_cqe *>(at(cq_mem_, kArrayOff));

	s->sq_off = ring_offsets();
	s->cq_off = ring_offsets();
	s->doorbell_size = 4096;
	s->sq_size = uint32_t(sq_len_);
	s->cq_size = uint32_t(cq_len_);
	set_up_ = true;
	engine_ = std::thread([this] { run(); });
	return 0;
}

void *Context::map(uint64_t offset, size_t len)
{
	if (!set_up_)
		return nullptr;
	if (offset == TOE_MMAP_DOORBELL && len <= 4096)
		return doorbell_;
	if (offset == TOE_MMAP_SQ && len <= sq_len_)
		return sq_mem_;
	if (offset == TOE_MMAP_CQ && len <= cq_len_)
		return cq_mem_;
	return nullptr;
}

bool Context::owns_mapping(void *addr) const
{
	return addr && (addr == doorbell_ || addr == sq_mem_ || addr == cq_mem_);
}

int Context::reg_mr(toe_reg_mr *r)
{
	if (!r->addr || !r->len || r->flags || r->addr + r->len < r->addr)
		return -EINVAL;
	std::lock_guard lock(regions_lock_);
	r->handle = next_region_++;
	regions_[r->handle] = Region{uintptr_t(r->addr), r->len};
	return 0;
}

int Context::dereg_mr(const toe_dereg_mr *r)
{
	std::lock_guard lock(regions_lock_);
	auto it = regions_.find(r->handle);
	if (it == regions_.end())
		return -ENOENT;
	if (it->second.users)
		return -EBUSY;
	regions_.erase(it);
	return 0;
}

unsigned char *Context::resolve(uint32_t region, uint64_t off, uint32_t len)
{
	std::lock_guard lock(regions_lock_);
	auto it = regions_.find(region);
	if (it == regions_.end() || off > it->second.len || len > it->second.len - off)
		return nullptr;
	it->second.users++;
	return reinterpret_cast<unsigned char *>(it->second.addr + off);
}

void Context::unuse(uint32_t region)
{
	std::lock_guard lock(regions_lock_);
	auto it = regions_.find(region);
	if (it != regions_.end() && it->second.users)
		it->second.users--;
}

uint32_t Context::cq_ready() const
{
	return cq_tail_own_ - load_acquire(cq_head_);
}

int Context::enter(const toe_enter *e)
{
	if (!set_up_)
		return -EINVAL;
	if (e->flags & ~(TOE_ENTER_F_KICK | TOE_ENTER_F_WAIT))
		return -EINVAL;
	if (e->flags & TOE_ENTER_F_KICK) {
		kicks_++;
		uint64_t one = 1;
		ssize_t r = ::write(kick_fd_, &one, sizeof(one));
		(void)r;
	}
	if (!(e->flags & TOE_ENTER_F_WAIT))
		return 0;
	waits_++;
	uint32_t want = e->min_complete ? e->min_complete : 1;
	auto ready = [&] {
		return load_acquire(cq_tail_) - load_acquire(cq_head_) >= want;
	};
	std::unique_lock lock(wait_lock_);
	if (e->timeout_ns < 0) {
		cq_changed_.wait(lock, ready);
		return 0;
	}
	if (!cq_changed_.wait_for(lock, std::chrono::nanoseconds(e->timeout_ns), ready))
		return -ETIME;
	return 0;
}

// ---- the engine thread ----

void Context::run()
{
	int64_t last_work = now_ns();
	while (!stop_) {
		bool work = take_requests();
		work |= poll_sockets(0);
		work |= expire_buffers();
		flush_overflow();
		if (work) {
			last_work = now_ns();
			continue;
		}
		if (now_ns() - last_work < int64_t(idle_us_) * 1000)
			continue;
		// Going to sleep: say so, then look once more, so that a request
		// published before the flag was seen is not left waiting.
		__atomic_fetch_or(&db_->flags, TOE_DB_NEED_WAKEUP, __ATOMIC_RELAXED);
		full_barrier();
		if (load_acquire(sq_tail_) != sq_head_own_) {
			__atomic_fetch_and(&db_->flags, ~TOE_DB_NEED_WAKEUP, __ATOMIC_RELAXED);
			continue;
		}
		int timeout = -1;
		for (auto &[h, s] : socks_)
			for (auto &b : s.buffers)
				if (b.deadline_ns)
					timeout = 1;
		if (!overflow_.empty())
			timeout = 1;
		poll_sockets(timeout);
		__atomic_fetch_and(&db_->flags, ~TOE_DB_NEED_WAKEUP, __ATOMIC_RELAXED);
		last_work = now_ns();
	}
}

bool Context::take_requests()
{
	uint32_t tail = load_acquire(sq_tail_);
	if (tail == sq_head_own_)
		return false;
	// Never trust the application's tail: at most a ring's worth.
	if (tail - sq_head_own_ > sq_entries_)
		tail = sq_head_own_ + sq_entries_;
	while (sq_head_own_ != tail) {
		toe_sqe sqe = sqes_[sq_head_own_ & (sq_entries_ - 1)]; // copied out once
		sq_head_own_++;
		store_release(sq_head_, sq_head_own_);
		execute(sqe);
	}
	return true;
}

toe_cqe Context::completion_for(const Sock &s, uint16_t type, uint64_t user_data, int32_t res)
{
	toe_cqe c{};
	c.type = type;
	c.user_data = user_data;
	c.handle = s.handle;
	c.sock_ref = s.ref;
	c.res = res;
	return c;
}

void Context::post(toe_cqe c)
{
	if (!overflow_.empty() || cq_tail_own_ - load_acquire(cq_head_) >= cq_entries_) {
		overflow_.push_back(c);
		return;
	}
	cqes_[cq_tail_own_ & (cq_entries_ - 1)] = c;
	cq_tail_own_++;
	store_release(cq_tail_, cq_tail_own_);
	full_barrier();
	{
		std::lock_guard lock(wait_lock_);
	}
	cq_changed_.notify_all();
	if (__atomic_load_n(&db_->cq_armed, __ATOMIC_RELAXED)) {
		uint64_t one = 1;
		ssize_t r = ::write(fd_, &one, sizeof(one));
		(void)r;
	}
}

void Context::flush_overflow()
{
	while (!overflow_.empty() && cq_tail_own_ - load_acquire(cq_head_) < cq_entries_) {
		toe_cqe c = overflow_.front();
		overflow_.pop_front();
		post(c);
	}
	// The fd (an eventfd) reads as "completions ready" until they are gone.
	if (cq_ready() == 0) {
		uint64_t v;
		ssize_t r = ::read(fd_, &v, sizeof(v));
		(void)r;
	}
}

Sock *Context::find(uint32_t handle)
{
	auto it = socks_.find(handle);
	return it == socks_.end() || it->second.closing ? nullptr : &it->second;
}

void Context::execute(const toe_sqe &q)
{
	auto reply = [&](int32_t res) {
		toe_cqe c{};
		c.type = TOE_CQE_REQ;
		c.user_data = q.user_data;
		c.handle = q.handle;
		c.res = res;
		if (Sock *s = find(q.handle))
			c.sock_ref = s->ref;
		post(c);
	};
	if (q.opcode == TOE_OP_NOP)
		return reply(0);
	if (q.opcode == TOE_OP_SOCKET) {
		if (q.proto != TOE_PROTO_TCP && q.proto != TOE_PROTO_UDP)
			return reply(-EPROTONOSUPPORT);
		int type = q.proto == TOE_PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
		int fd = ::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return reply(-errno);
		int one = 1;
		::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		Sock s;
		s.handle = next_sock_++;
		s.fd = fd;
		s.proto = q.proto;
		s.ref = q.user_data;
		uint32_t handle = s.handle;
		socks_.emplace(handle, std::move(s));
		return reply(int32_t(handle));
	}
	if (q.opcode == TOE_OP_ANON_RETURN)
		return reply(-EOPNOTSUPP);

	Sock *s = find(q.handle);
	if (!s)
		return reply(-ENOENT);
	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = q.addr;
	sin.sin_port = q.port;

	switch (q.opcode) {
	case TOE_OP_BIND:
		return reply(::bind(s->fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin)) ? -errno : 0);
	case TOE_OP_LISTEN:
		if (s->proto != TOE_PROTO_TCP)
			return reply(-EOPNOTSUPP);
		if (::listen(s->fd, q.arg ? q.arg : 1))
			return reply(-errno);
		s->listening = true;
		update_interest(*s);
		return reply(0);
	case TOE_OP_ACCEPT:
		if (!s->listening)
			return reply(-EINVAL);
		s->accepts.push_back(q.user_data);
		do_accept(*s);
		update_interest(*s);
		return;
	case TOE_OP_CONNECT:
		if (::connect(s->fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin)) == 0) {
			if (s->proto == TOE_PROTO_UDP)
				return reply(0);
			toe_cqe c = completion_for(*s, TOE_CQE_CONNECTED, q.user_data, 0);
			c.addr = q.addr;
			c.port = q.port;
			post(c);
		} else if (errno == EINPROGRESS) {
			s->connecting = true;
			s->connect_user_data = q.user_data;
		} else {
			int err = -errno;
			if (s->proto == TOE_PROTO_UDP)
				return reply(err);
			post(completion_for(*s, TOE_CQE_CONNECTED, q.user_data, err));
		}
		update_interest(*s);
		return;
	case TOE_OP_POST_BUF: {
		if (!q.len || q.threshold > q.len)
			return reply(-EINVAL);
		unsigned char *p = resolve(q.region, q.offset, q.len);
		if (!p)
			return reply(-EFAULT);
		NamedBuffer b{q.user_data, q.region, p, q.len, q.threshold ? q.threshold : q.len};
		if (q.timeout_ms)
			b.deadline_ns = now_ns() + int64_t(q.timeout_ms) * 1000000;
		s->buffers.push_back(b);
		on_readable(*s);
		update_interest(*s);
		return;
	}
	case TOE_OP_SEND: {
		if (q.flags & ~TOE_SEND_MORE)
			return reply(-EINVAL);
		unsigned char *p = resolve(q.region, q.offset, q.len);
		if (!p)
			return reply(-EFAULT);
		if (s->proto == TOE_PROTO_UDP) {
			ssize_t n = q.addr ? ::sendto(s->fd, p, q.len, MSG_NOSIGNAL,
						      reinterpret_cast<sockaddr *>(&sin), sizeof(sin))
					   : ::send(s->fd, p, q.len, MSG_NOSIGNAL);
			unuse(q.region);
			toe_cqe c = completion_for(*s, TOE_CQE_SEND, q.user_data, n < 0 ? -errno : 0);
			c.bytes = n < 0 ? 0 : uint32_t(n);
			return post(c);
		}
		s->sends.push_back(PendingSend{q.user_data, q.region, p, q.len});
		push_sends(*s);
		update_interest(*s);
		return;
	}
	case TOE_OP_SETOPT: {
		int v = int(q.value);
		int ret = 0;
		switch (q.arg) {
		case TOE_SO_NODELAY: ret = ::setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)); break;
		case TOE_SO_KEEPALIVE: ret = ::setsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)); break;
		case TOE_SO_KEEPIDLE: ret = ::setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)); break;
		case TOE_SO_KEEPINTVL: ret = ::setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)); break;
		case TOE_SO_KEEPCNT: ret = ::setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)); break;
		case TOE_SO_REF: s->ref = q.value; break;
		case TOE_SO_CONGESTION: {
			// The kernel's own algorithms of the same names.
			const char *name = q.value == TOE_CC_NEWRENO ? "reno"
					 : q.value == TOE_CC_CUBIC   ? "cubic"
								     : nullptr;
			if (!name)
				return reply(-EINVAL);
			ret = ::setsockopt(s->fd, IPPROTO_TCP, TCP_CONGESTION, name,
					   socklen_t(std::strlen(name)));
			break;
		}
		case TOE_SO_ANON_DELIVERY: return reply(-EOPNOTSUPP);
		default: return reply(-ENOPROTOOPT);
		}
		return reply(ret ? -errno : 0);
	}
	case TOE_OP_SHUTDOWN:
		if (q.arg > SHUT_RDWR)
			return reply(-EINVAL);
		if (q.arg != SHUT_WR)
			return_all(*s, TOE_REASON_CLOSED, 0);
		return reply(::shutdown(s->fd, q.arg) ? -errno : 0);
	case TOE_OP_CLOSE:
		return_all(*s, TOE_REASON_CLOSED, 0);
		s->close_user_data = q.user_data;
		s->closing = true;
		if (s->sends.empty())
			finish_close(*s, 0);
		else
			update_interest(*s);
		return;
	case TOE_OP_ABORT: {
		linger l{1, 0};
		::setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		return_all(*s, TOE_REASON_CLOSED, 0);
		fail_sends(*s, -ECONNABORTED);
		s->close_user_data = q.user_data;
		s->closing = true;
		return finish_close(*s, 0);
	}
	default:
		return reply(-EINVAL);
	}
}

void Context::update_interest(Sock &s)
{
	uint32_t want = 0;
	if ((s.listening && !s.accepts.empty()) || !s.buffers.empty())
		want |= EPOLLIN;
	if (s.connecting || !s.sends.empty())
		want |= EPOLLOUT;
	if (want == s.epoll_events || s.fd < 0)
		return;
	epoll_event ev{};
	ev.events = want;
	ev.data.u32 = s.handle;
	if (!s.epoll_events)
		::epoll_ctl(epfd_, EPOLL_CTL_ADD, s.fd, &ev);
	else if (!want)
		::epoll_ctl(epfd_, EPOLL_CTL_DEL, s.fd, nullptr);
	else
		::epoll_ctl(epfd_, EPOLL_CTL_MOD, s.fd, &ev);
	s.epoll_events = want;
}

bool Context::poll_sockets(int timeout_ms)
{
	epoll_event evs[64];
	int n = ::epoll_wait(epfd_, evs, 64, timeout_ms);
	bool work = false;
	for (int i = 0; i < n; i++) {
		uint32_t h = evs[i].data.u32;
		if (h == 0) {
			uint64_t v;
			ssize_t r = ::read(kick_fd_, &v, sizeof(v));
			(void)r;
			continue;
		}
		auto it = socks_.find(h);
		if (it == socks_.end())
			continue;
		work = true;
		Sock &s = it->second;
		if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			on_writable(s);
		if (!socks_.count(h))
			continue; // closed by finishing its sends
		if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			on_readable(s);
		update_interest(s);
	}
	return work;
}

bool Context::expire_buffers()
{
	int64_t now = 0;
	bool work = false;
	for (auto &[h, s] : socks_) {
		if (s.buffers.empty() || !s.buffers.front().deadline_ns)
			continue;
		if (!now)
			now = now_ns();
		if (s.buffers.front().deadline_ns <= now) {
			return_buffer(s, TOE_REASON_TIMEOUT, 0);
			work = true;
		}
	}
	return work;
}

void Context::on_writable(Sock &s)
{
	if (s.connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err == EINPROGRESS)
			return;
		s.connecting = false;
		toe_cqe c = completion_for(s, TOE_CQE_CONNECTED, s.connect_user_data, -err);
		sockaddr_in peer{};
		socklen_t plen = sizeof(peer);
		if (!err && ::getpeername(s.fd, reinterpret_cast<sockaddr *>(&peer), &plen) == 0) {
			c.addr = peer.sin_addr.s_addr;
			c.port = peer.sin_port;
		}
		post(c);
		return;
	}
	push_sends(s);
}

void Context::on_readable(Sock &s)
{
	if (s.listening)
		return do_accept(s);
	if (s.connecting)
		return;
	if (s.proto == TOE_PROTO_UDP)
		return fill_udp(s);
	fill_tcp(s);
}

void Context::do_accept(Sock &l)
{
	while (!l.accepts.empty()) {
		sockaddr_in peer{};
		socklen_t len = sizeof(peer);
		int fd = ::accept4(l.fd, reinterpret_cast<sockaddr *>(&peer), &len,
				   SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		uint64_t ud = l.accepts.front();
		l.accepts.pop_front();
		Sock s;
		s.handle = next_sock_++;
		s.fd = fd;
		s.proto = TOE_PROTO_TCP;
		s.ref = ud;
		toe_cqe c = completion_for(l, TOE_CQE_ACCEPT, ud, 0);
		c.sock_ref = ud;
		c.new_handle = s.handle;
		c.addr = peer.sin_addr.s_addr;
		c.port = peer.sin_port;
		socks_.emplace(s.handle, std::move(s));
		post(c);
	}
}

void Context::fill_tcp(Sock &s)
{
	while (!s.buffers.empty() && !s.peer_closed) {
		NamedBuffer &b = s.buffers.front();
		size_t room = b.len - b.filled;
		ssize_t n = ::recv(s.fd, b.data + b.filled, room, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				// Nothing more for now: the stand-in for PSH.
				if (b.filled)
					return_buffer(s, TOE_REASON_PSH, 0);
				return;
			}
			int err = -errno;
			return_all(s, TOE_REASON_RST, err);
			fail_sends(s, err);
			return;
		}
		if (n == 0) {
			s.peer_closed = true;
			return_buffer(s, TOE_REASON_FIN, 0);
			post(completion_for(s, TOE_CQE_PEER_CLOSED, s.ref, 0));
			return;
		}
		b.filled += uint32_t(n);
		if (b.filled == b.len)
			return_buffer(s, TOE_REASON_FULL, 0);
		else if (b.filled >= b.threshold)
			return_buffer(s, TOE_REASON_THRESHOLD, 0);
	}
}

void Context::fill_udp(Sock &s)
{
	while (!s.buffers.empty()) {
		NamedBuffer &b = s.buffers.front();
		sockaddr_in from{};
		socklen_t len = sizeof(from);
		ssize_t n = ::recvfrom(s.fd, b.data, b.len, MSG_TRUNC, reinterpret_cast<sockaddr *>(&from),
				       &len);
		if (n < 0)
			return;
		sockaddr_in local{};
		socklen_t llen = sizeof(local);
		::getsockname(s.fd, reinterpret_cast<sockaddr *>(&local), &llen);
		toe_cqe c = completion_for(s, TOE_CQE_RECV, b.user_data, 0);
		c.reason = TOE_REASON_DATAGRAM;
		c.bytes = uint32_t(std::min<ssize_t>(n, b.len));
		if (size_t(n) > b.len)
			c.flags |= TOE_CQE_F_TRUNCATED;
		c.addr = from.sin_addr.s_addr;
		c.port = from.sin_port;
		// The header as it was on the wire (the checksum is not known here).
		uint16_t udp_len = htons(uint16_t(8 + n));
		std::memcpy(&c.udp_header[0], &from.sin_port, 2);
		std::memcpy(&c.udp_header[2], &local.sin_port, 2);
		std::memcpy(&c.udp_header[4], &udp_len, 2);
		unuse(b.region);
		s.buffers.pop_front();
		post(c);
	}
}

void Context::push_sends(Sock &s)
{
	while (!s.sends.empty()) {
		PendingSend &p = s.sends.front();
		ssize_t n = ::send(s.fd, p.data + p.done, p.len - p.done, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			fail_sends(s, -errno);
			break;
		}
		p.done += uint32_t(n);
		if (p.done < p.len)
			return;
		toe_cqe c = completion_for(s, TOE_CQE_SEND, p.user_data, 0);
		c.bytes = p.len;
		unuse(p.region);
		s.sends.pop_front();
		post(c);
	}
	if (s.closing && s.sends.empty())
		finish_close(s, 0);
}

void Context::return_buffer(Sock &s, uint16_t reason, int32_t res)
{
	NamedBuffer b = s.buffers.front();
	s.buffers.pop_front();
	unuse(b.region);
	toe_cqe c = completion_for(s, TOE_CQE_RECV, b.user_data, res);
	c.bytes = b.filled;
	c.reason = reason;
	post(c);
}

void Context::return_all(Sock &s, uint16_t reason, int32_t res)
{
	while (!s.buffers.empty())
		return_buffer(s, reason, res);
}

void Context::fail_sends(Sock &s, int32_t res)
{
	while (!s.sends.empty()) {
		PendingSend p = s.sends.front();
		s.sends.pop_front();
		unuse(p.region);
		toe_cqe c = completion_for(s, TOE_CQE_SEND, p.user_data, res);
		c.bytes = p.done;
		post(c);
	}
}

void Context::finish_close(Sock &s, int32_t res)
{
	uint32_t h = s.handle;
	toe_cqe c = completion_for(s, TOE_CQE_CLOSED, s.close_user_data, res);
	if (s.epoll_events)
		::epoll_ctl(epfd_, EPOLL_CTL_DEL, s.fd, nullptr);
	::close(s.fd);
	socks_.erase(h);
	post(c);
}

} // namespace toe::sockdev

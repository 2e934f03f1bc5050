// SPDX-License-Identifier: MIT
// The chaos context: requests of every kind, bad and good, on a context
// whose UDP sockets receive the peer's datagrams into overlapping posted
// buffers while regions come and go.
#include "hostile_ops.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace hostile {
namespace {

constexpr size_t kMemSize = 256 * 1024;

struct Region {
	uint32_t handle;
	size_t start; // in the context's memory
	size_t len;
};

class Chaos {
public:
	Chaos(Run &run, unsigned worker, std::mt19937_64 &rng);
	~Chaos();
	void play(uint64_t entries);
	void finish();

private:
	toe_setup params();
	uint32_t rand32() { return uint32_t(rng_()); }
	size_t below(size_t n) { return n ? size_t(rng_() % n) : 0; }
	bool chance(unsigned percent) { return rng_() % 100 < percent; }

	void add_region(size_t start, size_t len);
	void bind_udp(unsigned slot);
	const Region &some_region() { return regions_[below(regions_.size())]; }
	uint32_t some_udp() { return udp_[below(udp_.size())]; }
	uint32_t unknown_handle();
	uint32_t unknown_region();
	void drain_sq();

	void garbage();
	void bad_handle();
	void bad_region();
	void bad_range();
	void bad_field();
	void bad_value();
	void good();
	void post_buffer();
	void send_datagram();
	void dereg_in_flight();
	void replace_socket();
	void tcp_requests();

	Run &run_;
	unsigned worker_;
	std::mt19937_64 &rng_;
	FuzzCtx ctx_;
	uint8_t *mem_ = nullptr;
	std::vector<Region> regions_;
	std::vector<uint32_t> udp_; // bound to udp_base + 8 worker + slot
	std::vector<uint32_t> region_handles_; // every one this context had
	bool tcp_done_ = false;
};

Chaos::Chaos(Run &run, unsigned worker, std::mt19937_64 &rng)
	: run_(run), worker_(worker), rng_(rng), ctx_(run.stats, params())
{
	void *p = ::mmap(nullptr, kMemSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	glue::check(p != MAP_FAILED, "mmap");
	mem_ = static_cast<uint8_t *>(p);
	// Overlapping regions, one of them not page aligned.
	add_region(0, 128 * 1024);
	add_region(64 * 1024, 128 * 1024);
	add_region(100, 5000 + below(20000));
	for (unsigned slot = 0; slot < 2; slot++)
		bind_udp(slot);
}

Chaos::~Chaos()
{
	if (mem_)
		::munmap(mem_, kMemSize);
}

toe_setup Chaos::params()
{
	toe_setup s{};
	s.sq_entries = 16u << below(5);
	s.cq_entries = s.sq_entries << below(3);
	if (chance(30)) {
		s.flags = TOE_SETUP_F_ANON;
		s.anon_count = 4 + uint32_t(below(8));
		s.anon_size = 2048;
	}
	return s;
}

void Chaos::add_region(size_t start, size_t len)
{
	toe_reg_mr r{};
	r.addr = reinterpret_cast<uintptr_t>(mem_ + start);
	r.len = len;
	glue::check_errno(glue::xioctl(ctx_.fd(), TOE_IOC_REG_MR, &r), 0, "REG_MR");
	run_.stats.ioctls++;
	regions_.push_back({r.handle, start, len});
	region_handles_.push_back(r.handle);
}

void Chaos::bind_udp(unsigned slot)
{
	toe_sqe s{};
	s.opcode = TOE_OP_SOCKET;
	s.proto = TOE_PROTO_UDP;
	toe_cqe c = ctx_.call(s);
	glue::check_errno(c.res, 0, "SOCKET");
	uint32_t handle = c.handle;
	s = {};
	s.opcode = TOE_OP_BIND;
	s.handle = handle;
	s.addr = run_.local;
	s.port = htons(uint16_t(run_.udp_base + 8 * worker_ + slot));
	c = ctx_.call(s);
	if (c.res == -EADDRINUSE) {
		// The port's last owner may still be closing in another context.
		s.port = 0;
		c = ctx_.call(s);
	}
	glue::check_errno(c.res, 0, "BIND a UDP socket");
	if (slot < udp_.size())
		udp_[slot] = handle;
	else
		udp_.push_back(handle);
	run_.board.publish(worker_ * 8 + slot, handle);
}

uint32_t Chaos::unknown_handle()
{
	for (;;) {
		uint32_t h;
		switch (below(4)) {
		case 0:
			h = run_.board.pick(rng_); // another context's, perhaps
			break;
		case 1:
			h = 0;
			break;
		case 2:
			h = rand32();
			break;
		default:
			h = ~0u - uint32_t(below(4));
			break;
		}
		if (!ctx_.ever_held(h))
			return h;
	}
}

uint32_t Chaos::unknown_region()
{
	for (;;) {
		uint32_t r = below(2) ? rand32() : uint32_t(below(64));
		if (r == ctx_.geometry().anon_region)
			continue;
		if (std::find(region_handles_.begin(), region_handles_.end(), r) ==
		    region_handles_.end())
			return r;
	}
}

// Waits until the engine has taken every published request, so an ioctl
// that follows acts after them.
void Chaos::drain_sq()
{
	ctx_.flush();
	for (int i = 0; i < glue::kWaitMs / 10; i++) {
		uint32_t head = __atomic_load_n(ctx_.sq_word(ctx_.geometry().sq_off.head),
						__ATOMIC_ACQUIRE);
		if (head == ctx_.sq_local_tail())
			return;
		ctx_.reap();
		ctx_.kick();
		::usleep(1000);
	}
	glue::fail("the engine does not consume the SQ");
}

void Chaos::garbage()
{
	toe_sqe s;
	for (auto *w = reinterpret_cast<uint32_t *>(&s);
	     w < reinterpret_cast<uint32_t *>(&s + 1); w++)
		*w = rand32();
	if (chance(50)) {
		// Reserved bits set: refused whatever the opcode.
		s.reserved |= 1u << below(32);
		ctx_.push(s, Expect::fail, EINVAL);
	} else {
		ctx_.push(s, Expect::fail);
	}
}

void Chaos::bad_handle()
{
	static const uint8_t ops[] = {TOE_OP_BIND,	TOE_OP_LISTEN,	 TOE_OP_ACCEPT,
				      TOE_OP_CONNECT,	TOE_OP_POST_BUF, TOE_OP_SEND,
				      TOE_OP_SETOPT,	TOE_OP_SHUTDOWN, TOE_OP_CLOSE,
				      TOE_OP_ABORT};
	toe_sqe s{};
	s.opcode = ops[below(sizeof(ops))];
	s.handle = unknown_handle();
	const Region &r = some_region();
	switch (s.opcode) {
	case TOE_OP_BIND:
		s.addr = run_.local;
		break;
	case TOE_OP_LISTEN:
		s.arg = 8;
		break;
	case TOE_OP_CONNECT:
		s.addr = run_.peer;
		s.port = htons(9);
		break;
	case TOE_OP_POST_BUF:
	case TOE_OP_SEND:
		s.region = r.handle;
		s.len = 1 + uint32_t(below(r.len));
		break;
	case TOE_OP_SETOPT:
		s.arg = chance(50) ? TOE_SO_REF : TOE_SO_NODELAY;
		s.value = 1;
		break;
	case TOE_OP_SHUTDOWN:
		s.arg = 1;
		break;
	default:
		break;
	}
	ctx_.push(s, Expect::fail, ENOENT);
}

void Chaos::bad_region()
{
	toe_sqe s{};
	s.opcode = chance(50) ? TOE_OP_POST_BUF : TOE_OP_SEND;
	s.handle = some_udp();
	s.region = unknown_region();
	s.len = 1 + uint32_t(below(1400));
	if (s.opcode == TOE_OP_SEND) {
		s.addr = run_.peer;
		s.port = htons(run_.sink_port);
	}
	ctx_.push(s, Expect::fail, ENOENT);
}

void Chaos::bad_range()
{
	toe_sqe s{};
	s.opcode = chance(50) ? TOE_OP_POST_BUF : TOE_OP_SEND;
	s.handle = some_udp();
	const Region &r = some_region();
	s.region = r.handle;
	int err = EFAULT;
	switch (below(4)) {
	case 0: // runs past the end
		s.len = 1 + uint32_t(below(1400));
		s.offset = r.len - s.len + 1 + below(s.len);
		break;
	case 1: // wraps
		s.len = 1 + uint32_t(below(1400));
		s.offset = ~0ull - below(s.len);
		break;
	case 2: // starts past the end
		s.len = 1;
		s.offset = r.len + below(1ull << 40);
		break;
	default: // an empty buffer, or a threshold beyond it
		s.opcode = TOE_OP_POST_BUF;
		s.len = chance(50) ? 0 : 100;
		s.threshold = s.len ? 101 + uint32_t(below(1000)) : 0;
		err = EINVAL;
		break;
	}
	if (s.opcode == TOE_OP_SEND) {
		s.addr = run_.peer;
		s.port = htons(run_.sink_port);
	}
	ctx_.push(s, Expect::fail, err);
}

// A field the opcode does not read is set: refused before anything runs.
void Chaos::bad_field()
{
	toe_sqe s{};
	static const uint8_t ops[] = {TOE_OP_NOP,     TOE_OP_SOCKET,   TOE_OP_BIND,
				      TOE_OP_SETOPT,  TOE_OP_SHUTDOWN, TOE_OP_CLOSE,
				      TOE_OP_ABORT,   TOE_OP_POST_BUF, TOE_OP_SEND};
	s.opcode = ops[below(sizeof(ops))];
	if (s.opcode == TOE_OP_SOCKET)
		s.proto = TOE_PROTO_UDP;
	else if (s.opcode != TOE_OP_NOP)
		s.handle = some_udp();
	switch (below(3)) {
	case 0:
		s.buf_id = 1 + rand32() % 0xfffffffe;
		break;
	case 1:
		s.reserved = 1 + rand32() % 0xfffffffe;
		break;
	default:
		if (s.opcode == TOE_OP_POST_BUF)
			s.buf_id = 1;
		else
			s.timeout_ms = 1 + rand32() % 0xfffffffe;
		break;
	}
	ctx_.push(s, Expect::fail, EINVAL);
}

void Chaos::bad_value()
{
	toe_sqe s{};
	int err = EINVAL;
	switch (below(4)) {
	case 0:
		s.opcode = TOE_OP_SETOPT;
		s.handle = some_udp();
		s.arg = uint16_t(TOE_SO_REF + 1 + below(60000));
		s.value = 1;
		err = ENOPROTOOPT;
		break;
	case 1:
		s.opcode = TOE_OP_SHUTDOWN;
		s.handle = some_udp();
		s.arg = uint16_t(3 + below(60000));
		break;
	case 2:
		s.opcode = TOE_OP_SOCKET;
		s.proto = uint8_t(below(256));
		if (s.proto == TOE_PROTO_TCP || s.proto == TOE_PROTO_UDP)
			s.proto = 0;
		err = EPROTONOSUPPORT;
		break;
	default:
		s.opcode = TOE_OP_ANON_RETURN;
		s.buf_id = ctx_.geometry().anon_count + rand32() % 100000;
		break;
	}
	ctx_.push(s, Expect::fail, err);
}

void Chaos::good()
{
	toe_sqe s{};
	if (chance(50)) {
		s.opcode = TOE_OP_NOP;
	} else {
		s.opcode = TOE_OP_SETOPT;
		s.handle = some_udp();
		s.arg = TOE_SO_REF;
		s.value = rng_();
	}
	ctx_.push(s, Expect::succeed);
}

// A buffer anywhere in a region: overlapping others, posted or not.
void Chaos::post_buffer()
{
	const auto &live = ctx_.live_sockets();
	toe_sqe s{};
	s.opcode = TOE_OP_POST_BUF;
	s.handle = chance(80) || live.empty() ? some_udp() : live[below(live.size())];
	const Region &r = some_region();
	s.region = r.handle;
	s.offset = below(r.len);
	s.len = 1 + uint32_t(below(std::min<size_t>(r.len - s.offset, 4096)));
	if (chance(30))
		s.threshold = uint32_t(below(s.len + 1));
	if (chance(30))
		s.timeout_ms = 1 + uint32_t(below(50));
	ctx_.push(s, Expect::any);
}

void Chaos::send_datagram()
{
	toe_sqe s{};
	s.opcode = TOE_OP_SEND;
	s.handle = some_udp();
	const Region &r = some_region();
	s.region = r.handle;
	s.offset = below(r.len);
	s.len = 1 + uint32_t(below(std::min<size_t>(r.len - s.offset, 1400)));
	s.addr = run_.peer;
	s.port = htons(run_.sink_port);
	ctx_.push(s, Expect::any);
}

// DEREG while buffers may be posted from the region: refused (-EBUSY) or,
// when nothing holds it, done; a done region is replaced by a new one
// over other, overlapping memory.
void Chaos::dereg_in_flight()
{
	drain_sq();
	size_t i = below(regions_.size());
	Region r = regions_[i];
	toe_dereg_mr d{r.handle, 0};
	run_.stats.ioctls++;
	run_.stats.dereg_in_flight++;
	long ret = glue::xioctl(ctx_.fd(), TOE_IOC_DEREG_MR, &d);
	if (ret == -EBUSY) {
		run_.stats.dereg_busy++;
		return;
	}
	if (ret != 0) {
		run_.stats.note_wrong("DEREG_MR of a live region: " + glue::errno_name(int(ret)));
		return;
	}
	regions_.erase(regions_.begin() + long(i));
	size_t start = below(kMemSize - 4096);
	add_region(start, 1 + below(kMemSize - start));
}

// A bound socket closed or aborted with whatever it has posted, and a new
// one bound in its place.
void Chaos::replace_socket()
{
	unsigned slot = unsigned(below(udp_.size()));
	toe_sqe s{};
	s.opcode = chance(50) ? TOE_OP_ABORT : TOE_OP_CLOSE;
	s.handle = udp_[slot];
	ctx_.forget_socket(s.handle);
	ctx_.push(s, Expect::succeed);
	bind_udp(slot);
}

// A connection refused by the peer, a listener with an accept posted that
// only the teardown completes.
void Chaos::tcp_requests()
{
	if (tcp_done_)
		return;
	tcp_done_ = true;
	toe_sqe s{};
	s.opcode = TOE_OP_SOCKET;
	s.proto = TOE_PROTO_TCP;
	toe_cqe c = ctx_.call(s);
	glue::check_errno(c.res, 0, "SOCKET TCP");
	s = {};
	s.opcode = TOE_OP_CONNECT;
	s.handle = c.handle;
	s.addr = run_.peer;
	s.port = htons(9);
	ctx_.push(s, Expect::any);

	s = {};
	s.opcode = TOE_OP_SOCKET;
	s.proto = TOE_PROTO_TCP;
	c = ctx_.call(s);
	glue::check_errno(c.res, 0, "SOCKET TCP");
	s = {};
	s.opcode = TOE_OP_LISTEN;
	s.handle = c.handle;
	s.arg = 4;
	ctx_.push(s, Expect::any);
	s = {};
	s.opcode = TOE_OP_ACCEPT;
	s.handle = c.handle;
	ctx_.push(s, Expect::any);
}

void Chaos::play(uint64_t entries)
{
	uint32_t batch = 1 + uint32_t(below(ctx_.geometry().sq_entries));
	for (uint64_t n = 0; n < entries && !run_.stop.load(std::memory_order_relaxed); n++) {
		unsigned pick = unsigned(below(1000));
		if (pick < 150)
			garbage();
		else if (pick < 300)
			bad_handle();
		else if (pick < 400)
			bad_region();
		else if (pick < 500)
			bad_range();
		else if (pick < 600)
			bad_field();
		else if (pick < 680)
			bad_value();
		else if (pick < 800)
			good();
		else if (pick < 940)
			post_buffer();
		else if (pick < 985)
			send_datagram();
		else if (pick < 992)
			dereg_in_flight();
		else if (pick < 998)
			replace_socket();
		else
			tcp_requests();
		if (n % batch == 0) {
			ctx_.flush();
			ctx_.reap();
		}
	}
	ctx_.flush();
}

// Gracefully: every socket aborted, every request completed, every region
// free again. Abruptly: the memory unmapped under posted buffers and the
// file closed with requests in flight.
void Chaos::finish()
{
	if (chance(30)) {
		::munmap(mem_, kMemSize);
		mem_ = nullptr;
		ctx_.abandon();
		return;
	}
	std::vector<uint32_t> sockets = ctx_.live_sockets();
	for (uint32_t h : sockets) {
		toe_sqe s{};
		s.opcode = TOE_OP_ABORT;
		s.handle = h;
		ctx_.forget_socket(h);
		// A TCP socket may already be gone after a refused connect.
		bool bound_udp = std::find(udp_.begin(), udp_.end(), h) != udp_.end();
		ctx_.push(s, bound_udp ? Expect::succeed : Expect::any);
	}
	ctx_.settle(2 * glue::kWaitMs);
	for (const Region &r : regions_) {
		toe_dereg_mr d{r.handle, 0};
		long ret = glue::xioctl(ctx_.fd(), TOE_IOC_DEREG_MR, &d);
		run_.stats.ioctls++;
		if (ret)
			run_.stats.note_wrong("DEREG_MR after every socket closed: " +
					      glue::errno_name(int(ret)));
	}
}

} // namespace

void chaos_context(Run &run, unsigned worker, std::mt19937_64 &rng)
{
	Chaos chaos(run, worker, rng);
	chaos.play(2000 + rng() % 18000);
	chaos.finish();
}

} // namespace hostile

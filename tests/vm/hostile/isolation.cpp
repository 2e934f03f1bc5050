// SPDX-License-Identifier: MIT
// toe_isolation: the roles of tests/vm/hostile-isolation.sh, each a
// process of its own so that credentials, limits and address spaces are
// real ones (set with setpriv and prlimit by the suite).
//
//   owner --local ADDR --port P --state FILE --expect TEXT
//       a context with a bound UDP socket (buffer posted), a TCP listener
//       (accept posted), a region and an anonymous pool; writes their
//       handles to FILE, then waits for the datagram TEXT in its buffer and
//       checks that every socket is still its own.
//   intruder --state FILE [--unprivileged]
//       another process naming the owner's sockets, regions and buffers
//       from its own context, reopening the owner's file through /proc and
//       taking it with pidfd_getfd.
//   pin --limit BYTES (--capped | --uncapped)
//       registers memory from two contexts until refused.
//   bind --local ADDR --port P --expect ERRNO|0 [--drop-after-open]
//       binds a TCP and a UDP socket; with --drop-after-open,
//       CAP_NET_BIND_SERVICE is dropped after /dev/toe is opened.
//   connect --addr ADDR --port P --expect ERRNO
//   open [--request]
//       opens /dev/toe and sets up a context, as any application starts;
//       with --request, also has a NOP answered (needs an engine).
//   orphan
//       forks, and the parent exits: the child holds the context's file
//       and must not be able to use it.
#include "raw.hpp"

#include <linux/capability.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <string>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace glue;

constexpr uint64_t kPostedRef = 0x0a11ce;
constexpr uint64_t kAcceptRef = 0x0acce97;

std::map<std::string, std::string> opts;

std::string opt(const std::string &name)
{
	auto it = opts.find(name);
	if (it == opts.end())
		fail("missing --" + name);
	return it->second;
}

in_addr_t addr_opt(const std::string &name)
{
	in_addr a{};
	if (inet_pton(AF_INET, opt(name).c_str(), &a) != 1)
		fail("bad address for --" + name);
	return a.s_addr;
}

int errno_by_name(const std::string &name)
{
	if (name == "0")
		return 0;
	for (int e = 1; e < 200; e++) {
		const char *n = strerrorname_np(e);
		if (n && name == n)
			return e;
	}
	fail("unknown errno name " + name);
}

toe_sqe op(uint8_t opcode, uint32_t handle = 0)
{
	toe_sqe s{};
	s.opcode = opcode;
	s.handle = handle;
	return s;
}

void *map_pages(size_t len)
{
	void *p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "mmap");
	std::memset(p, 0, len);
	return p;
}

uint32_t context_id(int fd)
{
	toe_version_info v{};
	check_errno(xioctl(fd, TOE_IOC_GET_VERSION, &v), 0, "GET_VERSION");
	return v.context_id;
}

struct OwnerState {
	long pid = 0;
	int fd = -1;
	uint32_t context = 0, udp = 0, listener = 0, region = 0, anon_region = 0;
};

void write_state(const std::string &path, const OwnerState &s)
{
	std::string tmp = path + ".tmp";
	{
		std::ofstream out(tmp);
		out << s.pid << ' ' << s.fd << ' ' << s.context << ' ' << s.udp << ' ' << s.listener
		    << ' ' << s.region << ' ' << s.anon_region << '\n';
		check(bool(out), "write " + tmp);
	}
	check(::rename(tmp.c_str(), path.c_str()) == 0, "rename " + tmp);
}

OwnerState read_state(const std::string &path)
{
	OwnerState s;
	std::ifstream in(path);
	in >> s.pid >> s.fd >> s.context >> s.udp >> s.listener >> s.region >> s.anon_region;
	check(bool(in), "read " + path);
	return s;
}

int owner()
{
	in_addr_t local = addr_opt("local");
	uint16_t port = uint16_t(std::stoi(opt("port")));
	std::string expect = opt("expect");
	toe_setup p = default_setup();
	p.flags = TOE_SETUP_F_ANON;
	p.anon_count = 4;
	p.anon_size = 2048;
	RawCtx ctx(p);
	const size_t len = 64 * 1024;
	auto *mem = static_cast<uint8_t *>(map_pages(len));
	OwnerState st;
	st.pid = ::getpid();
	st.fd = ctx.fd();
	st.context = context_id(ctx.fd());
	st.anon_region = ctx.geometry().anon_region;
	check_errno(ctx.reg_mr(mem, len, &st.region), 0, "REG_MR");
	st.udp = ctx.socket(TOE_PROTO_UDP);
	check_errno(ctx.bind(st.udp, local, port), 0, "bind UDP");
	toe_sqe s = op(TOE_OP_POST_BUF, st.udp);
	s.region = st.region;
	s.len = 2048;
	s.user_data = kPostedRef;
	ctx.submit(s);
	st.listener = ctx.socket(TOE_PROTO_TCP);
	check_errno(ctx.bind(st.listener, local, uint16_t(port + 1)), 0, "bind TCP");
	s = op(TOE_OP_LISTEN, st.listener);
	s.arg = 4;
	check_errno(ctx.request(s).res, 0, "LISTEN");
	s = op(TOE_OP_ACCEPT, st.listener);
	s.user_data = kAcceptRef;
	ctx.submit(s);
	write_state(opt("state"), st);
	std::printf("owner: context %u, udp %u, listener %u, region %u, anon region %u\n",
		    st.context, st.udp, st.listener, st.region, st.anon_region);
	std::fflush(stdout);

	// The datagram lands in the buffer the owner posted, unchanged.
	toe_cqe c = ctx.expect([](const toe_cqe &q) { return q.user_data == kPostedRef; },
			       "the datagram in the posted buffer", 4 * kWaitMs);
	check(c.type == TOE_CQE_RECV, "RECV for the posted buffer, type " + std::to_string(c.type));
	check(c.bytes == expect.size() && !std::memcmp(mem, expect.data(), expect.size()),
	      "the datagram's bytes: " + std::to_string(c.bytes));
	// Both sockets are still there and still the owner's.
	s = op(TOE_OP_SETOPT, st.udp);
	s.arg = TOE_SO_REF;
	s.value = 1;
	check_errno(ctx.request(s).res, 0, "SETOPT on the UDP socket");
	s.handle = st.listener;
	check_errno(ctx.request(s).res, 0, "SETOPT on the listener");
	check(!ctx.wait_for([](const toe_cqe &q) { return q.user_data == kAcceptRef; }, 0),
	      "the posted ACCEPT is still waiting");
	check_errno(ctx.dereg_mr(st.region), 0, "the region is still the owner's to deregister");
	std::printf("owner: the datagram arrived intact, sockets and region intact\n");
	return 0;
}

void expect_req(RawCtx &ctx, toe_sqe s, int err, const std::string &what)
{
	toe_cqe c = ctx.request(s);
	check(c.type == TOE_CQE_REQ, what + ": a TOE_CQE_REQ completion");
	check_errno(c.res, err, what);
}

int intruder()
{
	OwnerState st = read_state(opt("state"));
	bool unprivileged = opts.count("unprivileged");
	RawCtx ctx;
	check(context_id(ctx.fd()) != st.context, "a context of its own");
	// The owner's sockets through every request that names a socket.
	const uint32_t sockets[] = {st.udp, st.listener};
	for (uint32_t h : sockets) {
		const std::string n = " the owner's socket " + std::to_string(h);
		toe_sqe s = op(TOE_OP_BIND, h);
		expect_req(ctx, s, ENOENT, "BIND" + n);
		s = op(TOE_OP_LISTEN, h);
		s.arg = 4;
		expect_req(ctx, s, ENOENT, "LISTEN" + n);
		expect_req(ctx, op(TOE_OP_ACCEPT, h), ENOENT, "ACCEPT" + n);
		s = op(TOE_OP_CONNECT, h);
		s.addr = inet_addr("198.18.0.2");
		s.port = htons(9);
		expect_req(ctx, s, ENOENT, "CONNECT" + n);
		s = op(TOE_OP_SETOPT, h);
		s.arg = TOE_SO_REF;
		s.value = 5;
		expect_req(ctx, s, ENOENT, "SETOPT" + n);
		s = op(TOE_OP_SHUTDOWN, h);
		s.arg = 2;
		expect_req(ctx, s, ENOENT, "SHUTDOWN" + n);
		expect_req(ctx, op(TOE_OP_CLOSE, h), ENOENT, "CLOSE" + n);
		expect_req(ctx, op(TOE_OP_ABORT, h), ENOENT, "ABORT" + n);
	}
	// The owner's regions, from a context that has none of its own.
	uint32_t mine = ctx.socket(TOE_PROTO_UDP);
	for (uint32_t r : {st.region, st.anon_region}) {
		const std::string n = " from the owner's region " + std::to_string(r);
		toe_sqe s = op(TOE_OP_POST_BUF, mine);
		s.region = r;
		s.len = 100;
		expect_req(ctx, s, ENOENT, "POST_BUF" + n);
		s = op(TOE_OP_SEND, mine);
		s.region = r;
		s.len = 100;
		s.addr = inet_addr("198.18.0.2");
		s.port = htons(9);
		expect_req(ctx, s, ENOENT, "SEND" + n);
		check_errno(ctx.dereg_mr(r), ENOENT, "DEREG_MR" + n);
	}
	// The owner's posted and anonymous buffers: a buffer is named only
	// through its socket and region, and the anonymous ones only within
	// their own pool.
	toe_sqe s = op(TOE_OP_POST_BUF, st.udp);
	s.region = st.region;
	s.len = 100;
	expect_req(ctx, s, ENOENT, "POST_BUF into the owner's socket from its region");
	s = op(TOE_OP_ANON_RETURN);
	s.buf_id = 1;
	expect_req(ctx, s, EINVAL, "ANON_RETURN of the owner's buffer id");

	// The owner's file, reopened through /proc: a new context, not the
	// owner's (or, for another user, no access at all).
	std::string path = "/proc/" + std::to_string(st.pid) + "/fd/" + std::to_string(st.fd);
	int reopened = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
	if (unprivileged) {
		check(reopened < 0 && (errno == EACCES || errno == EPERM),
		      "another user cannot reopen the owner's file");
	} else {
		check(reopened >= 0, "open " + path + ": " + errno_name(-errno));
		check(context_id(reopened) != st.context, "reopening gives a new context");
		::close(reopened);
	}
	// The owner's very file, taken with pidfd_getfd: it names the owner's
	// context, but nothing in it works from this address space.
	int pidfd = int(::syscall(SYS_pidfd_open, pid_t(st.pid), 0));
	check(pidfd >= 0, "pidfd_open: " + errno_name(-errno));
	int taken = int(::syscall(SYS_pidfd_getfd, pidfd, st.fd, 0));
	int taken_errno = errno;
	::close(pidfd);
	if (unprivileged) {
		check(taken < 0 && taken_errno == EPERM, "another user cannot take the owner's file");
	} else {
		check(taken >= 0, "pidfd_getfd: " + errno_name(-taken_errno));
		check(context_id(taken) == st.context, "the taken file is the owner's context");
		toe_enter e{TOE_ENTER_F_KICK, 0, 0};
		check_errno(xioctl(taken, TOE_IOC_ENTER, &e), EPERM, "ENTER on the owner's file");
		std::vector<uint8_t> buf(8192);
		toe_reg_mr r{reinterpret_cast<uintptr_t>(buf.data()), buf.size(), 0, 0};
		check_errno(xioctl(taken, TOE_IOC_REG_MR, &r), EPERM, "REG_MR on the owner's file");
		toe_dereg_mr d{st.region, 0};
		check_errno(xioctl(taken, TOE_IOC_DEREG_MR, &d), EPERM,
			    "DEREG_MR on the owner's file");
		toe_setup p = default_setup();
		check_errno(xioctl(taken, TOE_IOC_SETUP, &p), EPERM, "SETUP on the owner's file");
		for (uint64_t off : {TOE_MMAP_DOORBELL, TOE_MMAP_SQ, TOE_MMAP_CQ, TOE_MMAP_ANON}) {
			void *m = ::mmap(nullptr, size_t(getpagesize()), PROT_READ, MAP_SHARED, taken,
					 off_t(off));
			check(m == MAP_FAILED && errno == EPERM,
			      "mapping the owner's rings at " + std::to_string(off));
		}
		::close(taken);
	}
	std::printf("intruder: every attempt on the owner's sockets, regions, buffers and file "
		    "refused\n");
	return 0;
}

int pin()
{
	const uint64_t limit = std::stoull(opt("limit"));
	const bool capped = opts.count("capped");
	check(capped != bool(opts.count("uncapped")), "--capped or --uncapped");
	const size_t chunk = 64 * 1024;
	const size_t total = size_t(2 * limit + 16 * chunk);
	auto *mem = static_cast<uint8_t *>(map_pages(total));
	RawCtx a, b;
	uint64_t pinned = 0;
	size_t used = 0;
	long refused = 0;
	std::vector<std::pair<RawCtx *, uint32_t>> regions;
	// Alternate between two contexts: the limit is the process's, not a
	// context's.
	for (int i = 0; used + chunk <= total; i++) {
		RawCtx &ctx = i % 2 ? b : a;
		uint32_t h;
		long ret = ctx.reg_mr(mem + used, chunk, &h);
		used += chunk;
		if (ret == 0) {
			pinned += chunk;
			regions.push_back({&ctx, h});
			continue;
		}
		check_errno(ret, ENOMEM, "REG_MR over the limit");
		refused++;
	}
	std::printf("pin: limit %llu, pinned %llu in two contexts, %ld refused\n",
		    (unsigned long long)limit, (unsigned long long)pinned, refused);
	if (capped) {
		check(pinned <= limit, "pinned more than RLIMIT_MEMLOCK");
		check(refused > 0, "nothing refused");
		// Released memory can be pinned again.
		check_errno(regions.back().first->dereg_mr(regions.back().second), 0, "DEREG_MR");
		uint32_t h;
		check_errno(regions.back().first->reg_mr(mem, chunk, &h), 0,
			    "REG_MR after a release");
		// Rings are pinned memory too.
		RawCtx big(false);
		toe_setup s = default_setup(TOE_SQ_ENTRIES_MAX);
		check_errno(big.setup(s), ENOMEM, "rings beyond the limit");
	} else {
		check(refused == 0 && pinned > limit, "CAP_IPC_LOCK lifts the limit");
	}
	return 0;
}

int bind_cmd()
{
	in_addr_t local = addr_opt("local");
	uint16_t port = uint16_t(std::stoi(opt("port")));
	int err = errno_by_name(opt("expect"));
	RawCtx ctx;
	if (opts.count("drop-after-open"))
		drop_capability(CAP_NET_BIND_SERVICE);
	for (int proto : {TOE_PROTO_TCP, TOE_PROTO_UDP}) {
		uint32_t h = ctx.socket(proto);
		check_errno(ctx.bind(h, local, port), err,
			    std::string(proto == TOE_PROTO_TCP ? "TCP" : "UDP") + " bind to " +
				    opt("local") + ":" + opt("port"));
	}
	std::printf("bind %s:%s: %s for TCP and UDP\n", opt("local").c_str(), opt("port").c_str(),
		    opt("expect").c_str());
	return 0;
}

int connect_cmd()
{
	int err = errno_by_name(opt("expect"));
	RawCtx ctx;
	uint32_t h = ctx.socket(TOE_PROTO_TCP);
	toe_sqe s = op(TOE_OP_CONNECT, h);
	s.addr = addr_opt("addr");
	s.port = htons(uint16_t(std::stoi(opt("port"))));
	toe_cqe c = ctx.request(s);
	check_errno(c.res, err, "connect to " + opt("addr"));
	std::printf("connect %s: %s (completion type %u)\n", opt("addr").c_str(),
		    errno_name(c.res).c_str(), c.type);
	return 0;
}

int open_cmd()
{
	RawCtx ctx;
	if (opts.count("request")) {
		toe_cqe c = ctx.request(op(TOE_OP_NOP));
		check(c.type == TOE_CQE_REQ && c.res == 0, "NOP");
	}
	std::printf("open: context %u set up%s\n", context_id(ctx.fd()),
		    opts.count("request") ? ", a NOP answered" : "");
	return 0;
}

// The parent sets up a context with a posted buffer and exits; the child
// keeps the file. The context outlives the parent but the child can do
// nothing with it, and it goes when the child closes it.
int orphan()
{
	int pipefd[2];
	check(::pipe(pipefd) == 0, "pipe");
	RawCtx ctx;
	uint32_t *sq_tail = ctx.sq_tail();
	// MADV_DOFORK cannot bring the rings into a child.
	::madvise(reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(sq_tail) &
					   ~uintptr_t(getpagesize() - 1)),
		  size_t(getpagesize()), MADV_DOFORK);
	uint32_t id = context_id(ctx.fd());
	std::fflush(nullptr);
	pid_t pid = ::fork();
	check(pid >= 0, "fork");
	if (pid > 0) {
		// The parent leaves at once, without closing anything.
		::close(pipefd[0]);
		::_exit(0);
	}
	::close(pipefd[1]);
	// Wait for the parent to be gone (our read end sees EOF).
	char byte;
	while (::read(pipefd[0], &byte, 1) > 0) {
	}
	for (int i = 0; i < 1000 && ::getppid() == pid; i++)
		::usleep(1000);
	try {
		unsigned char vec;
		void *page = reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(sq_tail) &
						      ~uintptr_t(getpagesize() - 1));
		check(::mincore(page, 1, &vec) != 0 && errno == ENOMEM,
		      "the rings are not in the child");
		check(context_id(ctx.fd()) == id, "the child's file is the context");
		check_errno(ctx.enter(TOE_ENTER_F_KICK), EPERM, "child ENTER");
		std::vector<uint8_t> buf(8192);
		uint32_t h;
		check_errno(ctx.reg_mr(buf.data(), buf.size(), &h), EPERM, "child REG_MR");
		toe_setup s = default_setup();
		check_errno(xioctl(ctx.fd(), TOE_IOC_SETUP, &s), EPERM, "child SETUP");
		void *m = ::mmap(nullptr, size_t(getpagesize()), PROT_READ, MAP_SHARED, ctx.fd(),
				 TOE_MMAP_DOORBELL);
		check(m == MAP_FAILED && errno == EPERM, "child mmap");
		check(module_param("contexts") >= 1, "the context outlives its parent");
	} catch (const Failure &f) {
		std::fprintf(stderr, "orphan: %s\n", f.what());
		::_exit(1);
	}
	std::printf("orphan: the child holds context %u and can use none of it\n", id);
	std::fflush(nullptr);
	::_exit(0);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		std::fprintf(stderr, "usage: toe_isolation owner|intruder|pin|bind|connect|open|orphan "
				     "[--option value]...\n");
		return 2;
	}
	std::string role = argv[1];
	for (int i = 2; i < argc; i++) {
		std::string a = argv[i];
		if (a.rfind("--", 0) != 0)
			return 2;
		a = a.substr(2);
		if (a == "unprivileged" || a == "capped" || a == "uncapped" || a == "drop-after-open" ||
		    a == "request")
			opts[a] = "1";
		else if (i + 1 < argc)
			opts[a] = argv[++i];
		else
			return 2;
	}
	try {
		if (role == "owner")
			return owner();
		if (role == "intruder")
			return intruder();
		if (role == "pin")
			return pin();
		if (role == "bind")
			return bind_cmd();
		if (role == "connect")
			return connect_cmd();
		if (role == "open")
			return open_cmd();
		if (role == "orphan")
			return orphan();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s: %s\n", role.c_str(), e.what());
		return 1;
	}
	return 2;
}

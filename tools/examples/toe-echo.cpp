// SPDX-License-Identifier: MIT
// toe-echo: an echo server and client on the toe engine.
//
// The server keeps a few named buffers posted on each connection. The
// engine returns a buffer when a segment with PSH lands in it (or when it is
// full); the server sends those bytes straight back from the same registered
// memory and posts the buffer again once the peer has acknowledged them.
//
// The client connects, sends messages one at a time and checks that each
// comes back unchanged.
#include "common/cli.hpp"
#include "common/net.hpp"

#include <toe/toe.hpp>

#include <cstdio>
#include <cstring>
#include <getopt.h>
#include <string>
#include <unistd.h>
#include <unordered_map>
#include <vector>

using namespace toe::example;

namespace {

const char usage_text[] = R"(usage: toe-echo server [options] ADDR:PORT
       toe-echo client [options] ADDR:PORT

server: listens on ADDR:PORT (an address of the NIC the engine is attached
        to, or 0.0.0.0) and echoes every connection's bytes back.
client: connects to ADDR:PORT, sends --count messages of --size bytes one at
        a time, and checks that each comes back unchanged. Exits 0 when all
        did, 1 otherwise.

options:
  -n, --count N         client: messages to exchange (default 10)
                        server: connections to serve, then exit (default 0:
                        serve until SIGINT or SIGTERM)
  -s, --size N          client: bytes per message (default 64); each ends in
                        a newline, so line-oriented peers work
  -b, --buffers N       named buffers per connection (default 4)
  -B, --buffer-size N   bytes per named buffer (default 16K; K, M suffixes)
  -c, --connections N   server: connections served at once (default 16)
  -p, --busy-poll       poll the completion queue instead of sleeping; no
                        syscall at all while the engine is awake (without
                        it, requests are published by the next wait, which
                        carries the kick: one syscall per exchange)
  -m, --mark            client: write "exchanges begin" and "exchanges end"
                        lines to stderr around the exchanges, so a syscall
                        trace can be cut to them
  -v, --verbose         print every completion
  -h, --help            this text
)";

struct Options {
	bool server = false;
	sockaddr_in endpoint{};
	uint64_t count = 0;
	bool count_given = false;
	uint64_t size = 64;
	uint64_t buffers = 4;
	uint64_t buffer_size = 16 * 1024;
	uint64_t connections = 16;
	bool busy_poll = false;
	bool mark = false;
	bool verbose = false;
};

Options parse(int argc, char **argv)
{
	static const option long_opts[] = {
		{"count", required_argument, nullptr, 'n'},
		{"size", required_argument, nullptr, 's'},
		{"buffers", required_argument, nullptr, 'b'},
		{"buffer-size", required_argument, nullptr, 'B'},
		{"connections", required_argument, nullptr, 'c'},
		{"busy-poll", no_argument, nullptr, 'p'},
		{"mark", no_argument, nullptr, 'm'},
		{"verbose", no_argument, nullptr, 'v'},
		{"help", no_argument, nullptr, 'h'},
		{},
	};
	Options o;
	int c;
	while ((c = getopt_long(argc, argv, "n:s:b:B:c:pmvh", long_opts, nullptr)) != -1) {
		switch (c) {
		case 'n': o.count = size_option("--count", optarg); o.count_given = true; break;
		case 's': o.size = size_option("--size", optarg); break;
		case 'b': o.buffers = size_option("--buffers", optarg); break;
		case 'B': o.buffer_size = size_option("--buffer-size", optarg); break;
		case 'c': o.connections = size_option("--connections", optarg); break;
		case 'p': o.busy_poll = true; break;
		case 'm': o.mark = true; break;
		case 'v': o.verbose = true; break;
		case 'h': std::fputs(usage_text, stdout); std::exit(0);
		default: usage_error("bad option");
		}
	}
	if (argc - optind != 2)
		usage_error("want a mode (server or client) and ADDR:PORT");
	std::string mode = argv[optind];
	if (mode != "server" && mode != "client")
		usage_error("mode must be server or client, not '" + mode + "'");
	o.server = mode == "server";
	o.endpoint = endpoint_option("ADDR:PORT", argv[optind + 1]);
	if (!o.server && !o.count_given)
		o.count = 10;
	if (!o.buffers || o.buffers > 1024)
		usage_error("--buffers wants 1 to 1024");
	if (!o.buffer_size || o.buffer_size > (1u << 30))
		usage_error("--buffer-size wants 1 byte to 1 GiB");
	if (!o.size || o.size > (1u << 30))
		usage_error("--size wants 1 byte to 1 GiB");
	if (!o.connections || o.connections > 65536)
		usage_error("--connections wants 1 to 65536");
	return o;
}

// user_data: what a completion is about, in the top byte; then the
// connection and the buffer or send slot.
enum Kind : uint8_t { kAccept = 1, kRecv, kSend, kClose };

uint64_t tag(Kind k, uint32_t conn, uint32_t slot)
{
	return uint64_t(k) << 56 | uint64_t(conn & 0xffffff) << 32 | slot;
}
Kind tag_kind(uint64_t ud) { return Kind(ud >> 56); }
uint32_t tag_conn(uint64_t ud) { return uint32_t(ud >> 32) & 0xffffff; }
uint32_t tag_slot(uint64_t ud) { return uint32_t(ud); }

// ---- server ----

class Server {
public:
	Server(toe::Device &dev, const Options &o)
		: dev_(dev), o_(o), completions_(dev, o.busy_poll),
		  mr_(toe::MemoryRegion::allocate(dev, o.connections * o.buffers * o.buffer_size)),
		  conns_(o.connections)
	{
	}

	int run()
	{
		listener_ = toe::Socket::open(dev_, TOE_PROTO_TCP);
		listener_.bind(o_.endpoint);
		listener_.listen(unsigned(o_.connections));
		std::printf("listening on %s\n", format_endpoint(o_.endpoint).c_str());
		std::fflush(stdout);
		listener_.accept(tag(kAccept, 0, 0));

		while (!(o_.count && served_ >= o_.count)) {
			std::optional<toe_cqe> c = completions_.next();
			if (!c)
				break;
			if (o_.verbose)
				std::printf("cqe: %s\n", describe(*c).c_str());
			handle(*c);
		}
		std::printf("served %llu connection(s)\n", (unsigned long long)served_);
		return failures_ ? 1 : 0;
	}

private:
	struct Conn {
		toe::Socket sock;
		bool live = false;
		bool closing = false;
		std::string peer;
		uint64_t bytes = 0;
	};

	std::span<std::byte> slot(uint32_t conn, uint32_t s)
	{
		size_t off = (size_t(conn) * o_.buffers + s) * o_.buffer_size;
		return mr_.bytes().subspan(off, o_.buffer_size);
	}

	void post(uint32_t conn, uint32_t s)
	{
		conns_[conn].sock.post(mr_, slot(conn, s), tag(kRecv, conn, s));
	}

	Conn *by_tag(uint64_t ud)
	{
		uint32_t i = tag_conn(ud);
		return i < conns_.size() && conns_[i].live ? &conns_[i] : nullptr;
	}

	void handle(const toe_cqe &c)
	{
		switch (c.type) {
		case TOE_CQE_ACCEPT: return accepted(c);
		case TOE_CQE_RECV: return received(c);
		case TOE_CQE_SEND: return sent(c);
		case TOE_CQE_PEER_CLOSED: return peer_closed(c);
		case TOE_CQE_CLOSED: return closed(c);
		case TOE_CQE_REQ:
			if (c.res < 0) {
				std::fprintf(stderr, "request %#llx failed: %s\n",
					     (unsigned long long)c.user_data, describe_result(c.res).c_str());
				if (tag_kind(c.user_data) == kAccept)
					failures_++;
				// The engine already dropped the socket (a reset):
				// nothing more will come for it.
				if (tag_kind(c.user_data) == kClose)
					forget(tag_conn(c.user_data), c.res);
			}
			return;
		default: return;
		}
	}

	void accepted(const toe_cqe &c)
	{
		if (!stop_requested)
			listener_.accept(tag(kAccept, 0, 0));
		if (c.res < 0) {
			std::fprintf(stderr, "accept failed: %s\n", describe_result(c.res).c_str());
			return;
		}
		uint32_t i = 0;
		while (i < conns_.size() && conns_[i].live)
			i++;
		if (i == conns_.size()) {
			std::fprintf(stderr, "too many connections; resetting %s\n",
				     format_endpoint(c.addr, c.port).c_str());
			toe_sock_abort(dev_.get(), c.new_handle, 0);
			return;
		}
		Conn &conn = conns_[i];
		conn.sock = toe::Socket::adopt(dev_, c.new_handle);
		conn.live = true;
		conn.closing = false;
		conn.bytes = 0;
		conn.peer = format_endpoint(c.addr, c.port);
		handles_[c.new_handle] = i;
		std::printf("accepted %s\n", conn.peer.c_str());
		std::fflush(stdout);
		toe::Device::Batch batch(dev_);
		toe_prep_setsockopt(&dev_.sqe(), c.new_handle, TOE_SO_NODELAY, 1, 0);
		for (uint32_t s = 0; s < o_.buffers; s++)
			post(i, s);
	}

	void received(const toe_cqe &c)
	{
		Conn *conn = by_tag(c.user_data);
		if (!conn)
			return;
		if (c.bytes > o_.buffer_size) {
			std::fprintf(stderr, "%s: the engine returned %u bytes in a %llu-byte buffer\n",
				     conn->peer.c_str(), c.bytes, (unsigned long long)o_.buffer_size);
			failures_++;
			return close(*conn);
		}
		if (c.bytes) {
			conn->bytes += c.bytes;
			conn->sock.send(mr_, slot(tag_conn(c.user_data), tag_slot(c.user_data)).first(c.bytes),
					tag(kSend, tag_conn(c.user_data), tag_slot(c.user_data)));
		} else if (c.reason == TOE_REASON_TIMEOUT && !conn->closing) {
			post(tag_conn(c.user_data), tag_slot(c.user_data));
		}
		if (c.res < 0 || c.reason == TOE_REASON_RST)
			close(*conn);
	}

	void sent(const toe_cqe &c)
	{
		Conn *conn = by_tag(c.user_data);
		if (!conn)
			return;
		if (c.res < 0) {
			std::fprintf(stderr, "%s: send failed: %s\n", conn->peer.c_str(),
				     describe_result(c.res).c_str());
			return close(*conn);
		}
		if (!conn->closing)
			post(tag_conn(c.user_data), tag_slot(c.user_data));
	}

	void peer_closed(const toe_cqe &c)
	{
		auto it = handles_.find(c.handle);
		if (it != handles_.end())
			close(conns_[it->second]);
	}

	// Graceful: the echoes already queued go out before our FIN.
	void close(Conn &conn)
	{
		if (conn.closing)
			return;
		conn.closing = true;
		conn.sock.close(tag(kClose, uint32_t(&conn - conns_.data()), 0));
	}

	void closed(const toe_cqe &c)
	{
		auto it = handles_.find(c.handle);
		if (it != handles_.end())
			forget(it->second, c.res);
	}

	void forget(uint32_t i, int32_t res)
	{
		if (i >= conns_.size() || !conns_[i].live)
			return;
		Conn &conn = conns_[i];
		std::string how = res < 0 ? ", " + describe_result(res) : "";
		std::printf("closed %s after %llu bytes%s\n", conn.peer.c_str(),
			    (unsigned long long)conn.bytes, how.c_str());
		std::fflush(stdout);
		handles_.erase(conn.sock.release());
		conn.live = false;
		served_++;
	}

	toe::Device &dev_;
	const Options &o_;
	Completions completions_;
	toe::MemoryRegion mr_;
	toe::Socket listener_;
	std::vector<Conn> conns_;
	std::unordered_map<uint32_t, uint32_t> handles_;
	uint64_t served_ = 0;
	unsigned failures_ = 0;
};

// ---- client ----

// Message i: "toe-echo 00000042 abcdef...\n", exactly size bytes.
void make_message(std::span<std::byte> out, uint64_t i)
{
	char head[32];
	int n = std::snprintf(head, sizeof(head), "toe-echo %08llu ", (unsigned long long)i);
	for (size_t k = 0; k < out.size(); k++)
		out[k] = std::byte(k < size_t(n) && out.size() > size_t(n) + 1 ? head[k]
								     : 'a' + (k + i) % 26);
	out[out.size() - 1] = std::byte('\n');
}

class Client {
public:
	static constexpr uint32_t kSendSlots = 4;

	Client(toe::Device &dev, const Options &o)
		: dev_(dev), o_(o), completions_(dev, o.busy_poll),
		  mr_(toe::MemoryRegion::allocate(dev, kSendSlots * o.size + o.buffers * o.buffer_size)),
		  sending_(kSendSlots, false)
	{
	}

	int run()
	{
		sock_ = toe::Socket::open(dev_, TOE_PROTO_TCP);
		sock_.set_option(TOE_SO_NODELAY, 1);
		sock_.connect(o_.endpoint);
		std::printf("connected to %s\n", format_endpoint(o_.endpoint).c_str());
		std::fflush(stdout);
		{
			toe::Device::Batch batch(dev_);
			for (uint32_t b = 0; b < o_.buffers; b++)
				post(b);
		}

		if (o_.mark)
			marker("toe-echo: exchanges begin\n");
		uint64_t done = 0;
		bool ok = true;
		for (; done < o_.count && ok; done++)
			ok = exchange(done);
		if (o_.mark)
			marker("toe-echo: exchanges end\n");

		if (ok)
			std::printf("%llu messages of %llu bytes echoed correctly\n",
				    (unsigned long long)done, (unsigned long long)o_.size);
		else
			std::fprintf(stderr, "failed at message %llu: %s\n",
				     (unsigned long long)(done - 1), error_.c_str());
		finish();
		return ok ? 0 : 1;
	}

private:
	static void marker(const char *text)
	{
		// One write(2) each, which a syscall trace uses as a landmark.
		ssize_t r = ::write(2, text, std::strlen(text));
		(void)r;
	}

	std::span<std::byte> send_slot(uint32_t s)
	{
		return mr_.bytes().subspan(size_t(s) * o_.size, o_.size);
	}
	std::span<std::byte> recv_buf(uint32_t b)
	{
		return mr_.bytes().subspan(kSendSlots * o_.size + size_t(b) * o_.buffer_size,
					   o_.buffer_size);
	}
	void post(uint32_t b) { sock_.post(mr_, recv_buf(b), tag(kRecv, 0, b)); }

	bool fail(std::string why)
	{
		error_ = std::move(why);
		return false;
	}

	bool exchange(uint64_t i)
	{
		uint32_t s = uint32_t(i % kSendSlots);
		while (sending_[s])
			if (!step(nullptr))
				return false;
		std::span<std::byte> msg = send_slot(s);
		make_message(msg, i);
		sending_[s] = true;
		sock_.send(mr_, msg, tag(kSend, 0, s));
		size_t echoed = 0;
		while (echoed < msg.size())
			if (!step([&](std::span<const std::byte> got) {
				    if (got.size() > msg.size() - echoed)
					    return fail("the peer sent more than it was sent");
				    if (std::memcmp(got.data(), msg.data() + echoed, got.size()))
					    return fail("the echo differs from the message");
				    echoed += got.size();
				    return true;
			    }))
				return false;
		return true;
	}

	// Handles one completion; echo bytes go to `check`.
	template <typename Check> bool step(Check check)
	{
		std::optional<toe_cqe> c = completions_.next();
		if (!c)
			return fail("interrupted");
		if (o_.verbose)
			std::printf("cqe: %s\n", describe(*c).c_str());
		switch (c->type) {
		case TOE_CQE_RECV: {
			uint32_t b = tag_slot(c->user_data);
			if (tag_kind(c->user_data) != kRecv || b >= o_.buffers || c->bytes > o_.buffer_size)
				return fail("a receive completion for no buffer of ours");
			if (c->bytes) {
				if constexpr (std::is_same_v<Check, std::nullptr_t>)
					return fail("bytes arrived that were never sent");
				else if (!check(recv_buf(b).first(c->bytes)))
					return false;
			}
			if (c->res < 0)
				return fail("receive: " + describe_result(c->res));
			if (c->reason == TOE_REASON_FIN || c->reason == TOE_REASON_RST ||
			    c->reason == TOE_REASON_CLOSED)
				return fail(std::string("the connection ended (") +
					    toe_reason_name(c->reason) + ")");
			post(b);
			return true;
		}
		case TOE_CQE_SEND:
			if (c->res < 0)
				return fail("send: " + describe_result(c->res));
			if (tag_slot(c->user_data) < kSendSlots)
				sending_[tag_slot(c->user_data)] = false;
			return true;
		case TOE_CQE_PEER_CLOSED:
			return fail("the peer closed the connection");
		case TOE_CQE_CLOSED:
			return fail("the connection closed: " + describe_result(c->res));
		case TOE_CQE_REQ:
			if (c->res < 0)
				return fail("request failed: " + describe_result(c->res));
			return true;
		default:
			return true;
		}
	}

	// Closes gracefully and waits (a little) for the socket's last
	// completion, so the peer sees a FIN and not a reset.
	void finish()
	{
		uint32_t h = sock_.handle();
		sock_.close();
		for (;;) {
			std::optional<toe_cqe> c = dev_.wait(std::chrono::seconds(5));
			if (!c || (c->type == TOE_CQE_CLOSED && c->handle == h))
				return;
		}
	}

	toe::Device &dev_;
	const Options &o_;
	Completions completions_;
	toe::MemoryRegion mr_;
	toe::Socket sock_;
	std::vector<bool> sending_;
	std::string error_;
};

} // namespace

int main(int argc, char **argv)
{
	set_program_name(argv[0]);
	Options o = parse(argc, argv);
	install_stop_signals();
	try {
		toe_params params{};
		params.sq_entries = 1024;
		toe::Device dev(params);
		// A sleeping loop's requests ride on its next wait: one system
		// call per exchange. A polling loop publishes at once.
		dev.set_submit_on_wait(!o.busy_poll);
		if (o.server)
			return Server(dev, o).run();
		return Client(dev, o).run();
	} catch (const std::system_error &e) {
		die(e.what());
	}
}

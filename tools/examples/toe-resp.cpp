// SPDX-License-Identifier: MIT
// toe-resp: a Redis-protocol (RESP) server on the toe engine, enough for
// redis-cli and redis-benchmark (PING, SET, GET and what they ask at
// start-up; see common/resp.hpp), over many connections, pipelined.
//
// Each connection keeps a few named buffers posted. A returned buffer's
// bytes join the connection's input, the buffer goes back to the engine at
// once, and every whole command in the input runs in order. The replies
// gather in one string per connection and leave through a handful of send
// slots in registered memory: a reply batch is copied into a free slot and
// sent from there, and the slot is free again when the peer has
// acknowledged it. With several slots a pipelined client never waits for
// an acknowledgement before the next batch can go.
#include "common/cli.hpp"
#include "common/net.hpp"
#include "common/resp.hpp"

#include <toe/toe.hpp>

#include <cstdio>
#include <cstring>
#include <getopt.h>
#include <string>
#include <unordered_map>
#include <vector>

using namespace toe::example;

namespace {

const char usage_text[] = R"(usage: toe-resp [options] ADDR:PORT

Listens on ADDR:PORT (an address of the NIC the engine is attached to, or
0.0.0.0) and answers the Redis protocol: PING, ECHO, SET, GET, DEL, EXISTS,
INCR, DBSIZE, FLUSHALL, COMMAND, QUIT and CONFIG GET save|appendonly, from
one in-memory key space. Runs until SIGINT or SIGTERM.

options:
  -c, --connections N   connections served at once (default 64)
  -b, --buffers N       named buffers per connection (default 4)
  -B, --buffer-size N   bytes per named buffer (default 16K; K, M suffixes)
  -S, --send-slots N    send slots per connection (default 8)
  -s, --slot-size N     bytes per send slot (default 8K)
  -p, --busy-poll       poll the completion queue instead of sleeping; no
                        syscall at all while the engine is awake
  -v, --verbose         print every completion
  -h, --help            this text
)";

struct Options {
	sockaddr_in endpoint{};
	uint64_t connections = 64;
	uint64_t buffers = 4;
	uint64_t buffer_size = 16 * 1024;
	uint64_t send_slots = 8;
	uint64_t slot_size = 8 * 1024;
	bool busy_poll = false;
	bool verbose = false;
};

Options parse(int argc, char **argv)
{
	static const option long_opts[] = {
		{"connections", required_argument, nullptr, 'c'},
		{"buffers", required_argument, nullptr, 'b'},
		{"buffer-size", required_argument, nullptr, 'B'},
		{"send-slots", required_argument, nullptr, 'S'},
		{"slot-size", required_argument, nullptr, 's'},
		{"busy-poll", no_argument, nullptr, 'p'},
		{"verbose", no_argument, nullptr, 'v'},
		{"help", no_argument, nullptr, 'h'},
		{},
	};
	Options o;
	int c;
	while ((c = getopt_long(argc, argv, "c:b:B:S:s:pvh", long_opts, nullptr)) != -1) {
		switch (c) {
		case 'c': o.connections = size_option("--connections", optarg); break;
		case 'b': o.buffers = size_option("--buffers", optarg); break;
		case 'B': o.buffer_size = size_option("--buffer-size", optarg); break;
		case 'S': o.send_slots = size_option("--send-slots", optarg); break;
		case 's': o.slot_size = size_option("--slot-size", optarg); break;
		case 'p': o.busy_poll = true; break;
		case 'v': o.verbose = true; break;
		case 'h': std::fputs(usage_text, stdout); std::exit(0);
		default: usage_error("bad option");
		}
	}
	if (argc - optind != 1)
		usage_error("want ADDR:PORT");
	o.endpoint = endpoint_option("ADDR:PORT", argv[optind]);
	if (!o.connections || o.connections > 65536)
		usage_error("--connections wants 1 to 65536");
	if (!o.buffers || o.buffers > 1024)
		usage_error("--buffers wants 1 to 1024");
	if (!o.buffer_size || o.buffer_size > (1u << 24))
		usage_error("--buffer-size wants 1 byte to 16 MiB");
	if (!o.send_slots || o.send_slots > 1024)
		usage_error("--send-slots wants 1 to 1024");
	if (!o.slot_size || o.slot_size > (1u << 24))
		usage_error("--slot-size wants 1 byte to 16 MiB");
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

class Server {
public:
	Server(toe::Device &dev, const Options &o)
		: dev_(dev), o_(o), completions_(dev, o.busy_poll),
		  per_conn_(o.buffers * o.buffer_size + o.send_slots * o.slot_size),
		  mr_(toe::MemoryRegion::allocate(dev, o.connections * per_conn_)),
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
		while (std::optional<toe_cqe> c = completions_.next()) {
			if (o_.verbose)
				std::printf("cqe: %s\n", describe(*c).c_str());
			handle(*c);
		}
		std::printf("served %llu connection(s), %llu command(s)\n",
			    (unsigned long long)served_, (unsigned long long)commands_);
		return 0;
	}

private:
	struct Conn {
		toe::Socket sock;
		bool live = false;
		bool closing = false;
		bool quitting = false; // QUIT: close once the replies are out
		std::string peer;
		std::string input; // received, not yet a whole command
		std::string replies; // not yet in a send slot
		std::vector<bool> slot_busy;
	};

	std::span<std::byte> recv_buf(uint32_t conn, uint32_t b)
	{
		return mr_.bytes().subspan(conn * per_conn_ + b * o_.buffer_size, o_.buffer_size);
	}
	std::span<std::byte> send_slot(uint32_t conn, uint32_t s)
	{
		return mr_.bytes().subspan(conn * per_conn_ + o_.buffers * o_.buffer_size +
						   s * o_.slot_size,
					   o_.slot_size);
	}
	uint32_t index(const Conn &conn) const { return uint32_t(&conn - conns_.data()); }

	void post(uint32_t conn, uint32_t b)
	{
		conns_[conn].sock.post(mr_, recv_buf(conn, b), tag(kRecv, conn, b));
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
				// The engine already dropped the socket (a reset):
				// nothing more will come for it.
				if (tag_kind(c.user_data) == kClose)
					forget(tag_conn(c.user_data));
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
		conn = Conn{};
		conn.sock = toe::Socket::adopt(dev_, c.new_handle);
		conn.live = true;
		conn.peer = format_endpoint(c.addr, c.port);
		conn.slot_busy.assign(o_.send_slots, false);
		handles_[c.new_handle] = i;
		if (o_.verbose)
			std::printf("accepted %s\n", conn.peer.c_str());
		toe::Device::Batch batch(dev_);
		// Replies are whole answers: send each batch at once.
		toe_prep_setsockopt(&dev_.sqe(), c.new_handle, TOE_SO_NODELAY, 1, 0);
		for (uint32_t b = 0; b < o_.buffers; b++)
			post(i, b);
	}

	void received(const toe_cqe &c)
	{
		Conn *conn = by_tag(c.user_data);
		if (!conn || c.bytes > o_.buffer_size)
			return;
		uint32_t i = tag_conn(c.user_data);
		bool ended = c.res < 0 || c.reason == TOE_REASON_FIN || c.reason == TOE_REASON_RST ||
			     c.reason == TOE_REASON_CLOSED;
		if (c.bytes) {
			auto got = recv_buf(i, tag_slot(c.user_data)).first(c.bytes);
			conn->input.append(reinterpret_cast<const char *>(got.data()), got.size());
		}
		// The bytes are ours now: the buffer can take the next ones.
		toe::Device::Batch batch(dev_);
		if (!conn->closing && !ended)
			post(i, tag_slot(c.user_data));
		if (c.bytes)
			run_commands(*conn);
		if (ended)
			close(*conn);
	}

	void run_commands(Conn &conn)
	{
		std::string_view in = conn.input;
		size_t used = 0;
		while (!conn.quitting) {
			resp::Parser::Status st = parser_.next(in.substr(used), argv_);
			if (st == resp::Parser::Status::incomplete)
				break;
			if (st == resp::Parser::Status::error) {
				// As Redis does: say why, then close.
				resp::error(conn.replies, parser_.error());
				conn.quitting = true;
				break;
			}
			used += parser_.consumed();
			commands_++;
			if (!store_.execute(argv_, conn.replies))
				conn.quitting = true;
		}
		conn.input.erase(0, conn.quitting ? conn.input.size() : used);
		send_replies(conn);
	}

	// Moves as many replies as fit into free send slots and sends them.
	void send_replies(Conn &conn)
	{
		uint32_t i = index(conn);
		size_t taken = 0;
		for (uint32_t s = 0; s < o_.send_slots && taken < conn.replies.size(); s++) {
			if (conn.slot_busy[s])
				continue;
			size_t n = std::min<size_t>(o_.slot_size, conn.replies.size() - taken);
			std::span<std::byte> slot = send_slot(i, s).first(n);
			std::memcpy(slot.data(), conn.replies.data() + taken, n);
			conn.sock.send(mr_, slot, tag(kSend, i, s));
			conn.slot_busy[s] = true;
			taken += n;
		}
		conn.replies.erase(0, taken);
		if (conn.quitting && conn.replies.empty())
			close(conn);
	}

	void sent(const toe_cqe &c)
	{
		Conn *conn = by_tag(c.user_data);
		if (!conn || tag_slot(c.user_data) >= o_.send_slots)
			return;
		conn->slot_busy[tag_slot(c.user_data)] = false;
		if (c.res < 0) {
			std::fprintf(stderr, "%s: send failed: %s\n", conn->peer.c_str(),
				     describe_result(c.res).c_str());
			return close(*conn);
		}
		if (!conn->closing)
			send_replies(*conn);
	}

	void peer_closed(const toe_cqe &c)
	{
		auto it = handles_.find(c.handle);
		if (it != handles_.end())
			close(conns_[it->second]);
	}

	// Graceful: the replies already sent go out before our FIN.
	void close(Conn &conn)
	{
		if (conn.closing)
			return;
		conn.closing = true;
		conn.sock.close(tag(kClose, index(conn), 0));
	}

	void closed(const toe_cqe &c)
	{
		auto it = handles_.find(c.handle);
		if (it != handles_.end())
			forget(it->second);
	}

	void forget(uint32_t i)
	{
		if (i >= conns_.size() || !conns_[i].live)
			return;
		Conn &conn = conns_[i];
		if (o_.verbose)
			std::printf("closed %s\n", conn.peer.c_str());
		handles_.erase(conn.sock.release());
		conn.live = false;
		conn.input.clear();
		conn.replies.clear();
		served_++;
	}

	toe::Device &dev_;
	const Options &o_;
	Completions completions_;
	size_t per_conn_;
	toe::MemoryRegion mr_;
	toe::Socket listener_;
	std::vector<Conn> conns_;
	std::unordered_map<uint32_t, uint32_t> handles_;
	resp::Parser parser_;
	resp::Store store_;
	std::vector<std::string_view> argv_;
	uint64_t served_ = 0;
	uint64_t commands_ = 0;
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
		return Server(dev, o).run();
	} catch (const std::system_error &e) {
		die(e.what());
	}
}

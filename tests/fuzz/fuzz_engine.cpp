#include "fuzz_engine.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "engine_port.hpp"
#include "inet.hpp"

namespace toe::fuzz {
namespace {

using testnet::Bytes;
using testnet::HostRegion;

constexpr std::uint32_t owner_one = 1;
constexpr std::uint32_t owner_two = 2;
constexpr std::uint32_t region_len = 128 * 1024;
constexpr std::uint32_t active_peer_isn = 7000;
constexpr std::uint32_t passive_peer_isn = 9000;
constexpr std::uint32_t peer_tsval_base = 1000;
constexpr unsigned max_records = 4096;
constexpr unsigned max_polls = 100000;

// TOE_FUZZ_TRACE=1 prints events and transmitted frames (for reproducers).
bool tracing()
{
	static const bool on = std::getenv("TOE_FUZZ_TRACE") != nullptr;
	return on;
}

[[noreturn]] void violation(const std::string &what)
{
	std::fprintf(stderr, "fuzz: engine contract violated: %s\n", what.c_str());
	std::fflush(stderr);
	std::abort();
}

// Host memory per owner, allocated once: every input must leave it with no
// engine references, which is checked at the end of each input.
struct OwnerMemory {
	HostRegion recv{region_len};
	HostRegion send{region_len};
	HostRegion anon{region_len};
};

OwnerMemory &memory_of(std::uint32_t owner)
{
	static OwnerMemory one, two;
	return owner == owner_two ? two : one;
}

class Reader {
public:
	explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}
	bool empty() const { return pos_ >= data_.size(); }
	std::uint8_t u8() { return pos_ < data_.size() ? data_[pos_++] : 0; }
	std::uint16_t u16()
	{
		std::uint16_t hi = u8();
		return std::uint16_t(hi << 8 | u8());
	}
	std::uint32_t u32()
	{
		std::uint32_t hi = u16();
		return hi << 16 | u16();
	}
	// Up to n bytes: fewer when the input runs out.
	std::span<const std::uint8_t> bytes(std::size_t n)
	{
		std::size_t take = std::min(n, data_.size() - std::min(pos_, data_.size()));
		auto out = data_.subspan(pos_, take);
		pos_ += take;
		return out;
	}

private:
	std::span<const std::uint8_t> data_;
	std::size_t pos_ = 0;
};

struct Handle {
	std::uint32_t value = 0;
	std::uint32_t owner = 0;
	int proto = 0;
	bool dead = false; // close/abort returned 0, or CLOSED arrived
	bool closed_event = false;
};

struct Posted {
	std::uint32_t sock;
	std::uint32_t len;
};

class FuzzEngine {
public:
	explicit FuzzEngine(std::uint8_t config);
	~FuzzEngine();

	void setup();
	void run_record(Reader &in);
	void finish();
	SetupView view() const { return setup_view_; }

private:
	static int port_xmit(void *port, const toe_tx_frame *f);
	static void port_event(void *port, std::uint32_t owner,
			       const toe_event *ev);
	static int port_resolve(void *port, std::uint32_t ip, std::uint8_t mac[6]);

	void on_tx(const toe_tx_frame &f);
	void on_event(std::uint32_t owner, const toe_event &ev);
	Handle *find(std::uint32_t value);
	Handle &track(std::uint32_t value, std::uint32_t owner, int proto);
	void input(const Bytes &frame, std::uint32_t rx_flags = 0,
		   std::uint8_t cut = 0);
	void run_timers();
	void check_introspection();
	testnet::FrameSpec spec_from_peer(std::uint16_t peer_port,
					  std::uint16_t engine_port) const;
	std::vector<std::uint8_t> peer_options(bool syn, bool timestamps,
					       std::uint16_t engine_port) const;

	void record_raw(Reader &in);
	void record_tcp(Reader &in, unsigned target);
	void record_udp(Reader &in, unsigned choice);
	void record_host(Reader &in);
	void check_request(const char *what, int rc, const Handle *target,
			   std::uint32_t owner);

	std::uint8_t config_;
	toe_engine *eng_ = nullptr;
	std::deque<Handle> handles_; // stable references while growing
	std::uint32_t newest_tcp_ = 0; // the last connection a host request opened
	std::map<std::pair<std::uint32_t, std::uint64_t>, Posted> posted_;
	std::map<std::pair<std::uint32_t, std::uint64_t>, Posted> sends_;
	std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> anon_;
	std::set<std::pair<std::uint32_t, std::uint64_t>> accepts_;
	std::uint64_t next_ref_ = 1;
	testnet::TxCheck tx_check_;
	std::vector<Bytes> tx_log_;
	bool log_tx_ = true;
	std::map<std::uint16_t, std::uint32_t> engine_tsval_; // by engine port
	// The engine's ISN in its last SYN-ACK to each peer port: what a new
	// connection to the listener (tcp_segment target 2) acknowledges.
	std::map<std::uint16_t, std::uint32_t> synack_isn_;
	std::uint32_t listener_ = 0, udp_ = 0, active_ = 0, passive_ = 0;
	SetupView setup_view_;
};

FuzzEngine::FuzzEngine(std::uint8_t config) : config_(config)
{
	toe_user_clock_set(1'000'000);
	toe_user_random_seed(0x5eed);
	toe_engine_config cfg;
	toe_engine_config_defaults(&cfg);
	std::memcpy(cfg.mac, engine_mac, 6);
	cfg.vlan_id = (config & cfg_vlan) ? fuzz_vlan_id : 0;
	cfg.local_ips[0] = engine_ip;
	cfg.nr_local_ips = 1;
	// A small pool: cheap to create per input, quick to run dry, and
	// small cells make segments span several buflets.
	cfg.buflet_count = 64;
	cfg.buflet_size = 512;
	cfg.sock_buflets_max = 32;
	cfg.max_sockets = 32;
	cfg.syn_queue_max = 8;
	cfg.time_wait_max = 8;
	cfg.sock_named_max = 8;
	cfg.sock_send_max = 8;
	cfg.sock_accept_max = 4;
	cfg.owner_anon_max = 8;
	cfg.isn_secret[0] = 0x1234;
	cfg.isn_secret[1] = 0x5678;
	cfg.random_seed = 0x9abc;
	if (config & cfg_tx_offload) {
		cfg.tx_features = TOE_TXF_CSUM_PARTIAL | TOE_TXF_GSO_TCPV4;
		cfg.gso_max_size = 16384;
	} else {
		cfg.tx_features = 0;
		cfg.gso_max_size = 0;
	}
	static const toe_port_ops ops = {
		.xmit = &FuzzEngine::port_xmit,
		.event = &FuzzEngine::port_event,
		.resolve_l2 = &FuzzEngine::port_resolve,
	};
	if (toe_engine_create(&cfg, &ops, this, &eng_) != 0)
		violation("toe_engine_create failed on a valid configuration");
}

FuzzEngine::~FuzzEngine()
{
	if (eng_)
		toe_engine_destroy(eng_);
}

int FuzzEngine::port_xmit(void *port, const toe_tx_frame *f)
{
	static_cast<FuzzEngine *>(port)->on_tx(*f);
	return 0;
}

void FuzzEngine::port_event(void *port, std::uint32_t owner,
			    const toe_event *ev)
{
	static_cast<FuzzEngine *>(port)->on_event(owner, *ev);
}

int FuzzEngine::port_resolve(void *port, std::uint32_t ip, std::uint8_t mac[6])
{
	(void)port;
	if (ip == peer_ip) {
		std::memcpy(mac, peer_mac, 6);
		return 0;
	}
	return ip == pending_ip ? -EAGAIN : -EHOSTUNREACH;
}

void FuzzEngine::on_tx(const toe_tx_frame &f)
{
	auto frames = testnet::frames_for_wire(f, tx_check_, true);
	if (tx_check_.problems())
		violation("malformed transmit: " + tx_check_.first_problem);
	for (auto &frame : frames) {
		if (tracing())
			std::fprintf(stderr, "tx: %s\n",
				     testnet::describe_frame(frame).c_str());
		auto info = testnet::parse_frame(frame);
		if (!info)
			violation("runt transmit");
		if (std::memcmp(info->src_mac, engine_mac, 6) != 0)
			violation("transmit with a foreign source MAC: " +
				  testnet::describe_frame(frame));
		bool want_tag = config_ & cfg_vlan;
		if (info->vlan_tagged != want_tag ||
		    (want_tag && info->vlan_id != fuzz_vlan_id))
			violation("transmit with the wrong VLAN tag: " +
				  testnet::describe_frame(frame));
		if (info->is_tcp &&
		    info->tcp_flags == (testnet::tcpflag::syn | testnet::tcpflag::ack))
			synack_isn_[info->dst_port] = info->seq;
		if (info->is_tcp) {
			// Remember the engine's last TSval for the peer's TSecr.
			const std::uint8_t *opt = frame.data() + info->l4_off + 20;
			std::size_t len = info->payload_off - info->l4_off - 20;
			for (std::size_t i = 0; i < len;) {
				if (opt[i] == 0)
					break;
				if (opt[i] == 1) {
					i++;
					continue;
				}
				if (i + 1 >= len || opt[i + 1] < 2 ||
				    i + opt[i + 1] > len)
					break;
				if (opt[i] == 8 && opt[i + 1] == 10)
					engine_tsval_[info->src_port] =
						testnet::load_be32(opt + i + 2);
				i += opt[i + 1];
			}
		}
		if (log_tx_)
			tx_log_.push_back(std::move(frame));
	}
}

Handle *FuzzEngine::find(std::uint32_t value)
{
	for (Handle &h : handles_)
		if (h.value == value)
			return &h;
	return nullptr;
}

Handle &FuzzEngine::track(std::uint32_t value, std::uint32_t owner, int proto)
{
	if (Handle *h = find(value)) {
		if (!h->dead)
			violation("a live handle was handed out twice");
		// A slot may be reused, but the handle value must not be.
		violation("a dead handle value was reused: " +
			  std::to_string(value));
	}
	handles_.push_back({value, owner, proto, false, false});
	return handles_.back();
}

void FuzzEngine::on_event(std::uint32_t owner, const toe_event &ev)
{
	if (tracing())
		std::fprintf(stderr, "event owner %u: %s\n", owner,
			     testnet::describe_event(ev).c_str());
	if (owner != owner_one && owner != owner_two)
		violation("event for an owner that has no sockets");
	if (ev.type == TOE_EV_ACCEPT) {
		Handle *listener = find(ev.parent);
		if (!listener || listener->owner != owner)
			violation("ACCEPT for another owner's listener");
		if (!accepts_.erase({owner, ev.sock_ref}))
			violation("ACCEPT for an unknown accept request: " +
				  testnet::describe_event(ev));
		if (ev.status != 0) {
			// The request was cancelled (listener closed, owner
			// released): no socket comes with it.
			if (ev.sock != TOE_HANDLE_NONE)
				violation("failed ACCEPT with a socket: " +
					  testnet::describe_event(ev));
			return;
		}
		track(ev.sock, owner, TOE_PROTO_TCP);
		return;
	}
	if (ev.type == TOE_EV_RECV_ANON && ev.sock == TOE_HANDLE_NONE) {
		// An unused anonymous buffer returned on owner release.
		if (!anon_.erase({owner, ev.anon_id}))
			violation("unknown anonymous buffer returned");
		return;
	}
	Handle *h = find(ev.sock);
	if (!h)
		violation("event for an unknown handle: " +
			  testnet::describe_event(ev));
	if (h->owner != owner)
		violation("event delivered to the wrong owner: " +
			  testnet::describe_event(ev));
	if (h->closed_event)
		violation("event after CLOSED: " + testnet::describe_event(ev));
	switch (ev.type) {
	case TOE_EV_RECV: {
		auto it = posted_.find({owner, ev.buf_ref});
		if (it == posted_.end() || it->second.sock != ev.sock)
			violation("unknown named buffer returned: " +
				  testnet::describe_event(ev));
		if (ev.bytes > it->second.len)
			violation("named buffer returned overfull: " +
				  testnet::describe_event(ev));
		posted_.erase(it);
		break;
	}
	case TOE_EV_SEND: {
		auto it = sends_.find({owner, ev.buf_ref});
		if (it == sends_.end() || it->second.sock != ev.sock)
			violation("unknown send completed: " +
				  testnet::describe_event(ev));
		if (ev.status == 0 && ev.bytes != it->second.len)
			violation("send completed with the wrong byte count: " +
				  testnet::describe_event(ev));
		sends_.erase(it);
		break;
	}
	case TOE_EV_RECV_ANON: {
		auto it = anon_.find({owner, ev.anon_id});
		if (it == anon_.end())
			violation("unknown anonymous buffer returned");
		if (ev.bytes > it->second)
			violation("anonymous buffer returned overfull");
		anon_.erase(it);
		break;
	}
	case TOE_EV_CLOSED:
		h->closed_event = true;
		h->dead = true;
		break;
	case TOE_EV_CONNECTED:
	case TOE_EV_PEER_CLOSED:
	case TOE_EV_ERROR:
		break;
	default:
		violation("unknown event type " + std::to_string(ev.type));
	}
}

testnet::FrameSpec FuzzEngine::spec_from_peer(std::uint16_t peer_port,
					      std::uint16_t engine_port) const
{
	testnet::FrameSpec spec;
	std::memcpy(spec.dst_mac, engine_mac, 6);
	std::memcpy(spec.src_mac, peer_mac, 6);
	spec.vlan_id = (config_ & cfg_vlan) ? fuzz_vlan_id : 0;
	spec.src_ip = peer_ip;
	spec.dst_ip = engine_ip;
	spec.src_port = peer_port;
	spec.dst_port = engine_port;
	return spec;
}

std::vector<std::uint8_t> FuzzEngine::peer_options(bool syn, bool timestamps,
						   std::uint16_t engine_port) const
{
	std::vector<std::uint8_t> opt;
	if (syn) {
		opt.insert(opt.end(), {2, 4, 0x05, 0xb4}); // MSS 1460
		opt.insert(opt.end(), {1, 3, 3, 7}); // NOP, window scale 7
	}
	if (timestamps) {
		std::uint32_t tsval = peer_tsval_base +
				      std::uint32_t(toe_os_now_us() / 1000);
		auto it = engine_tsval_.find(engine_port);
		std::uint32_t tsecr = it == engine_tsval_.end() ? 0 : it->second;
		opt.insert(opt.end(), {1, 1, 8, 10});
		opt.resize(opt.size() + 8);
		testnet::store_be32(&opt[opt.size() - 8], tsval);
		testnet::store_be32(&opt[opt.size() - 4], tsecr);
	}
	return opt;
}

void FuzzEngine::input(const Bytes &frame, std::uint32_t rx_flags,
		       std::uint8_t cut)
{
	if (tracing())
		std::fprintf(stderr, "rx: %s\n", testnet::describe_frame(frame).c_str());
	std::uint32_t cuts[2] = {cut, 2u * cut};
	testnet::input_frame(eng_, frame, rx_flags,
			     cut ? std::span<const std::uint32_t>(cuts)
				 : std::span<const std::uint32_t>());
}

void FuzzEngine::run_timers()
{
	for (unsigned i = 0; i < max_polls; i++) {
		if (toe_engine_next_deadline_us(eng_) > toe_os_now_us())
			return;
		toe_engine_poll(eng_);
	}
	violation("a timer deadline stays in the past after polling");
}

void FuzzEngine::setup()
{
	int rc = toe_sock_create(eng_, owner_one, TOE_PROTO_TCP, 1, &listener_);
	if (rc == 0) {
		track(listener_, owner_one, TOE_PROTO_TCP);
		toe_sock_bind(eng_, owner_one, listener_, engine_ip, listen_port);
		toe_sock_listen(eng_, owner_one, listener_, 4);
		for (std::uint64_t ref : {2, 3})
			if (toe_sock_accept(eng_, owner_one, listener_, ref) == 0)
				accepts_.insert({owner_one, ref});
	}
	if (toe_sock_create(eng_, owner_one, TOE_PROTO_UDP, 4, &udp_) == 0) {
		track(udp_, owner_one, TOE_PROTO_UDP);
		toe_sock_bind(eng_, owner_one, udp_, engine_ip, udp_port);
	}

	// The engine opens a connection; the peer answers with timestamps.
	tx_log_.clear();
	if (toe_sock_create(eng_, owner_one, TOE_PROTO_TCP, 5, &active_) == 0) {
		track(active_, owner_one, TOE_PROTO_TCP);
		toe_sock_connect(eng_, owner_one, active_, peer_ip,
				 active_peer_port);
	}
	for (const Bytes &frame : tx_log_) {
		auto info = testnet::parse_frame(frame);
		if (!info || !info->is_tcp || info->tcp_flags != testnet::tcpflag::syn)
			continue;
		setup_view_.active_local_port = info->src_port;
		setup_view_.active_engine_isn = info->seq;
		auto spec = spec_from_peer(active_peer_port, info->src_port);
		auto options = peer_options(true, true, info->src_port);
		input(testnet::build_tcp_frame(
			spec, active_peer_isn, info->seq + 1,
			testnet::tcpflag::syn | testnet::tcpflag::ack, 65535,
			options, {}));
		break;
	}

	// The peer opens one to the listener, without timestamps.
	tx_log_.clear();
	auto spec = spec_from_peer(passive_peer_port, listen_port);
	input(testnet::build_tcp_frame(spec, passive_peer_isn, 0,
				       testnet::tcpflag::syn, 65535,
				       peer_options(true, false, listen_port), {}));
	for (const Bytes &frame : tx_log_) {
		auto info = testnet::parse_frame(frame);
		if (!info || !info->is_tcp ||
		    info->tcp_flags != (testnet::tcpflag::syn | testnet::tcpflag::ack))
			continue;
		setup_view_.passive_engine_isn = info->seq;
		input(testnet::build_tcp_frame(spec, passive_peer_isn + 1,
					       info->seq + 1, testnet::tcpflag::ack,
					       8192, {}, {}));
		break;
	}
	for (const Handle &h : handles_)
		if (h.value != listener_ && h.value != udp_ && h.value != active_)
			passive_ = h.value;

	// Named buffers and queued data on both connections and the UDP
	// socket, so that data, ACKs and closes have something to act on.
	for (std::uint32_t sock : {active_, passive_, udp_}) {
		if (!sock)
			continue;
		for (std::uint32_t i = 0; i < 2; i++) {
			toe_named_buffer_req req{};
			req.mem = memory_of(owner_one).recv.mem();
			req.offset = (next_ref_ % 32) * 4096;
			req.length = 4096;
			req.user_ref = next_ref_++;
			posted_[{owner_one, req.user_ref}] = {sock, req.length};
			if (toe_sock_post_buffer(eng_, owner_one, sock, &req) != 0)
				posted_.erase({owner_one, req.user_ref});
		}
	}
	for (std::uint32_t sock : {active_, passive_}) {
		if (!sock)
			continue;
		toe_send_req req{};
		req.mem = memory_of(owner_one).send.mem();
		req.offset = 0;
		req.length = 3000;
		req.user_ref = next_ref_++;
		sends_[{owner_one, req.user_ref}] = {sock, req.length};
		if (toe_sock_send(eng_, owner_one, sock, &req) != 0)
			sends_.erase({owner_one, req.user_ref});
	}
	log_tx_ = false;
	tx_log_.clear();
}

void FuzzEngine::record_raw(Reader &in)
{
	std::uint16_t len = in.u16();
	std::uint8_t flags = in.u8();
	std::uint8_t cut = in.u8();
	auto bytes = in.bytes(len);
	Bytes frame(bytes.begin(), bytes.end());
	if (flags & 2)
		testnet::fill_checksums(frame);
	input(frame, (flags & 1) ? TOE_RX_CSUM_VERIFIED : 0, cut);
}

void FuzzEngine::record_tcp(Reader &in, unsigned target)
{
	std::uint8_t flags = in.u8();
	auto seq_delta = std::int16_t(in.u16());
	auto ack_delta = std::int16_t(in.u16());
	std::uint16_t window = in.u16();
	std::uint8_t misc = in.u8();
	auto extra_options = in.bytes(std::min<std::size_t>(misc >> 2, 40));
	std::uint16_t payload_len = std::min<std::uint16_t>(in.u16(), 9000);
	auto payload_bytes = in.bytes(payload_len);
	Bytes payload(payload_bytes.begin(), payload_bytes.end());
	payload.resize(payload_len, 0x5a);

	std::uint16_t peer_port, engine_port;
	std::uint32_t seq = 50000, ack = 0;
	std::uint32_t sock = 0;
	switch (target & 7) {
	case 0:
		peer_port = active_peer_port;
		engine_port = setup_view_.active_local_port;
		sock = active_;
		break;
	case 1:
		peer_port = passive_peer_port;
		engine_port = listen_port;
		sock = passive_;
		break;
	case 2: { // a new tuple for the listener
		peer_port = std::uint16_t(passive_peer_port + 1 + (target >> 3));
		engine_port = listen_port;
		auto isn = synack_isn_.find(peer_port);
		if (isn != synack_isn_.end())
			ack = isn->second;
		break;
	}
	case 3: // a port nobody listens on
		peer_port = 7777;
		engine_port = 81;
		break;
	default: { // the newest connection a host request opened
		toe_sock_info newest;
		if (!newest_tcp_ ||
		    toe_sock_get_info(eng_, newest_tcp_, &newest) != 0)
			return;
		peer_port = newest.remote_port;
		engine_port = newest.local_port;
		sock = newest_tcp_;
		break;
	}
	}
	toe_sock_info info;
	if (sock && toe_sock_get_info(eng_, sock, &info) == 0) {
		seq = info.rcv_nxt;
		ack = (misc & 2) ? info.snd_nxt : info.snd_una;
	}
	auto options = peer_options(false, misc & 1, engine_port);
	options.insert(options.end(), extra_options.begin(), extra_options.end());
	if (options.size() > 40)
		options.resize(40);
	input(testnet::build_tcp_frame(spec_from_peer(peer_port, engine_port),
				       seq + std::uint32_t(std::int32_t(seq_delta)),
				       ack + std::uint32_t(std::int32_t(ack_delta)),
				       flags, window, options, payload));
}

void FuzzEngine::record_udp(Reader &in, unsigned choice)
{
	std::uint16_t len = std::min<std::uint16_t>(in.u16(), 9000);
	auto bytes = in.bytes(len);
	Bytes payload(bytes.begin(), bytes.end());
	payload.resize(len, 0xa5);
	auto spec = spec_from_peer(4000, (choice & 1) ? udp_port + 1 : udp_port);
	if (choice & 2)
		spec.src_port = 0;
	Bytes frame = testnet::build_udp_frame(spec, payload);
	if (choice & 4) { // a zero UDP checksum means "none"
		auto info = testnet::parse_frame(frame);
		testnet::store_be16(&frame[info->l4_off + 6], 0);
	}
	input(frame);
}

void FuzzEngine::check_request(const char *what, int rc, const Handle *target,
			       std::uint32_t owner)
{
	if (rc > 0)
		violation(std::string(what) + " returned a positive value");
	if (!target)
		return;
	if ((target->dead || target->owner != owner) && rc != -ENOENT)
		violation(std::string(what) + " on a " +
			  (target->dead ? "dead" : "foreign") +
			  " handle returned " + std::to_string(rc) +
			  " instead of -ENOENT");
}

void FuzzEngine::record_host(Reader &in)
{
	std::uint8_t request = in.u8();
	std::uint8_t target_index = in.u8();
	std::uint8_t owner_choice = in.u8();

	Handle *target = nullptr;
	std::uint32_t h = 0xdead0000u | target_index;
	if (!handles_.empty() && target_index < 0xf0) {
		target = &handles_[target_index % handles_.size()];
		h = target->value;
	}
	// What a request may do depends on the handle's state before it:
	// CLOSED may arrive inside the call.
	Handle before = target ? *target : Handle{};
	const Handle *checked = target ? &before : nullptr;
	std::uint32_t owner = target ? target->owner : owner_one;
	if (owner_choice == 1)
		owner = owner_one;
	else if (owner_choice == 2)
		owner = owner_two;
	else if (owner_choice == 3)
		owner = TOE_OWNER_NONE;
	OwnerMemory &mem = memory_of(owner);
	int rc = 0;

	switch (request % 14) {
	case 0: { // post a named buffer
		toe_named_buffer_req req{};
		req.mem = mem.recv.mem();
		req.offset = in.u16() * 2u;
		req.length = in.u16();
		req.threshold = in.u16();
		req.timeout_ms = in.u8() * 10u;
		req.user_ref = next_ref_++;
		// Recorded first: parked data may return it inside the call.
		posted_[{owner, req.user_ref}] = {h, req.length};
		rc = toe_sock_post_buffer(eng_, owner, h, &req);
		check_request("post_buffer", rc, checked, owner);
		if (rc != 0)
			posted_.erase({owner, req.user_ref});
		break;
	}
	case 1: { // send
		toe_send_req req{};
		req.mem = mem.send.mem();
		req.offset = in.u16() * 2u;
		req.length = in.u16();
		req.flags = in.u8() & 1;
		std::uint8_t dst = in.u8();
		req.dst_ip = (dst & 1) ? pending_ip : peer_ip;
		req.dst_port = std::uint16_t(4000 + (dst >> 1));
		req.user_ref = next_ref_++;
		// Recorded first: a UDP send completes inside the call.
		sends_[{owner, req.user_ref}] = {h, req.length};
		rc = toe_sock_send(eng_, owner, h, &req);
		check_request("send", rc, checked, owner);
		if (rc != 0)
			sends_.erase({owner, req.user_ref});
		break;
	}
	case 2:
		rc = toe_sock_shutdown(eng_, owner, h, in.u8() % 4);
		check_request("shutdown", rc, checked, owner);
		break;
	case 3:
		rc = toe_sock_close(eng_, owner, h);
		check_request("close", rc, checked, owner);
		if (rc == 0 && target)
			target->dead = true;
		break;
	case 4:
		rc = toe_sock_abort(eng_, owner, h);
		check_request("abort", rc, checked, owner);
		if (rc == 0 && target)
			target->dead = true;
		break;
	case 5: {
		int opt = in.u8() % 14;
		std::uint64_t value = in.u32();
		rc = toe_sock_setopt(eng_, owner, h, opt, value);
		check_request("setopt", rc, checked, owner);
		break;
	}
	case 6: {
		std::uint64_t ref = next_ref_++;
		// Inserted first: the ACCEPT may come inside the call.
		accepts_.insert({owner, ref});
		rc = toe_sock_accept(eng_, owner, h, ref);
		check_request("accept", rc, checked, owner);
		if (rc != 0)
			accepts_.erase({owner, ref});
		break;
	}
	case 7: { // a new connection
		std::uint8_t dst = in.u8();
		std::uint16_t port = in.u16();
		std::uint32_t sock;
		if (toe_sock_create(eng_, owner, TOE_PROTO_TCP, next_ref_++,
				    &sock) == 0) {
			if (owner == TOE_OWNER_NONE)
				violation("socket created for TOE_OWNER_NONE");
			track(sock, owner, TOE_PROTO_TCP);
			newest_tcp_ = sock;
			static const std::uint32_t dsts[4] = {peer_ip, pending_ip,
							      0x0b000001, engine_ip};
			toe_sock_connect(eng_, owner, sock, dsts[dst & 3], port);
		}
		break;
	}
	case 8: { // a new UDP socket
		std::uint16_t port = in.u16();
		std::uint8_t ip_choice = in.u8();
		std::uint32_t sock;
		if (toe_sock_create(eng_, owner, TOE_PROTO_UDP, next_ref_++,
				    &sock) == 0) {
			if (owner == TOE_OWNER_NONE)
				violation("socket created for TOE_OWNER_NONE");
			track(sock, owner, TOE_PROTO_UDP);
			static const std::uint32_t ips[3] = {0, engine_ip, peer_ip};
			toe_sock_bind(eng_, owner, sock, ips[ip_choice % 3], port);
		}
		break;
	}
	case 9: { // an anonymous buffer
		std::uint64_t off = in.u16() * 2u;
		std::uint32_t len = in.u16();
		std::uint32_t id = in.u8();
		bool known = anon_.count({owner, id});
		if (!known)
			anon_[{owner, id}] = len;
		rc = toe_anon_provide(eng_, owner, mem.anon.mem(), off, len, id);
		if (rc == 0 && known)
			violation("anon_provide accepted a duplicate id");
		if (rc != 0 && !known)
			anon_.erase({owner, id});
		break;
	}
	case 10: {
		std::uint64_t value;
		rc = toe_sock_getopt(eng_, owner, h, in.u8() % 14, &value);
		check_request("getopt", rc, checked, owner);
		break;
	}
	case 11:
		if (owner == TOE_OWNER_NONE)
			break;
		toe_owner_release(eng_, owner);
		for (Handle &handle : handles_)
			if (handle.owner == owner && !handle.closed_event)
				violation("owner release left a socket without "
					  "its CLOSED event");
		for (auto *pending : {&posted_, &sends_})
			for (auto &entry : *pending)
				if (entry.first.first == owner)
					violation("owner release kept a buffer or "
						  "send request");
		break;
	case 12:
		rc = toe_sock_listen(eng_, owner, h, in.u8());
		check_request("listen", rc, checked, owner);
		break;
	case 13: {
		std::uint8_t ip_choice = in.u8();
		std::uint16_t port = in.u16();
		static const std::uint32_t ips[3] = {0, engine_ip, peer_ip};
		rc = toe_sock_bind(eng_, owner, h, ips[ip_choice % 3], port);
		check_request("bind", rc, checked, owner);
		break;
	}
	}
}

// What toectl would show must agree with what the host was told: every
// socket once, with its owner; every posted buffer of the host's that has
// not come back, and nothing else.
void FuzzEngine::check_introspection()
{
	std::set<std::uint32_t> seen;
	std::uint32_t cursor = 0;
	toe_sock_info info;
	while (toe_sock_iter_next(eng_, &cursor, &info) == 0) {
		if (!seen.insert(info.handle).second)
			violation("socket iterator returned a socket twice");
		if (seen.size() > 4096)
			violation("socket iterator does not end");
		Handle *h = find(info.handle);
		if (h && !h->dead && info.owner != h->owner)
			violation("socket info names the wrong owner");
		std::uint32_t buffers = 0, buf_cursor = 0;
		toe_buffer_info buf;
		while (toe_sock_buffer_iter_next(eng_, info.handle, &buf_cursor,
						 &buf) == 0) {
			if (++buffers > 1024)
				violation("buffer iterator does not end");
			if (info.owner == TOE_OWNER_NONE)
				continue;
			auto it = posted_.find({info.owner, buf.user_ref});
			if (it == posted_.end() || it->second.sock != info.handle)
				violation("buffer iterator shows a buffer the host "
					  "does not have posted there");
			if (buf.bytes > buf.length)
				violation("buffer iterator shows an overfull buffer");
		}
		if (buffers != info.named_pending)
			violation("named_pending disagrees with the buffer iterator");
	}
	toe_engine_counters c;
	toe_engine_get_counters(eng_, &c);
	if (c.sockets != seen.size())
		violation("counters.sockets " + std::to_string(c.sockets) +
			  " but the iterator shows " + std::to_string(seen.size()));
}

void FuzzEngine::run_record(Reader &in)
{
	std::uint8_t head = in.u8();
	unsigned sub = head >> 4;
	switch (FuzzOp(head & 0x0f)) {
	case FuzzOp::raw_frame:
		record_raw(in);
		break;
	case FuzzOp::tcp_segment:
		record_tcp(in, sub);
		break;
	case FuzzOp::udp_datagram:
		record_udp(in, sub);
		break;
	case FuzzOp::advance_clock:
		toe_user_clock_advance(in.u32());
		break;
	case FuzzOp::host_request:
		record_host(in);
		break;
	default:
		return;
	}
	run_timers();
	check_introspection();
}

void FuzzEngine::finish()
{
	toe_engine_counters c;
	toe_engine_get_counters(eng_, &c);
	if (c.buflets_free + c.buflets_in_use != c.buflets_total)
		violation("buflet accounting: " + testnet::describe_counters(c));

	toe_owner_release(eng_, owner_one);
	toe_owner_release(eng_, owner_two);
	for (const Handle &h : handles_)
		if (!h.closed_event)
			violation("socket " + std::to_string(h.value) +
				  " got no CLOSED event by owner release");
	if (!posted_.empty())
		violation(std::to_string(posted_.size()) +
			  " named buffers never came back");
	if (!sends_.empty())
		violation(std::to_string(sends_.size()) +
			  " send requests never completed");
	if (!anon_.empty())
		violation(std::to_string(anon_.size()) +
			  " anonymous buffers never came back");
	if (!accepts_.empty())
		violation(std::to_string(accepts_.size()) +
			  " accept requests never completed");
	for (std::uint32_t owner : {owner_one, owner_two}) {
		OwnerMemory &mem = memory_of(owner);
		if (mem.recv.engine_refs() || mem.send.engine_refs() ||
		    mem.anon.engine_refs())
			violation("host memory still referenced after owner release");
	}
	// Let the rest run down (TIME_WAIT, retransmissions of RSTs...).
	toe_user_clock_advance(3600ull * 1'000'000);
	run_timers();
}

} // namespace

void run_one_input(std::span<const std::uint8_t> input)
{
	static bool quiet = [] {
		toe_user_log_level = -1;
		return true;
	}();
	(void)quiet;
	Reader in(input);
	FuzzEngine target(in.u8());
	target.setup();
	for (unsigned i = 0; i < max_records && !in.empty(); i++)
		target.run_record(in);
	target.finish();
}

SetupView describe_setup(std::uint8_t config)
{
	FuzzEngine target(config);
	target.setup();
	SetupView view = target.view();
	target.finish();
	return view;
}

SeedWriter &SeedWriter::raw_frame(std::span<const std::uint8_t> frame,
				  std::uint8_t rx_flags, std::uint8_t cut)
{
	bytes_.push_back(std::uint8_t(FuzzOp::raw_frame));
	u16(std::uint16_t(frame.size()));
	bytes_.push_back(rx_flags);
	bytes_.push_back(cut);
	bytes_.insert(bytes_.end(), frame.begin(), frame.end());
	return *this;
}

SeedWriter &SeedWriter::tcp_segment(unsigned target, std::uint8_t flags,
				    std::int16_t seq_delta,
				    std::int16_t ack_delta, std::uint16_t window,
				    bool timestamps,
				    std::span<const std::uint8_t> options,
				    std::span<const std::uint8_t> payload)
{
	bytes_.push_back(std::uint8_t(std::uint8_t(FuzzOp::tcp_segment) |
				      (target & 0x0f) << 4));
	bytes_.push_back(flags);
	u16(std::uint16_t(seq_delta));
	u16(std::uint16_t(ack_delta));
	u16(window);
	std::size_t opt_len = std::min<std::size_t>(options.size(), 40);
	bytes_.push_back(std::uint8_t(opt_len << 2 | (timestamps ? 1 : 0)));
	bytes_.insert(bytes_.end(), options.begin(), options.begin() + opt_len);
	u16(std::uint16_t(payload.size()));
	bytes_.insert(bytes_.end(), payload.begin(), payload.end());
	return *this;
}

SeedWriter &SeedWriter::udp_datagram(unsigned port_choice,
				     std::span<const std::uint8_t> payload)
{
	bytes_.push_back(std::uint8_t(std::uint8_t(FuzzOp::udp_datagram) |
				      (port_choice & 0x0f) << 4));
	u16(std::uint16_t(payload.size()));
	bytes_.insert(bytes_.end(), payload.begin(), payload.end());
	return *this;
}

SeedWriter &SeedWriter::advance_clock(std::uint32_t us)
{
	bytes_.push_back(std::uint8_t(FuzzOp::advance_clock));
	u16(std::uint16_t(us >> 16));
	u16(std::uint16_t(us));
	return *this;
}

SeedWriter &SeedWriter::host_request(std::uint8_t request, std::uint8_t target,
				     std::uint8_t owner,
				     std::span<const std::uint8_t> args)
{
	bytes_.push_back(std::uint8_t(FuzzOp::host_request));
	bytes_.push_back(request);
	bytes_.push_back(target);
	bytes_.push_back(owner);
	bytes_.insert(bytes_.end(), args.begin(), args.end());
	return *this;
}

void SeedWriter::u16(std::uint16_t v)
{
	bytes_.push_back(std::uint8_t(v >> 8));
	bytes_.push_back(std::uint8_t(v));
}

} // namespace toe::fuzz

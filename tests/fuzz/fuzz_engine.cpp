#include "fuzz_target.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace toe::fuzz {
namespace detail {

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

OwnerMemory &memory_of(std::uint32_t owner)
{
	static OwnerMemory one, two;
	return owner == owner_two ? two : one;
}

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
		.trace = nullptr,
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

void FuzzEngine::finish()
{
	toe_engine_counters c;
	toe_engine_get_counters(eng_, &c);
	if (c.buflets_free + c.buflets_in_use != c.buflets_total)
		violation("buflet accounting: " + testnet::describe_counters(c));

	toe_owner_release(eng_, owner_one, -ECONNABORTED);
	toe_owner_release(eng_, owner_two, -ECONNABORTED);
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

} // namespace detail

using detail::FuzzEngine;
using detail::Reader;
using detail::max_records;


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


} // namespace toe::fuzz

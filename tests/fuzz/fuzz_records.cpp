// Decoding a fuzz input's records into frames, clock advances and host
// requests (the formats are in README.md), and judging the requests.
#include "fuzz_target.hpp"

#include <cstring>

namespace toe::fuzz::detail {

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
		toe_owner_release(eng_, owner, -ECONNABORTED);
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

} // namespace toe::fuzz::detail

#include "engine_port.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace toe::testnet {

HostRegion::HostRegion(std::size_t len) : storage_(len)
{
	toe_user_mem_init(&mem_, storage_.data(), storage_.size());
}

namespace {

void note(TxCheck &check, std::uint64_t &counter, const std::string &what,
	  const Bytes &frame)
{
	counter++;
	if (check.first_problem.empty())
		check.first_problem = what + ": " + describe_frame(frame);
}

// The value Linux expects in the checksum field of a CHECKSUM_PARTIAL
// TCP/UDP packet: the folded, uncomplemented pseudo-header sum over the
// whole L4 length (GSO adjusts it per segment from there).
std::uint16_t expected_pseudo_seed(const FrameInfo &info,
				   std::size_t l4_len)
{
	std::uint32_t sum = pseudo_header_sum(info.src_ip, info.dst_ip,
					      info.proto,
					      std::uint32_t(l4_len));
	return std::uint16_t(~csum_fold(sum));
}

} // namespace

std::vector<Bytes> frames_for_wire(const toe_tx_frame &f, TxCheck &check,
				   bool keep_super_frames)
{
	check.frames++;
	Bytes frame(f.hdr, f.hdr + std::min<std::uint32_t>(f.hdr_len,
							   TOE_TX_HDR_MAX));
	if (f.hdr_len > TOE_TX_HDR_MAX || f.nr_frags > TOE_TX_MAX_FRAGS) {
		note(check, check.bad_fragment, "header or fragment count too big",
		     frame);
		return {};
	}
	std::uint64_t payload = 0;
	for (std::uint32_t i = 0; i < f.nr_frags; i++) {
		const toe_tx_frag &frag = f.frags[i];
		if (!frag.mem ||
		    !toe_os_mem_range_ok(frag.mem, frag.off, frag.len)) {
			note(check, check.bad_fragment,
			     "fragment outside its region", frame);
			return {};
		}
		const std::uint8_t *src = frag.mem->base + frag.off;
		frame.insert(frame.end(), src, src + frag.len);
		payload += frag.len;
	}
	if (payload != f.payload_len)
		note(check, check.bad_length, "payload_len disagrees with fragments",
		     frame);

	auto info = parse_frame(frame);
	if (!info || !info->is_ipv4) {
		note(check, check.bad_length, "not an IPv4 frame", frame);
		return {frame};
	}
	if (info->l3_off != f.l3_off || info->l4_off != f.l4_off)
		note(check, check.bad_length, "l3_off/l4_off disagree with headers",
		     frame);
	if (info->l3_off + info->ip_total_len != frame.size())
		note(check, check.bad_length, "IP total length disagrees", frame);
	std::size_t ihl = info->l4_off - info->l3_off;
	if (csum_fold(csum_partial(
		    std::span(frame).subspan(info->l3_off, ihl))) != 0)
		note(check, check.bad_ip_csum, "bad IP header checksum", frame);

	bool gso = f.gso_size != 0;
	if (gso && (!(f.flags & TOE_TX_GSO_TCPV4) || !info->is_tcp))
		note(check, check.bad_gso, "gso_size on a non-TCP-GSO frame",
		     frame);

	if (f.flags & TOE_TX_CSUM_PARTIAL) {
		std::size_t field = std::size_t(f.csum_start) + f.csum_offset;
		if (f.csum_start != info->l4_off || field + 2 > frame.size()) {
			note(check, check.bad_pseudo_seed,
			     "csum_start/csum_offset wrong", frame);
		} else {
			std::size_t l4_len = frame.size() - info->l4_off;
			if (load_be16(&frame[field]) !=
			    expected_pseudo_seed(*info, l4_len))
				note(check, check.bad_pseudo_seed,
				     "partial checksum seed", frame);
			complete_partial_checksum(frame, f.csum_start,
						  f.csum_offset);
		}
	} else if (!checksums_valid(frame)) {
		note(check, check.bad_l4_csum, "bad L4 checksum", frame);
	}

	if (gso && !keep_super_frames)
		return segment_frame(frame, f.gso_size);
	return {frame};
}

int input_frame(toe_engine *eng, std::span<const std::uint8_t> frame,
		std::uint32_t rx_flags,
		std::span<const std::uint32_t> cut_points)
{
	toe_rx_seg segs[8];
	std::uint32_t nr = 0;
	std::uint32_t start = 0;
	for (std::uint32_t cut : cut_points) {
		if (nr + 1 >= std::size(segs))
			break;
		if (cut <= start || cut >= frame.size())
			continue;
		segs[nr++] = {frame.data() + start, cut - start};
		start = cut;
	}
	segs[nr++] = {frame.data() + start,
		      std::uint32_t(frame.size() - start)};
	toe_rx_frame rx{};
	rx.segs = segs;
	rx.nr_segs = nr;
	rx.len = std::uint32_t(frame.size());
	rx.flags = rx_flags;
	return toe_engine_input(eng, &rx);
}

const char *event_type_name(unsigned type)
{
	switch (type) {
	case TOE_EV_CONNECTED: return "CONNECTED";
	case TOE_EV_ACCEPT: return "ACCEPT";
	case TOE_EV_RECV: return "RECV";
	case TOE_EV_RECV_ANON: return "RECV_ANON";
	case TOE_EV_SEND: return "SEND";
	case TOE_EV_PEER_CLOSED: return "PEER_CLOSED";
	case TOE_EV_CLOSED: return "CLOSED";
	case TOE_EV_ERROR: return "ERROR";
	}
	return "?";
}

const char *return_reason_name(unsigned reason)
{
	switch (reason) {
	case 0: return "-";
	case TOE_RET_THRESHOLD: return "threshold";
	case TOE_RET_FULL: return "full";
	case TOE_RET_PSH: return "psh";
	case TOE_RET_URG: return "urg";
	case TOE_RET_FIN: return "fin";
	case TOE_RET_RST: return "rst";
	case TOE_RET_TIMEOUT: return "timeout";
	case TOE_RET_CLOSED: return "closed";
	case TOE_RET_DATAGRAM: return "datagram";
	}
	return "?";
}

const char *tcp_state_name(unsigned state)
{
	static const char *const names[] = {
		"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECEIVED",
		"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
		"CLOSING",     "LAST_ACK",   "TIME_WAIT",
	};
	return state < std::size(names) ? names[state] : "?";
}

std::string describe_event(const toe_event &ev)
{
	char line[320];
	std::snprintf(line, sizeof(line),
		      "%s sock %#x ref %" PRIu64 " status %d buf_ref %" PRIu64
		      " bytes %" PRIu64 " reason %s",
		      event_type_name(ev.type), ev.sock, ev.sock_ref, ev.status,
		      ev.buf_ref, ev.bytes, return_reason_name(ev.reason));
	std::string text = line;
	if (ev.type == TOE_EV_ACCEPT)
		text += " parent " + std::to_string(ev.parent);
	if (ev.peer_ip)
		text += " peer " + ip_to_string(ev.peer_ip) + ":" +
			std::to_string(ev.peer_port);
	if (ev.flags & TOE_EVF_TRUNCATED)
		text += " truncated";
	return text;
}

std::string describe_sock(const toe_sock_info &s)
{
	char line[512];
	std::snprintf(
		line, sizeof(line),
		"sock %#x owner %u %s %s %s:%u > %s:%u snd_una %u snd_nxt %u "
		"rcv_nxt %u snd_wnd %u rcv_wnd %u cwnd %u ssthresh %u srtt %uus "
		"rto %uus mss %u rexmit %" PRIu64 " buflets %u named %u "
		"parked %" PRIu64 " placed %" PRIu64 " sends %u flags %#x",
		s.handle, s.owner, s.proto == TOE_PROTO_TCP ? "tcp" : "udp",
		s.proto == TOE_PROTO_TCP ? tcp_state_name(s.state) : "-",
		ip_to_string(s.local_ip).c_str(), s.local_port,
		ip_to_string(s.remote_ip).c_str(), s.remote_port, s.snd_una,
		s.snd_nxt, s.rcv_nxt, s.snd_wnd, s.rcv_wnd, s.cwnd, s.ssthresh,
		s.srtt_us, s.rto_us, s.mss, s.retransmits, s.buflets_held,
		s.named_pending, s.bytes_parked, s.bytes_placed,
		s.sends_pending, s.flags);
	return line;
}

std::string describe_counters(const toe_engine_counters &c)
{
	char text[1400];
	std::snprintf(
		text, sizeof(text),
		"frames in %" PRIu64 " out %" PRIu64 ", not_mine %" PRIu64
		", bad l2/ip/csum/l4 %" PRIu64 "/%" PRIu64 "/%" PRIu64
		"/%" PRIu64 ", fragments %" PRIu64 ", no_socket %" PRIu64
		", tx_errors %" PRIu64 ", tx_no_l2 %" PRIu64
		", drop no_buflet %" PRIu64 " rx_shutdown %" PRIu64
		" udp_no_room %" PRIu64 " anon_empty %" PRIu64
		", tcp segs in %" PRIu64 " out %" PRIu64 " rexmit %" PRIu64
		" rst in %" PRIu64 " out %" PRIu64 " drops %" PRIu64
		", udp in %" PRIu64 " out %" PRIu64 ", bytes placed %" PRIu64
		" copied %" PRIu64 " parked %" PRIu64 ", buflets %u/%u used %u"
		", sockets %u listeners %u time_wait %u syn_queue %u",
		c.frames_in, c.frames_out, c.not_mine, c.bad_l2, c.bad_ip,
		c.bad_csum, c.bad_l4, c.fragments, c.no_socket, c.tx_errors,
		c.tx_no_l2, c.drop_no_buflet, c.drop_rx_shutdown,
		c.drop_udp_no_room, c.drop_anon_empty, c.tcp_segs_in,
		c.tcp_segs_out, c.tcp_retransmits, c.tcp_rst_in, c.tcp_rst_out,
		c.tcp_drops, c.udp_in, c.udp_out, c.bytes_placed,
		c.bytes_copied, c.bytes_parked, c.buflets_free,
		c.buflets_total, c.buflets_in_use, c.sockets, c.listeners,
		c.time_wait, c.syn_queue);
	return text;
}

} // namespace toe::testnet

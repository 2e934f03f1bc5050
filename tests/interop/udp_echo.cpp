// toe-interop udp-echo: an engine UDP socket that sends every datagram back
// to where it came from, straight from the named buffer it arrived in.
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "harness.hpp"

namespace toe::interop {

int Harness::start_udp_echo()
{
	std::size_t region = std::size_t(opt_.recv_buffer_size) * opt_.recv_buffers;
	udp_region_ = std::make_unique<testnet::HostRegion>(region);
	int rc = toe_sock_create(eng_, 1, TOE_PROTO_UDP, 0, &udp_sock_);
	if (rc == 0)
		rc = toe_sock_bind(eng_, 1, udp_sock_, opt_.ip, opt_.port);
	for (std::uint32_t slot = 0; rc == 0 && slot < opt_.recv_buffers; slot++)
		post_udp_buffer(slot);
	if (rc != 0) {
		std::fprintf(stderr, "udp socket on %s:%u: %s\n",
			     testnet::ip_to_string(opt_.ip).c_str(), opt_.port,
			     std::strerror(-rc));
		return rc;
	}
	if (!opt_.ready_file.empty()) {
		if (FILE *ready = std::fopen(opt_.ready_file.c_str(), "w"))
			std::fclose(ready);
	}
	return 0;
}

void Harness::post_udp_buffer(std::uint32_t slot)
{
	toe_named_buffer_req req{};
	req.mem = udp_region_->mem();
	req.offset = std::uint64_t(slot) * opt_.recv_buffer_size;
	req.length = opt_.recv_buffer_size;
	req.user_ref = slot;
	int rc = toe_sock_post_buffer(eng_, 1, udp_sock_, &req);
	if (rc != 0) {
		std::fprintf(stderr, "udp: post_buffer: %s\n", std::strerror(-rc));
		failures_++;
		fatal_ = true;
	}
}

void Harness::handle_udp_event(const toe_event &ev)
{
	if (ev.type == TOE_EV_SEND) {
		if (ev.status != 0) {
			std::fprintf(stderr, "udp: echo failed: %s\n",
				     std::strerror(-ev.status));
			failures_++;
		}
		// The echo has left: the buffer can take the next datagram.
		post_udp_buffer(std::uint32_t(ev.buf_ref));
		if (++udp_echoed_ == opt_.count) {
			std::printf("udp echoed=%" PRIu64 " bytes=%" PRIu64
				    " truncated=%" PRIu64 "\n",
				    udp_echoed_, udp_bytes_, udp_truncated_);
			std::fflush(stdout);
			finished_++;
		}
		return;
	}
	if (ev.type != TOE_EV_RECV || ev.reason != TOE_RET_DATAGRAM) {
		if (ev.type != TOE_EV_CLOSED) {
			std::fprintf(stderr, "udp: unexpected %s\n",
				     testnet::describe_event(ev).c_str());
			failures_++;
		}
		return;
	}
	if (ev.udp_hdr_len != 8 ||
	    testnet::load_be16(ev.udp_hdr) != ev.peer_port) {
		std::fprintf(stderr, "udp: header bytes disagree with the event: %s\n",
			     testnet::describe_event(ev).c_str());
		failures_++;
	}
	if (ev.flags & TOE_EVF_TRUNCATED)
		udp_truncated_++;
	udp_bytes_ += ev.bytes;
	toe_send_req req{};
	req.mem = udp_region_->mem();
	req.offset = ev.buf_ref * opt_.recv_buffer_size;
	req.length = std::uint32_t(ev.bytes);
	req.dst_ip = ev.peer_ip;
	req.dst_port = ev.peer_port;
	req.user_ref = ev.buf_ref;
	int rc = toe_sock_send(eng_, 1, udp_sock_, &req);
	if (rc != 0) {
		std::fprintf(stderr, "udp: send: %s\n", std::strerror(-rc));
		failures_++;
		post_udp_buffer(std::uint32_t(ev.buf_ref));
	}
}

} // namespace toe::interop

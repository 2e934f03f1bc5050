// A bulk-transfer application on one engine socket: sends a region in
// chunks while receiving into a ring of named buffers, then closes. Used by
// the two-engine wire test and by the interop harness, which differ only in
// what they do with the received bytes.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "engine_port.hpp"

namespace toe::testnet {

struct BulkOptions {
	std::uint32_t send_chunk = 256 * 1024;
	unsigned sends_in_flight = 4;
	std::uint32_t recv_buffer_size = 64 * 1024;
	unsigned recv_buffers = 16;
	std::uint32_t recv_threshold = 0; // 0: the buffer's length
	// Shut down the write side (FIN after the pending sends) as soon as the
	// last send is queued; otherwise only close() sends FIN.
	bool shutdown_when_sent = true;
	// Close once everything was sent and acknowledged and the peer's FIN
	// arrived.
	bool close_when_done = true;
	// Abort (RST) instead of closing once this many bytes were received.
	std::uint64_t abort_after_recv = UINT64_MAX;
	// A slow application: returned buffers are posted again only when
	// the owner calls repost(), not at once.
	bool manual_repost = false;
};

class BulkEndpoint {
public:
	using Sink = std::function<void(std::span<const std::uint8_t>)>;

	// send_mem/send_len: the bytes to send (the region must outlive the
	// endpoint); sink gets the received bytes in stream order.
	BulkEndpoint(toe_engine *eng, std::uint32_t owner,
		     std::uint32_t handle, toe_mem *send_mem,
		     std::uint64_t send_len, Sink sink,
		     const BulkOptions &options = {});

	// Posts the receive ring and the first sends.
	void start();
	// Handles one of this socket's events; the caller routes by handle and
	// calls it outside any engine call.
	void on_event(const toe_event &ev);

	// Posts up to n of the buffers that came back (manual_repost);
	// returns how many it posted.
	unsigned repost(unsigned n);
	unsigned reposts_owed() const { return reposts_owed_; }

	// TOE_EV_CLOSED arrived: the handle is dead.
	bool finished() const { return closed_; }
	// A violation of the engine's contract, or a failed request.
	const std::string &error() const { return error_; }

	std::uint32_t handle() const { return handle_; }
	std::uint64_t bytes_sent() const { return send_acked_; }
	std::uint64_t bytes_received() const { return received_; }
	bool peer_closed() const { return peer_closed_; }
	bool reset() const { return reset_; }
	int close_status() const { return close_status_; }
	int error_status() const { return error_status_; }
	std::uint64_t buffers_posted() const { return next_post_ref_; }
	std::uint64_t buffers_returned() const { return next_return_ref_; }

private:
	void fail(const std::string &what);
	void post_buffer();
	void push_sends();
	void maybe_close();

	toe_engine *eng_;
	std::uint32_t owner_;
	std::uint32_t handle_;
	toe_mem *send_mem_;
	std::uint64_t send_len_;
	Sink sink_;
	BulkOptions opt_;
	std::unique_ptr<HostRegion> recv_region_;

	std::uint64_t send_queued_ = 0; // bytes handed to toe_sock_send
	std::uint64_t send_acked_ = 0; // bytes whose TOE_EV_SEND came back
	std::deque<std::uint64_t> sends_pending_; // user_refs (offsets), in order
	std::uint64_t received_ = 0;
	std::uint64_t next_post_ref_ = 0;
	std::uint64_t next_return_ref_ = 0;
	unsigned reposts_owed_ = 0;
	bool shut_wr_ = false;
	bool receive_done_ = false; // FIN, RST or close returned a buffer
	bool peer_closed_ = false;
	bool close_requested_ = false;
	bool reset_ = false;
	bool closed_ = false;
	int close_status_ = 0;
	int error_status_ = 0;
	std::string error_;
};

} // namespace toe::testnet

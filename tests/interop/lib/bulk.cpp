#include "bulk.hpp"

#include <algorithm>
#include <cstring>

namespace toe::testnet {

BulkEndpoint::BulkEndpoint(toe_engine *eng, std::uint32_t owner,
			   std::uint32_t handle, toe_mem *send_mem,
			   std::uint64_t send_len, Sink sink,
			   const BulkOptions &options)
	: eng_(eng), owner_(owner), handle_(handle), send_mem_(send_mem),
	  send_len_(send_len), sink_(std::move(sink)), opt_(options),
	  recv_region_(std::make_unique<HostRegion>(
		  std::size_t(options.recv_buffer_size) * options.recv_buffers))
{
}

void BulkEndpoint::fail(const std::string &what)
{
	if (error_.empty())
		error_ = what;
}

void BulkEndpoint::start()
{
	for (unsigned i = 0; i < opt_.recv_buffers; i++)
		post_buffer();
	push_sends();
}

void BulkEndpoint::post_buffer()
{
	std::uint64_t ref = next_post_ref_;
	toe_named_buffer_req req{};
	req.mem = recv_region_->mem();
	req.offset = (ref % opt_.recv_buffers) * opt_.recv_buffer_size;
	req.length = opt_.recv_buffer_size;
	req.threshold = opt_.recv_threshold;
	req.user_ref = ref;
	int rc = toe_sock_post_buffer(eng_, owner_, handle_, &req);
	if (rc != 0) {
		fail("post_buffer: " + std::string(std::strerror(-rc)));
		return;
	}
	next_post_ref_++;
}

unsigned BulkEndpoint::repost(unsigned n)
{
	unsigned done = 0;
	while (done < n && reposts_owed_ && !receive_done_ && !close_requested_ &&
	       !closed_) {
		reposts_owed_--;
		post_buffer();
		done++;
	}
	return done;
}

void BulkEndpoint::push_sends()
{
	while (!close_requested_ &&
	       sends_pending_.size() < opt_.sends_in_flight &&
	       send_queued_ < send_len_) {
		std::uint64_t len = std::min<std::uint64_t>(
			opt_.send_chunk, send_len_ - send_queued_);
		toe_send_req req{};
		req.mem = send_mem_;
		req.offset = send_queued_;
		req.length = std::uint32_t(len);
		req.flags = send_queued_ + len < send_len_ ? TOE_SEND_MORE : 0;
		req.user_ref = send_queued_;
		int rc = toe_sock_send(eng_, owner_, handle_, &req);
		if (rc == -ENOBUFS)
			break; // the engine's per-socket bound: wait for a completion
		if (rc != 0) {
			fail("send: " + std::string(std::strerror(-rc)));
			return;
		}
		sends_pending_.push_back(send_queued_);
		send_queued_ += len;
	}
	if (send_queued_ == send_len_ && opt_.shutdown_when_sent && !shut_wr_ &&
	    !close_requested_ && !reset_) {
		shut_wr_ = true;
		int rc = toe_sock_shutdown(eng_, owner_, handle_, TOE_SHUT_WR);
		if (rc != 0)
			fail("shutdown: " + std::string(std::strerror(-rc)));
	}
}

void BulkEndpoint::maybe_close()
{
	if (close_requested_ || closed_)
		return;
	bool abort = received_ >= opt_.abort_after_recv;
	bool done = opt_.close_when_done && peer_closed_ &&
		    send_acked_ == send_len_;
	bool dead = reset_ || error_status_ != 0;
	if (!abort && !done && !dead)
		return;
	close_requested_ = true;
	int rc = abort ? toe_sock_abort(eng_, owner_, handle_)
		       : toe_sock_close(eng_, owner_, handle_);
	if (rc != 0)
		fail(std::string(abort ? "abort" : "close") + ": " +
		     std::strerror(-rc));
}

void BulkEndpoint::on_event(const toe_event &ev)
{
	if (closed_) {
		fail("event after CLOSED: " + describe_event(ev));
		return;
	}
	switch (ev.type) {
	case TOE_EV_RECV: {
		if (ev.buf_ref != next_return_ref_) {
			fail("named buffer returned out of order: " +
			     describe_event(ev));
			return;
		}
		next_return_ref_++;
		if (ev.bytes > opt_.recv_buffer_size) {
			fail("buffer returned with more bytes than it holds: " +
			     describe_event(ev));
			return;
		}
		const std::uint8_t *slot =
			recv_region_->data() +
			(ev.buf_ref % opt_.recv_buffers) * opt_.recv_buffer_size;
		if (ev.bytes)
			sink_({slot, std::size_t(ev.bytes)});
		received_ += ev.bytes;
		if (ev.reason == TOE_RET_RST) {
			reset_ = true;
			receive_done_ = true;
		} else if (ev.reason == TOE_RET_FIN ||
			   ev.reason == TOE_RET_CLOSED) {
			receive_done_ = true;
		}
		if (!receive_done_ && !close_requested_) {
			if (opt_.manual_repost)
				reposts_owed_++;
			else
				post_buffer();
		}
		break;
	}
	case TOE_EV_SEND: {
		if (ev.status != 0) {
			// Sends fail once the connection is gone (not the engine's
			// error), in whatever order; each must be one we made.
			auto it = std::find(sends_pending_.begin(),
					    sends_pending_.end(), ev.buf_ref);
			if (it == sends_pending_.end()) {
				fail("unknown send failed: " + describe_event(ev));
				return;
			}
			sends_pending_.erase(it);
			error_status_ = error_status_ ? error_status_ : ev.status;
			break;
		}
		// Bytes are acknowledged in order, so completions are too.
		if (sends_pending_.empty() || ev.buf_ref != sends_pending_.front() ||
		    ev.buf_ref != send_acked_) {
			fail("send completion out of order: " + describe_event(ev));
			return;
		}
		sends_pending_.pop_front();
		send_acked_ += ev.bytes;
		push_sends();
		break;
	}
	case TOE_EV_PEER_CLOSED:
		peer_closed_ = true;
		break;
	case TOE_EV_ERROR:
		error_status_ = ev.status;
		if (ev.status == -ECONNRESET)
			reset_ = true;
		break;
	case TOE_EV_CLOSED:
		closed_ = true;
		close_status_ = ev.status;
		if (ev.status == -ECONNRESET)
			reset_ = true;
		if (next_return_ref_ != next_post_ref_)
			fail("CLOSED with " +
			     std::to_string(next_post_ref_ - next_return_ref_) +
			     " named buffers not returned");
		if (!sends_pending_.empty())
			fail("CLOSED with " + std::to_string(sends_pending_.size()) +
			     " sends not completed");
		return;
	default:
		fail("unexpected event: " + describe_event(ev));
		return;
	}
	maybe_close();
}

} // namespace toe::testnet

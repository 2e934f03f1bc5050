// SPDX-License-Identifier: MIT
// Reads a connection's byte stream in the sizes a workload thinks in, over
// whatever pieces the backend hands back. Payload is only counted, never
// copied; control messages (a Hello, a count) are copied out.
#pragma once

#include "backend.hpp"

#include <cerrno>
#include <cstring>
#include <span>

namespace toeperf {

class Reader {
public:
	Reader(Backend &b, int conn) : b_(b), conn_(conn) {}

	// 1 when n bytes went by, 0 at the end of the stream before the first
	// of them, -EPIPE at an end in the middle, or the backend's -errno.
	int consume(size_t n, void *copy_to = nullptr)
	{
		auto *out = static_cast<std::byte *>(copy_to);
		size_t done = 0;
		while (done < n) {
			if (pending_.empty()) {
				int r = b_.recv(conn_, pending_);
				if (r < 0)
					return r;
				if (r == 0)
					return done ? -EPIPE : 0;
			}
			size_t take = std::min(n - done, pending_.size());
			if (out)
				std::memcpy(out + done, pending_.data(), take);
			pending_ = pending_.subspan(take);
			done += take;
		}
		return 1;
	}

	// Counts bytes until the end of the stream; -errno on failure.
	int64_t drain()
	{
		int64_t total = int64_t(pending_.size());
		pending_ = {};
		for (;;) {
			int r = b_.recv(conn_, pending_);
			if (r <= 0) {
				pending_ = {};
				return r < 0 ? r : total;
			}
			total += r;
		}
	}

private:
	Backend &b_;
	int conn_;
	std::span<const std::byte> pending_;
};

} // namespace toeperf

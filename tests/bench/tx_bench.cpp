// SPDX-License-Identifier: MIT
// The transmit path: segments out of a large send request on an
// established connection, the peer acknowledging everything sent each
// round, so the time per segment includes the ACK processing that opens
// the window for it.
#include "bench_port.hpp"

#include <benchmark/benchmark.h>
#include <vector>

using namespace toe::test;
using namespace toe::bench;

namespace {

constexpr uint32_t kSendBytes = 4 << 20;

void tx_segment(benchmark::State &state)
{
	toe_engine_config cfg = TestPort::default_config();
	BenchPort port(cfg);
	BenchConn conn(port, 1460);
	toe_sock_setopt(port.eng(), BenchConn::kOwner, conn.sock, TOE_OPT_NODELAY, 1);

	std::vector<uint8_t> memory(kSendBytes, 0x5a);
	toe_mem mem{};
	toe_user_mem_init(&mem, memory.data(), memory.size());
	uint64_t sends_done = 0;
	auto send = [&] {
		toe_send_req req{.mem = &mem, .offset = 0, .length = kSendBytes};
		return toe_sock_send(port.eng(), BenchConn::kOwner, conn.sock, &req);
	};
	// Two requests queued: the second goes out while the first is acked.
	if (send() || send())
		return state.SkipWithError("cannot send");

	uint64_t start_segments = port.segments_out();
	for (auto _ : state) {
		// Everything sent so far is acknowledged, with a wide window.
		port.input(build_tcp({.src = conn.peer, .dst = conn.local, .seq = conn.snd,
				      .ack = port.snd_max(), .flags = TH_ACK, .window = 65535}),
			   true);
		uint64_t done = port.events(TOE_EV_SEND);
		for (; sends_done < done; sends_done++)
			if (send())
				return state.SkipWithError("cannot send");
	}
	uint64_t segments = port.segments_out() - start_segments;
	state.SetItemsProcessed(int64_t(segments));
	state.SetBytesProcessed(int64_t(port.payload_out()));
	state.counters["segments_per_ack"] =
		state.iterations() ? double(segments) / double(state.iterations()) : 0.0;
	toe_owner_release(port.eng(), BenchConn::kOwner, -ECONNABORTED);
}

} // namespace

BENCHMARK(tx_segment);

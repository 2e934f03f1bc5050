// SPDX-License-Identifier: MIT
// The receive fast path: one in-order TCP data segment on an established
// connection, placed straight into a posted named buffer. Time per segment
// includes parsing, the flow lookup, the TCP input checks, the copy into
// the buffer and the ACKs the engine sends.
#include "bench_port.hpp"

#include <benchmark/benchmark.h>
#include <vector>

using namespace toe::test;
using namespace toe::bench;

namespace {

constexpr uint32_t kBatch = 1024; // segments per named buffer

void rx_in_order_segment(benchmark::State &state)
{
	const uint32_t seg_len = uint32_t(state.range(0));
	const bool csum_verified = state.range(1) != 0;
	toe_engine_config cfg = TestPort::default_config();
	BenchPort port(cfg);
	BenchConn conn(port, 1460);

	std::vector<uint8_t> memory(size_t(seg_len) * kBatch);
	toe_mem mem{};
	toe_user_mem_init(&mem, memory.data(), memory.size());
	Bytes payload = pattern(seg_len);

	std::vector<Bytes> frames(kBatch);
	auto build_batch = [&] {
		for (Bytes &f : frames) {
			// No PSH: the buffer comes back when full, once a batch.
			f = build_tcp({.src = conn.peer, .dst = conn.local, .seq = conn.snd,
				       .ack = conn.rcv, .flags = TH_ACK, .payload = payload});
			conn.snd += seg_len;
		}
	};
	auto post = [&] {
		toe_named_buffer_req req{.mem = &mem, .offset = 0, .length = uint32_t(memory.size())};
		if (toe_sock_post_buffer(port.eng(), BenchConn::kOwner, conn.sock, &req))
			state.SkipWithError("cannot post the named buffer");
	};

	uint64_t segments = 0;
	uint64_t returned_before = port.events(TOE_EV_RECV);
	build_batch();
	post();
	while (state.KeepRunningBatch(kBatch)) {
		for (const Bytes &f : frames)
			port.input(f, csum_verified);
		segments += kBatch;
		state.PauseTiming();
		build_batch();
		post();
		state.ResumeTiming();
	}
	uint64_t returned = port.events(TOE_EV_RECV) - returned_before;
	toe_engine_counters c{};
	toe_engine_get_counters(port.eng(), &c);
	if (returned * kBatch < segments - kBatch || c.bytes_parked)
		state.SkipWithError("segments missed the named buffers");
	state.SetItemsProcessed(int64_t(segments));
	state.SetBytesProcessed(int64_t(segments) * seg_len);
	state.counters["copies_per_byte"] =
		c.bytes_placed ? double(c.bytes_copied) / double(c.bytes_placed) : 0.0;
	toe_owner_release(port.eng(), BenchConn::kOwner, -ECONNABORTED);
}

} // namespace

// Arguments: payload bytes, checksum verified by the NIC (1) or by the
// engine (0).
BENCHMARK(rx_in_order_segment)
	->ArgNames({"bytes", "csum_offload"})
	->Args({1448, 1})
	->Args({1448, 0})
	->Args({64, 1});

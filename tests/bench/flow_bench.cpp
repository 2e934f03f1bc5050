// SPDX-License-Identifier: MIT
// Flow lookup: the exact 5-tuple hash table the receive path consults for
// every segment, with 10, 10k and 1M connections in it, looked up in an
// order that defeats the caches as real traffic does.
#include "bench_port.hpp"

#include <benchmark/benchmark.h>
#include <random>
#include <vector>

extern "C" {
#include "engine_priv.h"
}

using namespace toe::test;
using namespace toe::bench;

namespace {

struct Tuple {
	uint32_t remote_ip;
	uint16_t remote_port;
};

void flow_lookup(benchmark::State &state)
{
	const uint32_t flows = uint32_t(state.range(0));
	toe_engine_config cfg = TestPort::default_config();
	cfg.max_sockets = flows + 16;
	BenchPort port(cfg);

	std::vector<Tuple> tuples(flows);
	for (uint32_t i = 0; i < flows; i++) {
		toe_sock *sk = toe_sock_alloc(port.eng(), TOE_PROTO_TCP);
		if (!sk)
			return state.SkipWithError("cannot allocate sockets");
		tuples[i] = {ip4(10, 1, 0, 0) + (i >> 14), uint16_t(1024 + (i & 0x3fff))};
		sk->local_ip = kLocalIp;
		sk->local_port = 80;
		sk->remote_ip = tuples[i].remote_ip;
		sk->remote_port = tuples[i].remote_port;
		if (toe_flow_insert(port.eng(), sk))
			return state.SkipWithError("cannot insert a flow");
	}
	std::vector<uint32_t> order(std::min<uint32_t>(flows * 4, 1 << 20));
	std::mt19937 rng(42);
	for (uint32_t &o : order)
		o = rng() % flows;

	size_t i = 0, found = 0;
	for (auto _ : state) {
		const Tuple &t = tuples[order[i]];
		toe_sock *sk = toe_flow_lookup(port.eng(), TOE_PROTO_TCP, kLocalIp, 80,
					       t.remote_ip, t.remote_port);
		benchmark::DoNotOptimize(sk);
		found += sk != nullptr;
		if (++i == order.size())
			i = 0;
	}
	if (found != size_t(state.iterations()))
		state.SkipWithError("a flow was not found");
	state.SetItemsProcessed(int64_t(state.iterations()));
}

} // namespace

BENCHMARK(flow_lookup)->ArgName("flows")->Arg(10)->Arg(10'000)->Arg(1'000'000);

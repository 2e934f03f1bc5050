// SPDX-License-Identifier: MIT
// Flow lookup: the exact 5-tuple hash table the receive path consults for
// every segment, with 10, 10k and 1M connections in it, looked up in an
// order that defeats the caches as real traffic does.
#include "bench_port.hpp"

#include <benchmark/benchmark.h>
#include <map>
#include <memory>
#include <random>
#include <string>
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

// An engine with `flows` connections in its flow table. Built once per
// size and kept: Google Benchmark calls the function several times, and a
// million sockets take seconds to make.
struct FlowTable {
	std::unique_ptr<BenchPort> port;
	std::vector<Tuple> tuples;
	std::string error;

	explicit FlowTable(uint32_t flows)
	{
		toe_engine_config cfg = TestPort::default_config();
		cfg.max_sockets = flows + 16;
		port = std::make_unique<BenchPort>(cfg);
		tuples.resize(flows);
		for (uint32_t i = 0; i < flows; i++) {
			toe_sock *sk = toe_sock_alloc(port->eng(), TOE_PROTO_TCP);
			if (!sk) {
				error = "cannot allocate sockets";
				return;
			}
			tuples[i] = {ip4(10, 1, 0, 0) + (i >> 14), uint16_t(1024 + (i & 0x3fff))};
			sk->local_ip = kLocalIp;
			sk->local_port = 80;
			sk->remote_ip = tuples[i].remote_ip;
			sk->remote_port = tuples[i].remote_port;
			if (toe_flow_insert(port->eng(), sk)) {
				error = "cannot insert a flow";
				return;
			}
		}
	}

	static FlowTable &of(uint32_t flows)
	{
		static std::map<uint32_t, std::unique_ptr<FlowTable>> tables;
		auto &t = tables[flows];
		if (!t)
			t = std::make_unique<FlowTable>(flows);
		return *t;
	}
};

void flow_lookup(benchmark::State &state)
{
	const uint32_t flows = uint32_t(state.range(0));
	FlowTable &table = FlowTable::of(flows);
	if (!table.error.empty())
		return state.SkipWithError(table.error.c_str());
	std::vector<uint32_t> order(std::min<uint32_t>(flows * 4, 1 << 20));
	std::mt19937 rng(42);
	for (uint32_t &o : order)
		o = rng() % flows;

	toe_engine *eng = table.port->eng();
	size_t i = 0, found = 0;
	for (auto _ : state) {
		const Tuple &t = table.tuples[order[i]];
		toe_sock *sk = toe_flow_lookup(eng, TOE_PROTO_TCP, kLocalIp, 80, t.remote_ip,
					       t.remote_port);
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

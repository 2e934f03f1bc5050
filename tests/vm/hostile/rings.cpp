// SPDX-License-Identifier: MIT
// toe_hostile_rings: a hostile application. Worker threads open contexts
// and write random and adversarial requests into their own rings (bad
// handles, other contexts' handles, regions and ranges that do not exist,
// unread fields set, overlapping buffers, regions deregistered and memory
// unmapped while buffers are posted), corrupt the ring indices, race
// posting against closing, and issue random ioctls. Every request whose
// completion is read is judged: a bad one must fail with an error
// completion, a good one must succeed, none may be lost or answered twice.
//
//   toe_hostile_rings --local ADDR --peer ADDR [--entries N] [--seed N]
//                     [--threads N] [--udp-base PORT] [--sink-port PORT]
//
// Run it in the namespace of the device the engine is attached to. The
// peer should send datagrams to the workers' UDP ports (udp-base .. +63)
// and may listen on sink-port; nothing need listen anywhere for the run to
// be judged. It drops CAP_NET_ADMIN (so random ioctls cannot detach the
// engine other applications use) and CAP_IPC_LOCK (so pinning is bounded).
#include "fuzz_ctx.hpp"
#include "hostile_ops.hpp"

#include <linux/capability.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

using namespace hostile;

int usage()
{
	std::fprintf(stderr, "usage: toe_hostile_rings --local ADDR --peer ADDR [--entries N] "
			     "[--seed N] [--threads N] [--udp-base PORT] [--sink-port PORT]\n");
	return 2;
}

void worker(Run &run, unsigned id)
{
	std::mt19937_64 rng(run.seed * 1000003 + id);
	try {
		while (run.stats.entries.load() < run.target && !run.stop.load()) {
			unsigned pick = unsigned(rng() % 20);
			if (pick < 14)
				chaos_context(run, id, rng);
			else if (pick < 16)
				index_abuse(run, rng);
			else if (pick < 18)
				close_race(run, id, rng);
			else
				random_ioctls(run, rng);
		}
	} catch (const std::exception &e) {
		run.stats.note_wrong(std::string("worker ") + std::to_string(id) + ": " + e.what());
		run.stop = true;
	}
}

} // namespace

int main(int argc, char **argv)
{
	Run run;
	run.seed = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
	unsigned threads = 2;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
		if (!v)
			return usage();
		i++;
		if (a == "--local" || a == "--peer") {
			in_addr addr{};
			if (inet_pton(AF_INET, v, &addr) != 1)
				return usage();
			(a == "--local" ? run.local : run.peer) = addr.s_addr;
		} else if (a == "--entries") {
			run.target = std::strtoull(v, nullptr, 0);
		} else if (a == "--seed") {
			run.seed = std::strtoull(v, nullptr, 0);
		} else if (a == "--threads") {
			threads = unsigned(std::atoi(v));
		} else if (a == "--udp-base") {
			run.udp_base = uint16_t(std::atoi(v));
		} else if (a == "--sink-port") {
			run.sink_port = uint16_t(std::atoi(v));
		} else {
			return usage();
		}
	}
	if (!run.local || !run.peer || !threads || threads > 8)
		return usage();
	std::printf("toe_hostile_rings: seed %llu, %llu entries, %u threads\n",
		    (unsigned long long)run.seed, (unsigned long long)run.target, threads);
	std::fflush(stdout);

	try {
		glue::drop_capability(CAP_NET_ADMIN);
		glue::drop_capability(CAP_IPC_LOCK);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s\n", e.what());
		return 1;
	}
	rlimit lim{64ull << 20, 64ull << 20};
	if (::setrlimit(RLIMIT_MEMLOCK, &lim)) {
		std::perror("setrlimit");
		return 1;
	}

	auto start = std::chrono::steady_clock::now();
	std::vector<std::thread> pool;
	for (unsigned i = 0; i < threads; i++)
		pool.emplace_back(worker, std::ref(run), i);
	for (auto &t : pool)
		t.join();
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

	Stats &s = run.stats;
	std::printf("entries %llu (bad %llu, failed as they must %llu, abandoned with their "
		    "context %llu), completions %llu, events %llu\n",
		    (unsigned long long)s.entries, (unsigned long long)s.bad_entries,
		    (unsigned long long)s.bad_failed, (unsigned long long)s.bad_abandoned,
		    (unsigned long long)s.completions, (unsigned long long)s.events);
	std::printf("contexts %llu, ioctls %llu, garbage-index completions %llu, abandoned "
		    "requests %llu\n",
		    (unsigned long long)s.contexts, (unsigned long long)s.ioctls,
		    (unsigned long long)s.garbage_index_completions,
		    (unsigned long long)s.abandoned);
	std::printf("udp: %llu bytes received into posted buffers, %llu sends; dereg with "
		    "buffers posted %llu (refused %llu)\n",
		    (unsigned long long)s.recv_bytes, (unsigned long long)s.sends,
		    (unsigned long long)s.dereg_in_flight, (unsigned long long)s.dereg_busy);
	std::printf("errnos:");
	for (const auto &[res, n] : s.errnos)
		std::printf(" %s=%llu", glue::errno_name(res).c_str(), (unsigned long long)n);
	std::printf("\n");
	for (const auto &w : s.first_wrong)
		std::printf("WRONG: %s\n", w.c_str());
	bool accounted = s.bad_entries == s.bad_failed + s.bad_abandoned;
	std::printf("lost %llu, wrong %llu, every bad entry accounted for: %s (%.1f s)\n",
		    (unsigned long long)s.lost, (unsigned long long)s.wrong,
		    accounted ? "yes" : "no", secs);
	bool ok = !s.lost && !s.wrong && accounted && s.entries >= run.target;
	std::printf("%s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}

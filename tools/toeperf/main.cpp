// SPDX-License-Identifier: MIT
// toeperf: latency, throughput, transaction and connection rates, and their
// CPU cost, measured the same way over toe, kernel sockets and io_uring.
// See toeperf(1).
#include "client.hpp"
#include "options.hpp"
#include "output.hpp"
#include "server.hpp"

#include <csignal>
#include <cstdio>

int main(int argc, char **argv)
{
	using namespace toeperf;
	Options o = parse_options(argc, argv);
	std::signal(SIGPIPE, SIG_IGN);
	if (o.role == Role::server)
		return run_server(o);
	Result r = run_client(o);
	if (o.json)
		print_json(r, stdout);
	else
		print_table(r, stdout);
	return 0;
}

// SPDX-License-Identifier: MIT
// The server side: one thread per listening port, each with its own
// backend, serving one connection at a time as its Hello asks; with --udp
// one more thread echoes datagrams on the first port.
#pragma once

#include "options.hpp"

namespace toeperf {

int run_server(const Options &o);

} // namespace toeperf

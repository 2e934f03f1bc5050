// SPDX-License-Identifier: MIT
// The client side: runs one measure against a toeperf server and returns
// what it measured.
#pragma once

#include "result.hpp"

namespace toeperf {

Result run_client(const Options &o);

} // namespace toeperf

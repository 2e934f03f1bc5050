// SPDX-License-Identifier: MIT
// What the object files share: opening the family, counters of a message.
#pragma once

#include "netlink.hpp"
#include "output.hpp"

namespace toectl {

// Opens the family, printing the error (module not loaded...) on failure.
bool open_family(Genl &nl);
// The TOE_A_COUNTERS nest of a message as name/value pairs.
Counters read_counters(const Attrs &attrs);

} // namespace toectl

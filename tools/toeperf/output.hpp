// SPDX-License-Identifier: MIT
// A result for people (a table) and for scripts (JSON).
#pragma once

#include "result.hpp"

#include <cstdio>

namespace toeperf {

void print_table(const Result &r, std::FILE *to);
void print_json(const Result &r, std::FILE *to);

} // namespace toeperf

// SPDX-License-Identifier: MIT
// Each object of the grammar (`toectl OBJECT COMMAND ARGS`) lives in its
// own file and exposes one entry point here.
#pragma once

#include "output.hpp"

#include <span>
#include <string_view>

namespace toectl {

using Args = std::span<const std::string_view>;

int cmd_version(const Options &opts, Args args);

} // namespace toectl

// SPDX-License-Identifier: MIT
// The state behind a struct toe_handle.
#pragma once

struct toe_handle {
	int fd = -1;
};

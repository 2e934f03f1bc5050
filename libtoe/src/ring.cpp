// SPDX-License-Identifier: MIT
// Checking the ring geometry the module returns before trusting it.
#include "ring.hpp"

namespace toe::detail {

namespace {

bool index_fits(uint32_t off, size_t map_size)
{
	return off % alignof(uint32_t) == 0 && size_t(off) + sizeof(uint32_t) <= map_size;
}

} // namespace

int map_ring(const toe_ring_offsets &off, void *base, size_t map_size,
	     size_t entry_size, RingLayout *out)
{
	if (!base || !out)
		return -EINVAL;
	if (!index_fits(off.head, map_size) || !index_fits(off.tail, map_size) ||
	    !index_fits(off.ring_mask, map_size) ||
	    !index_fits(off.ring_entries, map_size) || off.head == off.tail)
		return -EPROTO;

	auto *bytes = static_cast<unsigned char *>(base);
	uint32_t size = toe_read_once(reinterpret_cast<uint32_t *>(bytes + off.ring_entries));
	uint32_t mask = toe_read_once(reinterpret_cast<uint32_t *>(bytes + off.ring_mask));
	if (size == 0 || (size & (size - 1)) || mask != size - 1)
		return -EPROTO;
	if (off.entries % 8 || off.entries > map_size ||
	    (map_size - off.entries) / entry_size < size)
		return -EPROTO;

	out->head = reinterpret_cast<uint32_t *>(bytes + off.head);
	out->tail = reinterpret_cast<uint32_t *>(bytes + off.tail);
	out->entries = bytes + off.entries;
	out->mask = mask;
	out->size = size;
	return 0;
}

} // namespace toe::detail

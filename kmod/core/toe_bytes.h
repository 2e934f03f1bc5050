/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Big-endian loads and stores at any alignment, for wire headers. The
 * engine keeps addresses and ports in host order and converts only here.
 */
#ifndef TOE_BYTES_H
#define TOE_BYTES_H

#include "toe_os.h"

static inline u16 toe_get_be16(const u8 *p)
{
	return (u16)((u16)p[0] << 8 | p[1]);
}

static inline u32 toe_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline void toe_put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static inline void toe_put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

/* A checksum field: the 16-bit value toe_os_csum_fold() gave, stored in
 * memory order (it was computed over memory-order words).
 */
static inline void toe_put_csum(u8 *p, u16 csum)
{
	memcpy(p, &csum, sizeof(csum));
}

#endif /* TOE_BYTES_H */

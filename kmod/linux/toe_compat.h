/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces whose shape changed between the kernels toe.ko is
 * built for: bookworm's 6.1 and the newest in bookworm-backports (make
 * kernel-compat compiles against both). kmod/Kbuild probes the headers for
 * each new shape (TOE_HAVE_*); each wrapper names the release that brought
 * it, so the wrapper can go once older kernels are dropped.
 */
#ifndef TOE_COMPAT_H
#define TOE_COMPAT_H

#include <linux/mm.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>

/* 6.3 made vm_flags read-only outside the vm_flags_*() helpers. */
static inline void toe_vma_mod_flags(struct vm_area_struct *vma,
				     vm_flags_t set, vm_flags_t clear)
{
#if TOE_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/* 6.10 moved the zerocopy completion callback into struct ubuf_info_ops. */
#if TOE_HAVE_UBUF_INFO_OPS
#define TOE_UBUF_OPS(name, complete_fn)                                       \
	static const struct ubuf_info_ops name = { .complete = complete_fn }
#define toe_ubuf_set_complete(uarg, name) ((uarg)->ops = &(name))
#else
#define TOE_UBUF_OPS(name, complete_fn)                                       \
	static void (*const name)(struct sk_buff *, struct ubuf_info *,       \
				  bool) = complete_fn
#define toe_ubuf_set_complete(uarg, name) ((uarg)->callback = (name))
#endif

/* 6.2 put a whole genl_info, attributes included, in genl_dumpit_info. */
static inline struct nlattr *const *
toe_genl_dump_attrs(const struct genl_dumpit_info *info)
{
#if TOE_HAVE_DUMPIT_GENL_INFO
	return info->info.attrs;
#else
	return info->attrs;
#endif
}

#endif /* TOE_COMPAT_H */

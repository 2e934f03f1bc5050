/* SPDX-License-Identifier: MIT */
/*
 * libtoe: direct application access to the toe offload engine.
 *
 * Every call that can fail returns a negative errno value; nothing sets
 * errno. See toe(7) and the man page of each call.
 */
#ifndef TOE_TOE_H
#define TOE_TOE_H

#include <linux/toe.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TOE_API __attribute__((visibility("default")))
#else
#define TOE_API
#endif

/* One application context on the engine: an open /dev/toe. */
struct toe_handle;

/*
 * Opens an application context. path may be NULL for /dev/toe.
 * On success stores the handle in *out and returns 0.
 */
TOE_API int toe_open(const char *path, struct toe_handle **out);

/* Closes the context; every socket and buffer it holds is released. */
TOE_API void toe_close(struct toe_handle *h);

/* The context's file descriptor, for poll(2) and epoll(7). */
TOE_API int toe_fd(const struct toe_handle *h);

/* Fills *info with the module's ABI version and feature bits. */
TOE_API int toe_version(struct toe_handle *h, struct toe_version_info *info);

/* The library's own version string, e.g. "0.1.0". */
TOE_API const char *toe_library_version(void);

#ifdef __cplusplus
}
#endif

#endif /* TOE_TOE_H */

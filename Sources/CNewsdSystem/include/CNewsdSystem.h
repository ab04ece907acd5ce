#ifndef NEWSD_CNEWSDSYSTEM_H
#define NEWSD_CNEWSDSYSTEM_H

#include <sys/types.h>
#include <sys/inotify.h>

/// Credentials of the process on the other end of a Unix stream socket (SO_PEERCRED).
/// Returns 0 on success, -1 with errno set on failure.
int newsd_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/// renameat2(2) with RENAME_NOREPLACE: fails with EEXIST instead of replacing the target.
/// Returns 0 on success, -1 with errno set on failure.
int newsd_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

/// accept4(2) with SOCK_CLOEXEC | SOCK_NONBLOCK (accept4 needs _GNU_SOURCE).
int newsd_accept(int fd);

/// Caps glibc's malloc arenas at `arenas` (mallopt M_ARENA_MAX) unless MALLOC_ARENA_MAX is set
/// in the environment. Returns 1 when the cap was applied.
int newsd_limit_malloc_arenas(int arenas);

/// Sets glibc's mmap threshold to `bytes` (mallopt M_MMAP_THRESHOLD, which also turns off its
/// dynamic adjustment) unless MALLOC_MMAP_THRESHOLD_ is set. Returns 1 when it was applied.
int newsd_fix_mmap_threshold(int bytes);

#endif

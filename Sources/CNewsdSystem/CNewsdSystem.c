// struct ucred and RENAME_NOREPLACE are only visible with _GNU_SOURCE, which Swift's Glibc
// module does not define; this file is the only place that needs it.
#define _GNU_SOURCE
#include "CNewsdSystem.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

int newsd_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return -1;
    }
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

int newsd_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}

int newsd_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int newsd_limit_malloc_arenas(int arenas) {
    if (getenv("MALLOC_ARENA_MAX") != NULL) return 0;
    return mallopt(M_ARENA_MAX, arenas) == 1;
}

int newsd_fix_mmap_threshold(int bytes) {
    if (getenv("MALLOC_MMAP_THRESHOLD_") != NULL) return 0;
    return mallopt(M_MMAP_THRESHOLD, bytes) == 1;
}

#define _GNU_SOURCE
#include "CSixplaneTap.h"

#include <errno.h>
#include <sched.h>

int sixplane_enter_net_namespace(int fd) {
    return setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
}

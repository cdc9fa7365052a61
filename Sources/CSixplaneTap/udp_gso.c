#include "CSixplaneTap.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* The control message is built with the CMSG macros, which Swift cannot import. */
long sixplane_send_segments(int fd, const void *data, unsigned long length, unsigned short segment_size,
                            const struct sockaddr *address, unsigned int address_length) {
    struct iovec iov = {.iov_base = (void *)data, .iov_len = length};
    union {
        char buffer[CMSG_SPACE(sizeof(unsigned short))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = {
        .msg_name = (void *)address,
        .msg_namelen = address_length,
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buffer,
        .msg_controllen = sizeof(control.buffer),
    };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_UDP;
    header->cmsg_type = UDP_SEGMENT;
    header->cmsg_len = CMSG_LEN(sizeof(unsigned short));
    memcpy(CMSG_DATA(header), &segment_size, sizeof(unsigned short));
    long sent = sendmsg(fd, &message, MSG_DONTWAIT);
    return sent < 0 ? -errno : sent;
}

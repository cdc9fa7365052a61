#define _GNU_SOURCE
#include "CSixplaneTap.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* IP_PKTINFO / IPV6_PKTINFO control messages are built and read with the CMSG macros, which Swift cannot import. */

int sixplane_udp_enable_pktinfo(int fd, int ipv6) {
    int on = 1;
    int r = ipv6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on))
                 : setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
    if (r != 0) return -errno;
    /* Sources that are routed here (a local route) but not assigned to an interface: IPv6 checks the address
       unless the socket may bind any (FREEBIND); IPv4 accepts a local route's address as it is. */
    if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) != 0) return -errno;
    return 0;
}

long sixplane_udp_send_from(int fd, const void *data, unsigned long length, const struct sockaddr *to,
                            unsigned int to_length, const struct sockaddr *from) {
    struct iovec iov = {.iov_base = (void *)data, .iov_len = length};
    union {
        char buffer[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = {
        .msg_name = (void *)to,
        .msg_namelen = to_length,
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buffer,
        /* The whole room first: CMSG_FIRSTHDR is NULL while msg_controllen is below one header. */
        .msg_controllen = sizeof(control.buffer),
    };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (from->sa_family == AF_INET6) {
        struct in6_pktinfo info = {.ipi6_addr = ((const struct sockaddr_in6 *)from)->sin6_addr, .ipi6_ifindex = 0};
        header->cmsg_level = IPPROTO_IPV6;
        header->cmsg_type = IPV6_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof(info));
        memcpy(CMSG_DATA(header), &info, sizeof(info));
        message.msg_controllen = CMSG_SPACE(sizeof(info));
    } else {
        struct in_pktinfo info;
        memset(&info, 0, sizeof(info));
        info.ipi_spec_dst = ((const struct sockaddr_in *)from)->sin_addr;
        header->cmsg_level = IPPROTO_IP;
        header->cmsg_type = IP_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof(info));
        memcpy(CMSG_DATA(header), &info, sizeof(info));
        message.msg_controllen = CMSG_SPACE(sizeof(info));
    }
    long sent = sendmsg(fd, &message, MSG_DONTWAIT);
    return sent < 0 ? -errno : sent;
}

long sixplane_udp_receive_to(int fd, void *buffer, unsigned long capacity, struct sockaddr *from,
                             unsigned int *from_length, struct sockaddr *to) {
    struct iovec iov = {.iov_base = buffer, .iov_len = capacity};
    union {
        char buffer[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } control;
    struct msghdr message = {
        .msg_name = from,
        .msg_namelen = *from_length,
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buffer,
        .msg_controllen = sizeof(control.buffer),
    };
    long n = recvmsg(fd, &message, MSG_DONTWAIT);
    if (n < 0) return -errno;
    *from_length = message.msg_namelen;
    to->sa_family = AF_UNSPEC;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof(info));
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)to;
            memset(a, 0, sizeof(*a));
            a->sin6_family = AF_INET6;
            a->sin6_addr = info.ipi6_addr;
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof(info));
            struct sockaddr_in *a = (struct sockaddr_in *)to;
            memset(a, 0, sizeof(*a));
            a->sin_family = AF_INET;
            a->sin_addr = info.ipi_addr;
        }
    }
    return n;
}

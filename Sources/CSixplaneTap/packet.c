// Raw Ethernet frames onto an interface (the lab's forgeries); apart from tap.c, whose <linux/if.h> clashes with
// <net/if.h>.
#include "CSixplaneTap.h"
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netpacket/packet.h>
#include <net/ethernet.h>
#include <arpa/inet.h>

long sixplane_packet_send(const char *name, const void *frame, unsigned long length) {
    int index = (int)if_nametoindex(name);
    if (index == 0) return -errno;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) return -errno;
    struct sockaddr_ll to;
    memset(&to, 0, sizeof to);
    to.sll_family = AF_PACKET;
    to.sll_ifindex = index;
    to.sll_halen = 6;
    memcpy(to.sll_addr, frame, 6);
    long n = sendto(fd, frame, length, 0, (struct sockaddr *)&to, sizeof to);
    long result = n < 0 ? -errno : n;
    close(fd);
    return result;
}

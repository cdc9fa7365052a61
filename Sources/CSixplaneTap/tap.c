#include "CSixplaneTap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int fill_name(struct ifreq *ifr, const char *name) {
    memset(ifr, 0, sizeof(*ifr));
    if (strlen(name) >= IFNAMSIZ) return -ENAMETOOLONG;
    strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
    return 0;
}

/* An AF_INET datagram socket: the handle interface ioctls go through. */
static int control_socket(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return s < 0 ? -errno : s;
}

int sixplane_tap_open(const char *name) {
    struct ifreq ifr;
    int rc = fill_name(&ifr, name);
    if (rc < 0) return rc;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -errno;
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    int header = 10; /* struct virtio_net_hdr */
    if (ioctl(fd, TUNSETIFF, (void *)&ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &header) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    /* The header's fields are written little-endian; on big-endian hosts the kernel must be told (it needs
       CONFIG_TUN_VNET_CROSS_LE there; little-endian hosts need nothing, so a failure is ignored). */
    int little_endian = 1;
    (void)ioctl(fd, TUNSETVNETLE, &little_endian);
    return fd;
}

/* One interface ioctl on a throwaway control socket; 0 or -errno. */
static int interface_ioctl(unsigned long request, struct ifreq *ifr) {
    int s = control_socket();
    if (s < 0) return s;
    int rc = ioctl(s, request, (void *)ifr) < 0 ? -errno : 0;
    close(s);
    return rc;
}

int sixplane_tap_set_mac(const char *name, const unsigned char *mac) {
    struct ifreq ifr;
    int rc = fill_name(&ifr, name);
    if (rc < 0) return rc;
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    return interface_ioctl(SIOCSIFHWADDR, &ifr);
}

int sixplane_tap_set_mtu(const char *name, int mtu) {
    struct ifreq ifr;
    int rc = fill_name(&ifr, name);
    if (rc < 0) return rc;
    ifr.ifr_mtu = mtu;
    return interface_ioctl(SIOCSIFMTU, &ifr);
}

int sixplane_tap_set_up(const char *name, int up) {
    struct ifreq ifr;
    int rc = fill_name(&ifr, name);
    if (rc < 0) return rc;
    rc = interface_ioctl(SIOCGIFFLAGS, &ifr);
    if (rc < 0) return rc;
    if (up) ifr.ifr_flags |= IFF_UP | IFF_MULTICAST;
    else ifr.ifr_flags &= ~IFF_UP;
    return interface_ioctl(SIOCSIFFLAGS, &ifr);
}

int sixplane_tap_set_offload(int fd, unsigned int flags) {
    return ioctl(fd, TUNSETOFFLOAD, flags) < 0 ? -errno : 0;
}


#ifndef CSIXPLANE_TAP_H
#define CSIXPLANE_TAP_H

/* The few Linux calls Swift cannot make itself (ioctl is variadic, the CMSG macros are macros): open a TAP device,
   set its MAC and MTU, bring it up or down; send UDP datagrams with GSO. Each returns 0 (or a file descriptor, or a
   byte count) on success and -errno on failure. */

struct sockaddr;

/* Opens /dev/net/tun as a TAP (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) named `name` (at most 15 bytes), non-blocking.
   Every frame read or written is preceded by a 10-byte struct virtio_net_hdr. */
int sixplane_tap_open(const char *name);

/* Sets the interface's Ethernet address (6 bytes). */
int sixplane_tap_set_mac(const char *name, const unsigned char *mac);

int sixplane_tap_set_mtu(const char *name, int mtu);

/* TUNSETOFFLOAD: which offloads the kernel may leave to us (TUN_F_CSUM 1, TUN_F_TSO4 2, TUN_F_TSO6 4). */
int sixplane_tap_set_offload(int fd, unsigned int flags);

/* Sets or clears IFF_UP (and IFF_MULTICAST with it). */
int sixplane_tap_set_up(const char *name, int up);

/* One sendmsg of `length` bytes that the kernel cuts into datagrams of `segment_size` bytes (the last may be
   shorter) to one address: UDP_SEGMENT, Linux 4.18 and later. Returns the bytes sent or -errno. */
long sixplane_send_segments(int fd, const void *data, unsigned long length, unsigned short segment_size,
                            const struct sockaddr *address, unsigned int address_length);

/* Writes one Ethernet frame onto interface `name` through an AF_PACKET socket, as if something on the host had sent
   it (the lab's forged ARP and neighbor advertisements). Returns the bytes sent or -errno. */
long sixplane_packet_send(const char *name, const void *frame, unsigned long length);

/* setns(fd, CLONE_NEWNET) for the calling thread only (glibc's declaration needs _GNU_SOURCE): the lab opens
   sockets inside a host's namespace from the test process this way. */
int sixplane_enter_net_namespace(int fd);

/* Asks for each datagram's destination address (IP_PKTINFO or IPV6_RECVPKTINFO) and allows sending from addresses
   that are routed to this host without being on an interface (IP_FREEBIND): the load generator's synthetic peers,
   each with its own source address, on one socket. */
int sixplane_udp_enable_pktinfo(int fd, int ipv6);

/* One datagram to `to` with source address `from` (its port ignored: the socket's is used). Returns the bytes sent
   or -errno. */
long sixplane_udp_send_from(int fd, const void *data, unsigned long length, const struct sockaddr *to,
                            unsigned int to_length, const struct sockaddr *from);

/* One datagram without waiting: its sender in `from` (`*from_length` in: the room, out: the length) and the address
   it was sent to in `to` (room for a sockaddr_in6; family AF_UNSPEC if not known). Returns its length or -errno. */
long sixplane_udp_receive_to(int fd, void *buffer, unsigned long capacity, struct sockaddr *from,
                             unsigned int *from_length, struct sockaddr *to);

#endif

#ifndef CSIXPLANE_TAP_H
#define CSIXPLANE_TAP_H

/* The few Linux calls Swift cannot make itself (ioctl is variadic): open a TAP device, set its MAC and MTU,
   bring it up or down. Each returns 0 (or a file descriptor) on success and -errno on failure. */

/* Opens /dev/net/tun as a TAP (IFF_TAP | IFF_NO_PI) named `name` (at most 15 bytes), non-blocking. */
int sixplane_tap_open(const char *name);

/* Sets the interface's Ethernet address (6 bytes). */
int sixplane_tap_set_mac(const char *name, const unsigned char *mac);

int sixplane_tap_set_mtu(const char *name, int mtu);

/* Sets or clears IFF_UP (and IFF_MULTICAST with it). */
int sixplane_tap_set_up(const char *name, int up);

#endif

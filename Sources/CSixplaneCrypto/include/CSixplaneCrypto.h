#ifndef CSIXPLANE_CRYPTO_H
#define CSIXPLANE_CRYPTO_H

// Allocation-free AES entry points for the packet path, on the BoringSSL that swift-crypto already links.
//
// swift-crypto's public AES APIs (AES._CTR, AES.GCM, AES.permute) return freshly allocated Data and expand the key
// on every call; ZeroTier's suite 3 needs three AES operations per packet, so the packet path calls the same
// BoringSSL functions directly through these wrappers, with key schedules prepared once per peer.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An AES-256 key schedule for both directions (layout of BoringSSL's AES_KEY, twice).
typedef struct {
    uint32_t encrypt[61];
    uint32_t decrypt[61];
} sixplane_aes256;

/// Expands a 32-byte key. Returns 0 on success.
int sixplane_aes256_init(sixplane_aes256 *schedule, const uint8_t key[32]);

void sixplane_aes256_encrypt_block(const sixplane_aes256 *schedule, const uint8_t in[16], uint8_t out[16]);
void sixplane_aes256_decrypt_block(const sixplane_aes256 *schedule, const uint8_t in[16], uint8_t out[16]);

/// AES-256-CTR over `data` in place, starting from the counter block `iv` (big-endian 32-bit counter in bytes 12-15).
void sixplane_aes256_ctr(const sixplane_aes256 *schedule, const uint8_t iv[16], uint8_t *data, size_t length);

/// An AES-256-GCM context (opaque, heap-allocated once per key), or NULL.
void *sixplane_gcm_new(const uint8_t key[32]);
void sixplane_gcm_free(void *context);

/// The 16-byte GCM tag of empty plaintext with additional data `ad` under a 12-byte nonce (that is, GMAC).
/// Returns 1 on success.
int sixplane_gmac(const void *context, const uint8_t nonce[12], const uint8_t *ad, size_t ad_length, uint8_t tag[16]);

/// AES-256 round keys (15 x 16 bytes, FIPS-197 order) for the wide CTR.
typedef struct {
    uint8_t round_keys[240];
} sixplane_aes256_wide;

/// 1 if this CPU has VAES on 512-bit registers (AVX-512F/BW, and the OS saves those registers), else 0. Only then may
/// the two functions below be called.
int sixplane_cpu_has_wide_aes(void);
void sixplane_aes256_wide_init(sixplane_aes256_wide *schedule, const uint8_t key[32]);
/// AES-256-CTR as `sixplane_aes256_ctr` (same counter block), four blocks per instruction. The 32-bit counter must
/// not wrap within one call.
void sixplane_aes256_wide_ctr(const sixplane_aes256_wide *schedule, const uint8_t iv[16], uint8_t *data, size_t length);

/// 1 if this CPU has AVX2 (and the OS saves its registers), else 0.
int sixplane_cpu_has_avx2(void);

#ifdef __cplusplus
}
#endif

#endif

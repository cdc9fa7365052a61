#include "CSixplaneCrypto.h"

// BoringSSL as vendored by swift-crypto 4.x, whose symbols carry the CCryptoBoringSSL_ prefix. Only pointers cross
// this boundary, and the AES_KEY layout (60 round-key words and a round count) has been stable since OpenSSL 0.9.
struct aes_key_st;
typedef struct evp_aead_st EVP_AEAD;
typedef struct evp_aead_ctx_st EVP_AEAD_CTX;

extern int CCryptoBoringSSL_AES_set_encrypt_key(const uint8_t *key, unsigned bits, struct aes_key_st *aeskey);
extern int CCryptoBoringSSL_AES_set_decrypt_key(const uint8_t *key, unsigned bits, struct aes_key_st *aeskey);
extern void CCryptoBoringSSL_AES_encrypt(const uint8_t *in, uint8_t *out, const struct aes_key_st *key);
extern void CCryptoBoringSSL_AES_decrypt(const uint8_t *in, uint8_t *out, const struct aes_key_st *key);
extern void CCryptoBoringSSL_AES_ctr128_encrypt(const uint8_t *in, uint8_t *out, size_t len,
                                                const struct aes_key_st *key, uint8_t ivec[16],
                                                uint8_t ecount_buf[16], unsigned int *num);
extern const EVP_AEAD *CCryptoBoringSSL_EVP_aead_aes_256_gcm(void);
extern EVP_AEAD_CTX *CCryptoBoringSSL_EVP_AEAD_CTX_new(const EVP_AEAD *aead, const uint8_t *key, size_t key_len,
                                                       size_t tag_len);
extern void CCryptoBoringSSL_EVP_AEAD_CTX_free(EVP_AEAD_CTX *ctx);
extern int CCryptoBoringSSL_EVP_AEAD_CTX_seal_scatter(const EVP_AEAD_CTX *ctx, uint8_t *out, uint8_t *out_tag,
                                                      size_t *out_tag_len, size_t max_out_tag_len,
                                                      const uint8_t *nonce, size_t nonce_len, const uint8_t *in,
                                                      size_t in_len, const uint8_t *extra_in, size_t extra_in_len,
                                                      const uint8_t *ad, size_t ad_len);

int sixplane_aes256_init(sixplane_aes256 *schedule, const uint8_t key[32]) {
    if (CCryptoBoringSSL_AES_set_encrypt_key(key, 256, (struct aes_key_st *)schedule->encrypt) != 0) return -1;
    if (CCryptoBoringSSL_AES_set_decrypt_key(key, 256, (struct aes_key_st *)schedule->decrypt) != 0) return -1;
    return 0;
}

void sixplane_aes256_encrypt_block(const sixplane_aes256 *schedule, const uint8_t in[16], uint8_t out[16]) {
    CCryptoBoringSSL_AES_encrypt(in, out, (const struct aes_key_st *)schedule->encrypt);
}

void sixplane_aes256_decrypt_block(const sixplane_aes256 *schedule, const uint8_t in[16], uint8_t out[16]) {
    CCryptoBoringSSL_AES_decrypt(in, out, (const struct aes_key_st *)schedule->decrypt);
}

void sixplane_aes256_ctr(const sixplane_aes256 *schedule, const uint8_t iv[16], uint8_t *data, size_t length) {
    uint8_t counter[16];
    uint8_t ecount[16] = {0};
    unsigned int used = 0;
    for (int i = 0; i < 16; i++) counter[i] = iv[i];
    CCryptoBoringSSL_AES_ctr128_encrypt(data, data, length, (const struct aes_key_st *)schedule->encrypt, counter,
                                        ecount, &used);
}

void *sixplane_gcm_new(const uint8_t key[32]) {
    return CCryptoBoringSSL_EVP_AEAD_CTX_new(CCryptoBoringSSL_EVP_aead_aes_256_gcm(), key, 32, 16);
}

void sixplane_gcm_free(void *context) {
    if (context) CCryptoBoringSSL_EVP_AEAD_CTX_free((EVP_AEAD_CTX *)context);
}

int sixplane_gmac(const void *context, const uint8_t nonce[12], const uint8_t *ad, size_t ad_length, uint8_t tag[16]) {
    size_t tag_length = 0;
    int ok = CCryptoBoringSSL_EVP_AEAD_CTX_seal_scatter((const EVP_AEAD_CTX *)context, NULL, tag, &tag_length, 16,
                                                        nonce, 12, NULL, 0, NULL, 0, ad, ad_length);
    return ok == 1 && tag_length == 16;
}

#include "CSixplaneCrypto.h"

// AES-256-CTR four blocks per instruction (VAES on 512-bit registers), for CPUs that have it. BoringSSL's CTR runs
// one block per AESENC on 128-bit registers; on such CPUs the wide form does a 1400-byte packet's CTR in about half
// the time, and CTR is most of suite 3's cost. Round keys are expanded here with AESKEYGENASSIST (FIPS-197 order), so
// nothing depends on how BoringSSL lays out its AES_KEY on a given CPU.

#if defined(__x86_64__)
#include <immintrin.h>

#define WIDE_TARGET __attribute__((target("aes,avx512f,avx512bw,vaes")))

int sixplane_cpu_has_wide_aes(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") || !__builtin_cpu_supports("vaes")
        || !__builtin_cpu_supports("aes"))
        return 0;
    // The OS must save the opmask and the upper halves of the 512-bit registers (XCR0 bits 1, 2, 5, 6, 7).
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xe6) == 0xe6 ? 1 : 0;
}

// One step of the AES-256 key schedule: `a` takes the previous even key and the RotWord/SubWord/Rcon of the odd
// one (broadcast from word 3 by the shuffle), `b` the SubWord of the new even key (word 2 of AESKEYGENASSIST).
__attribute__((target("aes"))) static inline __m128i expand_step(__m128i key, __m128i assist) {
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

#define EXPAND_PAIR(i, rcon)                                                                           \
    do {                                                                                               \
        k[i] = expand_step(k[i - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k[i - 1], rcon), 0xff)); \
        if (i + 1 < 15)                                                                                \
            k[i + 1] = expand_step(k[i - 1], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k[i], 0), 0xaa)); \
    } while (0)

__attribute__((target("aes"))) void sixplane_aes256_wide_init(sixplane_aes256_wide *schedule, const uint8_t key[32]) {
    __m128i k[15];
    k[0] = _mm_loadu_si128((const __m128i *)key);
    k[1] = _mm_loadu_si128((const __m128i *)(key + 16));
    EXPAND_PAIR(2, 0x01);
    EXPAND_PAIR(4, 0x02);
    EXPAND_PAIR(6, 0x04);
    EXPAND_PAIR(8, 0x08);
    EXPAND_PAIR(10, 0x10);
    EXPAND_PAIR(12, 0x20);
    EXPAND_PAIR(14, 0x40);
    for (int i = 0; i < 15; i++) _mm_storeu_si128((__m128i *)(schedule->round_keys + 16 * i), k[i]);
}

WIDE_TARGET static inline __m512i encrypt4(__m512i x, const __m512i *rk) {
    x = _mm512_xor_si512(x, rk[0]);
    for (int r = 1; r < 14; r++) x = _mm512_aesenc_epi128(x, rk[r]);
    return _mm512_aesenclast_epi128(x, rk[14]);
}

WIDE_TARGET void sixplane_aes256_wide_ctr(const sixplane_aes256_wide *schedule, const uint8_t iv[16], uint8_t *data,
                                          size_t length) {
    __m512i rk[15];
    for (int i = 0; i < 15; i++) rk[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(schedule->round_keys + 16 * i)));
    // The counter is kept as a little-endian number in dword 3 of each lane (lane i = counter + i) and byte-swapped
    // into place per use; bytes 0-11 come from the IV. The caller keeps it from wrapping (suite 3 clears bit 31).
    const __m512i prefix = _mm512_broadcast_i32x4(_mm_and_si128(_mm_loadu_si128((const __m128i *)iv),
                                                                _mm_set_epi32(0, -1, -1, -1)));
    const uint32_t start = ((uint32_t)iv[12] << 24) | ((uint32_t)iv[13] << 16) | ((uint32_t)iv[14] << 8) | iv[15];
    const int c = (int)start;
    __m512i counter = _mm512_set_epi32(c + 3, 0, 0, 0, c + 2, 0, 0, 0, c + 1, 0, 0, 0, c, 0, 0, 0);
    const __m512i four = _mm512_set_epi32(4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0);
    const __m512i swap = _mm512_broadcast_i32x4(
        _mm_set_epi8(12, 13, 14, 15, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128));
#define NEXT_BLOCKS(out)                                                                  \
    do {                                                                                  \
        out = _mm512_or_si512(prefix, _mm512_shuffle_epi8(counter, swap));                \
        counter = _mm512_add_epi32(counter, four);                                        \
    } while (0)
    // 16 blocks a round trip keeps four independent AES chains in flight.
    while (length >= 256) {
        __m512i a, b, c, d;
        NEXT_BLOCKS(a);
        NEXT_BLOCKS(b);
        NEXT_BLOCKS(c);
        NEXT_BLOCKS(d);
        a = _mm512_xor_si512(a, rk[0]);
        b = _mm512_xor_si512(b, rk[0]);
        c = _mm512_xor_si512(c, rk[0]);
        d = _mm512_xor_si512(d, rk[0]);
        for (int r = 1; r < 14; r++) {
            a = _mm512_aesenc_epi128(a, rk[r]);
            b = _mm512_aesenc_epi128(b, rk[r]);
            c = _mm512_aesenc_epi128(c, rk[r]);
            d = _mm512_aesenc_epi128(d, rk[r]);
        }
        a = _mm512_aesenclast_epi128(a, rk[14]);
        b = _mm512_aesenclast_epi128(b, rk[14]);
        c = _mm512_aesenclast_epi128(c, rk[14]);
        d = _mm512_aesenclast_epi128(d, rk[14]);
        _mm512_storeu_si512(data, _mm512_xor_si512(a, _mm512_loadu_si512(data)));
        _mm512_storeu_si512(data + 64, _mm512_xor_si512(b, _mm512_loadu_si512(data + 64)));
        _mm512_storeu_si512(data + 128, _mm512_xor_si512(c, _mm512_loadu_si512(data + 128)));
        _mm512_storeu_si512(data + 192, _mm512_xor_si512(d, _mm512_loadu_si512(data + 192)));
        data += 256;
        length -= 256;
    }
    while (length >= 64) {
        __m512i a;
        NEXT_BLOCKS(a);
        _mm512_storeu_si512(data, _mm512_xor_si512(encrypt4(a, rk), _mm512_loadu_si512(data)));
        data += 64;
        length -= 64;
    }
    if (length > 0) {
        // A masked load and store touch only the bytes that are there.
        const __mmask64 mask = (__mmask64)((~0ULL) >> (64 - length));
        __m512i a;
        NEXT_BLOCKS(a);
        _mm512_mask_storeu_epi8(data, mask, _mm512_xor_si512(encrypt4(a, rk), _mm512_maskz_loadu_epi8(mask, data)));
    }
#undef NEXT_BLOCKS
}

#else

int sixplane_cpu_has_wide_aes(void) { return 0; }
void sixplane_aes256_wide_init(sixplane_aes256_wide *schedule, const uint8_t key[32]) { (void)schedule; (void)key; }
void sixplane_aes256_wide_ctr(const sixplane_aes256_wide *schedule, const uint8_t iv[16], uint8_t *data, size_t length) {
    (void)schedule; (void)iv; (void)data; (void)length;
}

#endif

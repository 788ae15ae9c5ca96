#include <zlib.h>

// zlib's CRC-32 (vectorised): ZIPFoundation falls back to a byte-at-a-time CRC on Linux, which costs more than
// hashing the package with SM3 does.
static inline unsigned long trustd_crc32(unsigned long crc, const unsigned char *bytes, unsigned long length) {
    return crc32(crc, bytes, (uInt)length);
}

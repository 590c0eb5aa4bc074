/* memcpy and memset: GCC emits calls to them for struct copies and initialisers even with
 * -ffreestanding (there is no C library here). Byte loops: small beats fast for this firmware. */
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}
void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

#include <zlib.h>
/* inflateInit2 is a macro; Swift cannot import it. */
static inline int bn_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

#include <sqlite3.h>
/* SQLITE_TRANSIENT is a cast macro; Swift cannot import it. */
static inline void (*bn_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }

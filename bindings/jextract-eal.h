/* The EAL headers Flowgate binds (rte_eal.h declares init/cleanup, rte_lcore.h thread registration
 * and socket ids); one translation unit so jextract sees both. Used only by jextract.sh. */
#include <rte_eal.h>
#include <rte_lcore.h>

/* watchdog.c — see watchdog.h. (Being written.) */
#include "autoconf.h"

#include "watchdog.h"

/* fencing.c — being written */
#include "autoconf.h"

#include "fencing.h"

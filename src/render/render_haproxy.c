/* render_haproxy.c - (being written). */
#include "render_haproxy.h"

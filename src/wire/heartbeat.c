/* heartbeat.c - (being written). */
#include "heartbeat.h"

/* heartbeat.h - (being written). */
#ifndef OCTA_HEARTBEAT_H
#define OCTA_HEARTBEAT_H
#endif

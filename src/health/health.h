/* health.h - (being written). */
#ifndef OCTA_HEALTH_H
#define OCTA_HEALTH_H
#endif

/* render_haproxy.h - (being written). */
#ifndef OCTA_RENDER_HAPROXY_H
#define OCTA_RENDER_HAPROXY_H
#endif

#ifndef MOLT_CLIBSSH2_SHIM_H
#define MOLT_CLIBSSH2_SHIM_H
#include <libssh2.h>
#endif

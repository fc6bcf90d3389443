#ifndef PBCHECK_CZ3_SHIM_H
#define PBCHECK_CZ3_SHIM_H
#include <z3.h>
#endif

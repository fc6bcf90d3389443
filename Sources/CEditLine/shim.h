#ifndef PBCHECK_CEDITLINE_SHIM_H
#define PBCHECK_CEDITLINE_SHIM_H
/* libedit's readline-compatible API: no variadic functions, so Swift can
   call all of it directly. */
#include <stdio.h>
#include <editline/readline.h>
#endif

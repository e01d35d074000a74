/*
 * The drivers' shared set-up (user/console/service.c): a program is built
 * from the files of its own directory, so the timer includes the source.
 */
#include "../console/service.c"

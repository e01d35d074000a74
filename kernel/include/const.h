/* Constants usable from both C and assembly. */
#ifndef LAKE_KERNEL_CONST_H
#define LAKE_KERNEL_CONST_H

#ifdef __ASSEMBLER__
#define UL(x) x
#else
#define UL(x) x##ul
#endif

#endif

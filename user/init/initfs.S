/* The initial file system (a GNU cpio newc archive built by user/user.mk),
 * mounted read-only at /bin by init. */
	.section .rodata.initfs, "a"
	.balign 16
	.global initfs_start, initfs_end
initfs_start:
	.incbin LAKE_INITFS
initfs_end:
	.previous

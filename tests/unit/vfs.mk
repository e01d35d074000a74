# Host unit tests of the file system service's pure core (user/vfs, see
# docs/VFS.md): path resolution, ramfs, cpiofs, devfs, the VFS layer and
# pipes. test_vfs_support.c builds cpio archives and a mounted tree for
# the tests, and has the allocation hooks of user/vfs/alloc.h. vfs_cpio_ls
# is the host program tests/test_vfs_cpio.py feeds archives made by GNU cpio.
UNIT_TESTS += vfs_path vfs_ramfs vfs_cpio vfs_ops vfs_pipe vfs_posix

VFS_SRCS := user/vfs/path.c user/vfs/ramfs.c user/vfs/cpiofs.c user/vfs/devfs.c \
	user/vfs/vfs.c user/vfs/pipe.c
VFS_TEST_SRCS := $(VFS_SRCS) tests/unit/test_vfs_support.c

unit_vfs_path_SRCS  := $(VFS_TEST_SRCS)
unit_vfs_ramfs_SRCS := $(VFS_TEST_SRCS)
unit_vfs_cpio_SRCS  := $(VFS_TEST_SRCS)
unit_vfs_ops_SRCS   := $(VFS_TEST_SRCS)
unit_vfs_pipe_SRCS  := $(VFS_TEST_SRCS)
unit_vfs_posix_SRCS := $(VFS_TEST_SRCS)

VFS_HEADERS := $(wildcard user/vfs/*.h) tests/unit/test_vfs_support.h

$(BUILD)/host/test_vfs_%: HOST_CFLAGS += -Iuser/vfs
$(addprefix $(BUILD)/host/test_,vfs_path vfs_ramfs vfs_cpio vfs_ops vfs_pipe vfs_posix): $(VFS_HEADERS)

$(BUILD)/host/vfs_cpio_ls: tests/unit/vfs_cpio_ls.c $(VFS_TEST_SRCS) $(VFS_HEADERS)
	@mkdir -p $(@D)
	$(Q)echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Iuser/vfs -o $@ $(filter %.c,$^)

unit-tests: $(BUILD)/host/vfs_cpio_ls
